"""Language tags as the API, the admin and the CLI accept them: one rule, one spelling."""

from __future__ import annotations

import pytest

from podcast.core.errors import Invalid
from podcast.core.languages import is_language_tag, parse_language_tag


@pytest.mark.parametrize(
    ("value", "tag"),
    [
        ("en", "en"),
        ("EN-gb", "en-GB"),
        (" cy ", "cy"),
        ("en_GB", "en-GB"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
    ],
)
def test_tags_are_normalised(value: str, tag: str) -> None:
    assert is_language_tag(value)
    assert parse_language_tag(value) == tag


@pytest.mark.parametrize("value", ["", "english", "e", "en-", "en--GB", "english!", "en GB"])
def test_other_values_are_invalid_on_the_language_field(value: str) -> None:
    assert not is_language_tag(value)
    with pytest.raises(Invalid) as info:
        parse_language_tag(value)
    assert info.value.field == "language"
    assert "language code such as" in info.value.message
