"""Language tags: one spelling per language, and which transcript a request means."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from podcast.core.languages import is_language_tag, parse_language_tag

__all__ = ["choose", "normalise", "primary"]


class _HasLanguage(Protocol):
    @property
    def language(self) -> str: ...


T = TypeVar("T", bound=_HasLanguage)


def normalise(tag: str) -> str:
    """The one spelling of a tag (``podcast.core.languages``), so ``?language=en-gb`` and
    ``en-GB`` are one transcript; a value that is no tag stays as given (it matches nothing)."""
    return parse_language_tag(tag) if is_language_tag(tag) else tag.strip()


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
