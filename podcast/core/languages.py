"""Language tags (BCP 47) as every part of the platform accepts them.

One rule for the API, the admin and the CLI: a primary language of 2-3 letters and optional
subtags of 1-8 letters or digits, joined by ``-`` (``_`` is taken for ``-``, as locale names
spell it), written with the usual case conventions (``EN-gb`` → ``en-GB``, ``zh-hant-tw`` →
``zh-Hant-TW``) so one language is one spelling.
"""

from __future__ import annotations

import re

from podcast.core.errors import Invalid

__all__ = ["is_language_tag", "parse_language_tag"]

_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*")


def _normalise(tag: str) -> str:
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            out.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        else:
            out.append(part.lower())
    return "-".join(out)


def is_language_tag(value: str) -> bool:
    """Whether ``value`` is a tag this platform accepts (before normalising)."""
    return _TAG.fullmatch(value.strip().replace("_", "-")) is not None


def parse_language_tag(value: str) -> str:
    """The tag in its one spelling, or :class:`Invalid` on the ``language`` field."""
    if not is_language_tag(value):
        raise Invalid(
            f'enter a language code such as "en-GB" or "cy" ("{value.strip()}" is not one)',
            field="language",
        )
    return _normalise(value.strip().replace("_", "-"))
