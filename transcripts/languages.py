"""Which transcript a request means; the language tag rule is ``podcast.core.languages``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from podcast.core.languages import normalise, primary

__all__ = ["choose"]


class _HasLanguage(Protocol):
    @property
    def language(self) -> str: ...


T = TypeVar("T", bound=_HasLanguage)


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
