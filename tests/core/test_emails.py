"""One email rule: what the feed check accepts is what the API's EmailStr accepts."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, EmailStr, ValidationError

from podcast.core.emails import is_email


class _Form(BaseModel):
    email: EmailStr


def _pydantic_accepts(value: str) -> bool:
    try:
        _Form(email=value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("leadershipacademy@example.nhs.uk", True),
        ("first.last+podcast@example.org", True),
        ("zoë@example.org", True),  # internationalised local part (SMTPUTF8)
        ("podcast@bücher.example", True),  # internationalised domain
        ("", False),
        ("podcast", False),
        ("podcast@", False),
        ("@example.org", False),
        ("podcast@example", False),  # no dot in the domain: not deliverable on the internet
        ("pod cast@example.org", False),
        ("podcast@@example.org", False),
        ("podcast@example..org", False),
        ("podcast@example.org.", False),
        (".podcast@example.org", False),
    ],
)
def test_email_rule_matches_the_api(value: str, ok: bool) -> None:
    assert is_email(value) is ok
    assert _pydantic_accepts(value) is ok


def test_padding_and_non_strings_are_not_addresses() -> None:
    """The stored value goes into the feed as it is: no address with spaces around it."""
    assert not is_email(" podcast@example.org")
    assert not is_email("podcast@example.org\n")
    assert not is_email(None)
