"""Readable, stable URL slugs from titles."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG = 80
_NON_WORD = re.compile(r"[^a-z0-9]+")
# Apostrophes join a word ("Zoë's" -> "zoes", "don't" -> "dont") rather than split it.
_APOSTROPHES = re.compile(r"(?<=\w)['\u2019\u02bc](?=\w)")
# Latin letters NFKD does not take apart into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "ø": "o",
        "Ø": "O",
        "ł": "l",
        "Ł": "L",
        "đ": "d",
        "Đ": "D",
        "ð": "d",
        "Ð": "D",
        "þ": "th",
        "Þ": "TH",
        "\u0131": "i",
    }
)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SLUG_ADVICE = (
    "use lower-case letters, digits and single hyphens, like building-anti-racist-leadership"
)
_SLUG = re.compile(SLUG_PATTERN)


def is_slug(value: str) -> bool:
    """Whether ``value`` could name an episode: every slug stored matches the pattern, and
    anything else (a NUL, say, which PostgreSQL refuses) must not reach a query."""
    return _SLUG.fullmatch(value) is not None


def slugify(title: str) -> str:
    """ASCII, lower case, hyphenated; accents folded ("Café" -> "cafe", "Straße" -> "strasse")
    so URLs stay ASCII as Apple requires, and apostrophes dropped ("Zoë's story" ->
    "zoes-story"). Titles with no Latin letters fall back to ``episode``."""
    title = _APOSTROPHES.sub("", title.translate(_UNDECOMPOSED))
    folded = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", folded.lower()).strip("-")
    slug = slug[:MAX_SLUG].rstrip("-")
    return slug or "episode"


def unique_slug(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is free."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_SLUG - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1
