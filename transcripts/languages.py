"""Language tags: one spelling per language, and which transcript a request means."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

__all__ = ["choose", "normalise", "primary"]


class _HasLanguage(Protocol):
    @property
    def language(self) -> str: ...


T = TypeVar("T", bound=_HasLanguage)


def normalise(tag: str) -> str:
    """BCP 47 case conventions (``EN-gb`` → ``en-GB``, ``zh-hant-tw`` → ``zh-Hant-TW``), so
    ``?language=en-gb`` and ``en-GB`` are one transcript. Validity is checked by the parser."""
    parts = tag.strip().replace("_", "-").split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            out.append(part.upper())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        else:
            out.append(part.lower())
    return "-".join(out)


def primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def choose(items: Sequence[T], requested: str | None, default: str) -> T | None:
    """The transcript a request means.

    Asked for a language: that tag, or the only transcript sharing its primary language
    (``?lang=en`` finds ``en-GB``). Not asked: the show's language, then the only one sharing
    its primary language, then the first uploaded. None when nothing fits.
    """
    if not items:
        return None
    wanted = normalise(requested) if requested else normalise(default)
    for item in items:
        if item.language == wanted:
            return item
    same = [item for item in items if primary(item.language) == primary(wanted)]
    if len(same) == 1:
        return same[0]
    return None if requested else items[0]
