"""The episode page's artwork and chapters forms: what they show, and the chapters table read
back into what ``episodes.chapter_edits`` checks.

The chapters editor works without JavaScript: one table row per chapter (start, title, link,
image address, a remove box) plus a few empty rows to add chapters; empty rows are ignored.
The checks are the API's, so a problem is reported next to the cell it is about. Each stored
chapter's row also has an image file input, sent with its own small form (the HTML ``form``
attribute) to the route ``PUT /api/episodes/{id}/chapters/{index}/image`` mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData

from episodes.chapter_edits import MAX_CHAPTERS, Problem, chapter_image
from episodes.chapters import safe_url
from episodes.models import Episode
from podcast.core.public_urls import PublicUrls
from podcast.core.timecodes import clock
from podcast.media.images import ARTWORK_MAX_SIDE, ARTWORK_MIN_SIDE
from podcast.web import template_helpers
from podcast.web.admin.common import text

EMPTY_ROWS = 3  # rows to add chapters in, under the existing ones
MAX_ROWS = MAX_CHAPTERS + EMPTY_ROWS
FIELDS = ("start", "title", "url", "img")
MAX_FIELDS = MAX_ROWS * (len(FIELDS) + 1) + 10  # each row's cells and remove box, csrf, rows
ARTWORK_FIELD = "episode-artwork"  # the file input's id: its errors sit next to it


def image_field(index: int) -> str:
    """The id of chapter ``index``'s image file input, where its upload's errors sit."""
    return f"chapter-{index}-image"


@dataclass(frozen=True)
class Row:
    """One row of the chapters table, as text."""

    start: str = ""
    title: str = ""
    url: str = ""
    img: str = ""
    remove: bool = False

    @property
    def blank(self) -> bool:
        return not (
            self.start.strip() or self.title.strip() or self.url.strip() or self.img.strip()
        )


def start_text(ms: int) -> str:
    """``1:02:03`` or ``0:01.5``: what a producer types, to the millisecond."""
    whole = clock(ms / 1000)
    millis = ms % 1000
    return f"{whole}.{millis:03d}".rstrip("0") if millis else whole


def rows_from_episode(episode: Episode, urls: PublicUrls) -> list[Row]:
    rows = [
        Row(
            start_text(c.start_ms),
            c.title or "",
            safe_url(c.url) or "",
            chapter_image(c, urls) or "",
        )
        for c in episode.chapters
    ]
    return rows + [Row() for _ in range(EMPTY_ROWS)]


def rows_from_form(form: FormData) -> list[Row]:
    """The table's rows as sent (``start-0``, ``title-0``... ``remove-0``)."""
    try:
        count = min(int(text(form.get("rows")) or 0), MAX_ROWS)
    except ValueError:
        count = 0

    def cell(name: str, i: int) -> str:
        return text(form.get(f"{name}-{i}")) or ""

    return [
        Row(
            start=cell("start", i),
            title=cell("title", i),
            url=cell("url", i),
            img=cell("img", i),
            remove=form.get(f"remove-{i}") is not None,
        )
        for i in range(max(count, 0))
    ]


def items(rows: list[Row]) -> tuple[list[dict[str, Any]], list[int]]:
    """The chapters to check (rows neither blank nor marked for removal), and each one's row."""
    kept = [i for i, row in enumerate(rows) if not row.remove and not row.blank]
    chapters = []
    for i in kept:
        row = rows[i]
        chapter: dict[str, Any] = {"start": row.start.strip() or None, "title": row.title}
        chapter |= {"url": row.url.strip() or None, "img": row.img.strip() or None}
        chapters.append(chapter)
    return chapters, kept


def errors(problems: list[Problem], kept: list[int]) -> dict[str, str]:
    """Each problem next to its cell: ``chapter-2-start``; the whole table's as ``chapters``."""
    out: dict[str, str] = {}
    for p in problems:
        if p.index is None or p.field not in FIELDS:
            out.setdefault("chapters", _sentence(p.message))
        else:
            out.setdefault(f"chapter-{kept[p.index]}-{p.field}", _sentence(p.message))
    return out


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


def page_context(episode: Episode, base_url: str, extra: dict[str, Any]) -> dict[str, Any]:
    """The edit page's context for these forms; takes its own keys out of ``extra``."""
    key = episode.artwork_key
    rows = extra.pop("chapter_rows", None)
    return {
        "chapter_rows": rows or rows_from_episode(episode, PublicUrls(base_url)),
        # Rows that are stored chapters take an uploaded image; not while the table shows a
        # refused edit, whose rows need not be the stored ones.
        "chapter_uploads": 0 if rows else len(episode.chapters),
        "chapter_errors": extra.pop("chapter_errors", {}),
        "artwork_errors": extra.pop("artwork_errors", {}),
        "episode_artwork": template_helpers.image_path(key),
        "artwork_format": key.rsplit(".", 1)[-1].upper().replace("JPG", "JPEG") if key else None,
        "artwork_min_side": ARTWORK_MIN_SIDE,
        "artwork_max_side": ARTWORK_MAX_SIDE,
    }
