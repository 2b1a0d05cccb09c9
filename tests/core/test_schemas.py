"""Rules on request text that JSON Schema states apart from pydantic: they must agree."""

from __future__ import annotations

import re

import pytest
from pydantic import TypeAdapter, ValidationError

from podcast.core.schemas import BLANK, Text255

TEXT = TypeAdapter(Text255)


def test_blank_is_what_strip_whitespace_removes() -> None:
    """The schema's "blank" is exactly what pydantic strips before counting characters."""
    blank = re.compile(BLANK)
    for code in (*range(0xD800), *range(0xE000, 0x10000)):
        char = chr(code)
        try:
            TEXT.validate_python(char)
            stripped = False
        except ValidationError as exc:
            stripped = exc.errors()[0]["type"] == "string_too_short"
        assert stripped == bool(blank.fullmatch(char)), hex(code)


@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
def test_nul_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="cannot contain the character U\\+0000"):
        TEXT.validate_python(value)


def test_schema_states_both_rules() -> None:
    assert TEXT.json_schema()["allOf"] == [
        {"not": {"pattern": r"\u0000"}},
        {"not": {"pattern": BLANK}},
    ]
