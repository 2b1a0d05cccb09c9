"""Podlove Simple Chapters (``psc:chapters``) inline in each item, as a feedgen extension.

gPodder's podcastparser knows ``podcast:`` only under the namespace's old GitHub URI, so it
never sees ``podcast:chapters``; it (and other Podlove-aware apps) reads ``psc:chapters``
(http://podlove.org/simple-chapters, version 1.2). The chapters are the same rows the JSON
chapters file is made from. The podcast namespace is declared once, under its canonical URI
(docs/standards.md, "podcast:chapters").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from lxml import etree

PSC_NS = "http://podlove.org/simple-chapters"
VERSION = "1.2"
EXTENSION_NAME = "psc"


@dataclass(frozen=True, slots=True)
class SimpleChapter:
    start_ms: int
    title: str
    href: str | None = None
    image: str | None = None


def npt(ms: int) -> str:
    """Normal Play Time as the spec writes it: ``HH:MM:SS.mmm``."""
    seconds, millis = divmod(ms, 1000)
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}:{secs:02d}.{millis:03d}"


class SimpleChaptersExtension(BaseExtension):
    """Channel half: only declares the ``psc`` prefix on the root."""

    def extend_ns(self) -> dict[str, str]:
        return {"psc": PSC_NS}


class SimpleChaptersEntryExtension(BaseEntryExtension):
    """Item half: ``<psc:chapters version="1.2">`` with one ``<psc:chapter>`` per chapter."""

    def __init__(self) -> None:
        self.chapters: Sequence[SimpleChapter] = ()

    def extend_rss(self, entry: Any) -> Any:
        if not self.chapters:
            return entry
        container = etree.SubElement(entry, f"{{{PSC_NS}}}chapters", version=VERSION)
        for chapter in self.chapters:
            elem = etree.SubElement(container, f"{{{PSC_NS}}}chapter")
            elem.set("start", npt(chapter.start_ms))
            elem.set("title", chapter.title)
            if chapter.href:
                elem.set("href", chapter.href)
            if chapter.image:
                elem.set("image", chapter.image)
        return entry


def register(fg: Any) -> None:
    fg.register_extension(
        EXTENSION_NAME,
        SimpleChaptersExtension,
        SimpleChaptersEntryExtension,
        atom=False,
        rss=True,
    )
