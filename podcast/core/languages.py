"""Language tags: the one rule for what a language is, and its one spelling.

A tag is well-formed BCP 47 (RFC 5646 section 2.1: language, extlang, script, region,
variants, extensions, private use; people's ``en_GB`` is read as ``en-GB``), with two
deliberate limits: the primary language has ISO 639's 2-3 letters (4-8 letter subtags are
reserved and none is registered, and allowing them would let "english" through), and the tag
has at most 35 characters (what RFC 5646 section 4.4.1 asks implementations to keep, and
the database columns' width). Grandfathered tags (``i-klingon``) are not accepted: the registry
has a modern tag for each.

Tags are stored and compared in the case RFC 5646 section 2.1.1 recommends (``en-GB``,
``zh-Hant-TW``, ``sr-Latn-RS``), so ``en-gb`` and ``en-GB`` name one transcript.

The feed's channel ``<language>`` is stricter (:func:`is_channel_language`): Apple takes an
ISO 639 code with at most a region (``en``, ``en-GB``, ``es-419``).
"""

from __future__ import annotations

import re

from podcast.core.errors import Invalid

__all__ = [
    "CHANNEL_LANGUAGE_ADVICE",
    "CHANNEL_LANGUAGE_PATTERN",
    "MAX_LENGTH",
    "is_channel_language",
    "is_language_tag",
    "is_well_formed",
    "normalise",
    "parse_language_tag",
    "primary",
]

MAX_LENGTH = 35
EXAMPLE = "en-GB or cy"

_ALNUM = "[a-z0-9]"
_TAG = re.compile(
    rf"""
    (?:
        (?P<language>[a-z]{{2,3}}(?:-[a-z]{{3}}){{0,3}})  # ISO 639 + up to three extlangs
        (?:-(?P<script>[a-z]{{4}}))?
        (?:-(?P<region>[a-z]{{2}}|[0-9]{{3}}))?
        (?:-(?:{_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*     # variants
        (?:-[0-9a-wyz](?:-{_ALNUM}{{2,8}})+)*            # extensions
        (?:-x(?:-{_ALNUM}{{1,8}})+)?                     # private use
    )
    """,
    re.VERBOSE,
)
# ISO 639 alone or with an ISO 3166 / UN M.49 region: what Apple documents for <language>.
CHANNEL_LANGUAGE_PATTERN = r"^[a-zA-Z]{2,3}(-[a-zA-Z]{2}|-[0-9]{3})?$"
CHANNEL_LANGUAGE_ADVICE = (
    "must be a language tag like en, en-GB or cy (a language, then optionally a region)"
)
_CHANNEL = re.compile(r"[a-z]{2,3}(?:-[a-z]{2}|-[0-9]{3})?")


def _folded(value: str) -> str:
    return value.strip().replace("_", "-").lower()


def is_language_tag(value: object) -> bool:
    """Whether :func:`parse_language_tag` takes ``value``: what a person may type (any case,
    ``_`` for ``-``, space around it)."""
    return isinstance(value, str) and is_well_formed(_folded(value))


def is_well_formed(value: object) -> bool:
    """Whether ``value`` is a tag as a file or a feed must write it: the rule above, any case,
    ``-`` between subtags and nothing around it."""
    if not isinstance(value, str):
        return False
    return len(value) <= MAX_LENGTH and _TAG.fullmatch(value.lower()) is not None


def parse_language_tag(value: str) -> str:
    """What a person typed (`` EN_gb ``) as the tag in its one spelling (``en-GB``), or
    ``Invalid(field="language")``."""
    if not is_language_tag(value):
        shown = value.strip()[:40] if isinstance(value, str) else repr(value)
        raise Invalid(
            f'enter a language code such as {EXAMPLE} ("{shown}" is not one: BCP 47, '
            f"at most {MAX_LENGTH} characters)",
            field="language",
        )
    return normalise(value)


def normalise(tag: str) -> str:
    """RFC 5646 case conventions (``EN-gb`` → ``en-GB``, ``zh-hant-tw`` → ``zh-Hant-TW``).

    Only casing and the separator change; validity is :func:`is_language_tag`'s business.
    After a singleton (an extension or ``x-``) every subtag stays lower case.
    """
    parts = _folded(tag).split("-")
    out = [parts[0]]
    in_extension = False
    for part in parts[1:]:
        if len(part) == 1:
            in_extension = True
        if not in_extension and len(part) == 2 and part.isalpha():
            part = part.upper()
        elif not in_extension and len(part) == 4 and part.isalpha():
            part = part.title()
        out.append(part)
    return "-".join(out)


def primary(tag: str) -> str:
    """The primary language subtag: ``en`` for ``en-GB``."""
    return _folded(tag).split("-", 1)[0]


def is_channel_language(value: object) -> bool:
    """What Apple accepts as the feed's ``<language>``: ISO 639, optionally a region."""
    return isinstance(value, str) and _CHANNEL.fullmatch(value.lower()) is not None
