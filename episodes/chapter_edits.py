"""Chapters a producer sets by hand (the API's ``/chapters``, the admin's chapters editor).

Tags are cleaned quietly (``episodes.chapters``): nobody is there to ask. A producer is, so
here every problem is refused with the chapter and field it is about (``chapters[2].start``),
all of them at once, and nothing is stored until the whole list is right:

* ``start`` (required): seconds (``754.5``) or a time as text (``12:34``, ``1:02:03``);
  each chapter starts after the one before it, and before the end of the audio.
* ``end`` (optional): after its start and not past the end of the audio; left out, a
  chapter ends where the next begins (the last one at the end of the audio).
* ``title`` (optional): at most 255 characters; control characters are removed.
* ``url`` and ``img`` (optional): absolute ``http``/``https`` addresses (``safe_url``).
  An ``img`` that is this service's own URL of the chapter's stored picture (what reading the
  chapters gives) keeps that picture.

The body is a JSON list of such chapters, or a Podcasting 2.0 JSON chapters document
(``{"version": ..., "chapters": [{"startTime": ...}]}``), whose own field names then name the
problems. Chapters need the audio: their times are checked against its length.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from episodes.chapters import MAX_TITLE, MAX_URL, clean_title, safe_url
from episodes.models import Chapter, Episode
from podcast.core.errors import Conflict, Invalid, NotFound
from podcast.core.public_urls import PublicUrls
from podcast.core.timecodes import clock, parse_start
from podcast.media import Storage
from podcast.media.images import Picture
from podcast.media.store import release_after_commit, store_picture

MAX_CHAPTERS = 500
_MAX_MS = 2**31 - 1  # the columns are 32-bit integers

# Our names -> the Podcasting 2.0 document's, for the messages about a document.
_FIELDS = ("start", "end", "title", "url", "img")
_DOCUMENT_NAMES = {"start": "startTime", "end": "endTime", "title": "title", "url": "url",
                   "img": "img"}  # fmt: skip
_NAMED = ", ".join(_FIELDS[:-1]) + f" and {_FIELDS[-1]}"  # for the unknown-field message


@dataclass(frozen=True)
class Problem:
    """What is wrong with one field of one chapter (``index`` None: the list itself)."""

    index: int | None
    field: str | None
    message: str

    @property
    def loc(self) -> tuple[str | int, ...]:
        """Where, as a validation error's location: ``("chapters", 2, "start")``."""
        return ("chapters", *(p for p in (self.index, self.field) if p is not None))

    @property
    def path(self) -> str:
        """``chapters[2].start``, as the API names it."""
        out = "chapters" if self.index is None else f"chapters[{self.index}]"
        return f"{out}.{self.field}" if self.field else out


class InvalidChapters(Invalid):
    """Chapters a producer sent that cannot be stored: every problem, in order."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(problems[0].message, field=problems[0].path)

    @property
    def detail(self) -> str:
        return "; ".join(f"{p.path}: {p.message}" for p in self.problems)


@dataclass(frozen=True)
class ChapterEdit:
    """One checked chapter, ready to store."""

    start_ms: int
    end_ms: int | None
    title: str | None
    url: str | None
    image_key: str | None = None
    image_url: str | None = None


def from_body(data: Any) -> tuple[list[dict[str, Any]], bool]:
    """The chapters of a request body (a list, or a JSON chapters document) as dicts in our
    field names, and whether it was a document. Raises ``InvalidChapters`` for another shape."""
    if isinstance(data, list):
        return data, False
    if isinstance(data, dict) and isinstance(data.get("chapters"), list):
        renamed = []
        for item in data["chapters"]:
            if isinstance(item, dict):
                item = {ours: item[theirs] for ours, theirs in _DOCUMENT_NAMES.items()
                        if theirs in item}  # fmt: skip
            renamed.append(item)
        return renamed, True
    raise InvalidChapters(
        [
            Problem(
                None,
                None,
                'must be a JSON list of chapters ({"start", "title", "url", "img"}) or a '
                'Podcasting 2.0 chapters document ({"version", "chapters": [...]})',
            )
        ]
    )


def check(
    items: list[Any],
    duration_ms: int,
    *,
    own_images: Mapping[str, str] | None = None,
    document: bool = False,
) -> list[ChapterEdit]:
    """The chapters if every one is right (the module doc's rules), else ``InvalidChapters``
    naming each problem. ``own_images``: this service's image URLs of the episode's stored
    chapter pictures, by URL, so that reading and writing back keeps them."""
    problems: list[Problem] = []
    out: list[ChapterEdit] = []
    own = own_images or {}
    names = _DOCUMENT_NAMES if document else {f: f for f in _FIELDS}
    if len(items) > MAX_CHAPTERS:
        raise InvalidChapters([Problem(None, None, f"at most {MAX_CHAPTERS} chapters")])
    end_of_audio = min(duration_ms, _MAX_MS)
    previous: int | None = None
    for index, item in enumerate(items):

        def problem(field: str | None, message: str, index: int = index) -> None:
            problems.append(Problem(index, names.get(field, field) if field else None, message))

        if not isinstance(item, dict):
            problem(None, "must be an object with a start and a title")
            continue
        if not document:
            for extra in sorted(set(item) - set(_FIELDS)):
                problem(extra, f"is not a field that can be set here (a chapter has {_NAMED})")
        start = _time(item.get("start"))
        if "start" not in item or item["start"] is None or item["start"] == "":
            problem("start", "is required: when the chapter starts, in seconds or as 1:02:03")
        elif start is None:
            problem("start", "must be a time in seconds (754.5) or as text (12:34 or 1:02:03)")
        elif start >= end_of_audio:
            problem("start", f"must be before the end of the audio ({_label(end_of_audio)})")
        elif previous is not None and start <= previous:
            problem(
                "start",
                f"must be after the previous chapter's start ({_label(previous)}): "
                "chapters go in the order they are heard",
            )
        end = _time(item.get("end"))
        if item.get("end") not in (None, ""):
            if end is None:
                problem("end", "must be a time in seconds (754.5) or as text (12:34 or 1:02:03)")
            elif end > end_of_audio:
                problem("end", f"must not be after the end of the audio ({_label(end_of_audio)})")
            elif start is not None and end <= start:
                problem("end", "must be after the chapter's start")
        title = _text(item.get("title"), "title", problem)
        if title is not None and len(title) > MAX_TITLE:
            problem("title", f"must be at most {MAX_TITLE} characters (it has {len(title)})")
        url = _link(item.get("url"), "url", problem)
        raw_img = _text(item.get("img"), "img", problem)
        image_key = own.get(raw_img.strip()) if raw_img else None
        img = None if image_key else _link(raw_img, "img", problem)
        if start is not None and start < end_of_audio:  # the next must start after it
            previous = start if previous is None else max(previous, start)
        out.append(
            ChapterEdit(
                start_ms=start if start is not None else 0,
                end_ms=end,
                title=clean_title(title),
                url=url,
                image_key=image_key,
                image_url=img,
            )
        )
    if problems:
        raise InvalidChapters(problems)
    return _with_ends(out, end_of_audio)


def _with_ends(chapters: list[ChapterEdit], end_of_audio: int) -> list[ChapterEdit]:
    """Each chapter ends where it says, else where the next starts, else with the audio."""
    out = []
    for index, chapter in enumerate(chapters):
        end = chapter.end_ms
        if end is None:
            end = chapters[index + 1].start_ms if index + 1 < len(chapters) else end_of_audio
        out.append(
            ChapterEdit(
                chapter.start_ms,
                end,
                chapter.title,
                chapter.url,
                chapter.image_key,
                chapter.image_url,
            )
        )
    return out


def _time(value: Any) -> int | None:
    """Milliseconds from seconds (a JSON number) or a time as text; None if unreadable."""
    if isinstance(value, bool):
        return None
    seconds: float | None
    if isinstance(value, int | float):
        seconds = float(value)
        if not math.isfinite(seconds) or seconds < 0:
            return None
    elif isinstance(value, str):
        seconds = parse_start(value)
    else:
        return None
    if seconds is None or seconds * 1000 > _MAX_MS:  # 1e308 * 1000 is infinite: no round()
        return None
    return round(seconds * 1000)


def _label(ms: int) -> str:
    return clock(ms / 1000, always_hours=ms >= 3_600_000)


def _text(value: Any, field: str, problem: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    problem(field, "must be text")
    return None


def _link(value: Any, field: str, problem: Any) -> str | None:
    text = _text(value, field, problem)
    if not text or not text.strip():
        return None
    if len(text) > MAX_URL:
        problem(field, f"must be at most {MAX_URL} characters")
        return None
    url = safe_url(text)
    if url is None:
        problem(field, "must be an absolute http:// or https:// address")
    return url


def own_images(episode: Episode, urls: PublicUrls) -> dict[str, str]:
    """The public URLs of the episode's stored chapter pictures, to their keys."""
    return {
        url: c.image_key
        for c in episode.chapters
        if c.image_key and (url := urls.image(c.image_key)) is not None
    }


def set_chapters(
    session: Session,
    storage: Storage,
    episode: Episode,
    items: list[Any],
    urls: PublicUrls,
    now: datetime,
    *,
    document: bool = False,
) -> None:
    """Replace all the episode's chapters with ``items`` (checked by :func:`check`); pictures
    no chapter uses any more are released after commit. 409 without audio to check times
    against."""
    if episode.audio is None:
        raise Conflict(
            "upload the audio before setting chapters: their times are checked against it"
        )
    duration_ms = round(episode.audio.duration * 1000)
    checked = check(items, duration_ms, own_images=own_images(episode, urls), document=document)
    _store(session, storage, episode, checked, now)


def remove_chapters(session: Session, storage: Storage, episode: Episode, now: datetime) -> None:
    """No chapters any more: the feed drops ``podcast:chapters`` and ``psc:chapters``."""
    _store(session, storage, episode, [], now)


def _store(
    session: Session,
    storage: Storage,
    episode: Episode,
    chapters: list[ChapterEdit],
    now: datetime,
) -> None:
    old_keys: set[str | None] = {c.image_key for c in episode.chapters}
    episode.chapters = [
        Chapter(
            start_ms=c.start_ms,
            end_ms=c.end_ms,
            title=c.title,
            url=c.url,
            image_key=c.image_key,
            image_url=c.image_url,
        )
        for c in chapters
    ]
    episode.updated_at = now  # the feed's fingerprint and the chapters file's Last-Modified
    session.flush()
    release_after_commit(session, storage, old_keys - {c.image_key for c in chapters})


def chapter_image(chapter: Chapter, urls: PublicUrls) -> str | None:
    """The chapter's picture: the stored one, else the address a producer gave."""
    return urls.image(chapter.image_key) or safe_url(chapter.image_url)


def chapters_out(episode: Episode, urls: PublicUrls) -> list[dict[str, Any]]:
    """The chapters as the API reads (and takes back): seconds, and URLs."""
    return [
        {
            "start": c.start_ms / 1000,
            "end": None if c.end_ms is None else c.end_ms / 1000,
            "title": c.title,
            "url": safe_url(c.url),
            "img": chapter_image(c, urls),
        }
        for c in episode.chapters
    ]


def set_chapter_image(
    session: Session,
    storage: Storage,
    episode: Episode,
    index: int,
    picture: Picture | None,
    now: datetime,
) -> None:
    """Give chapter ``index`` (its place in start order, as the API lists them) an uploaded
    picture, or none (``picture`` None, which also drops an image address). The file it
    replaces is released after commit."""
    chapters = list(episode.chapters)
    if not 0 <= index < len(chapters):
        raise NotFound(f"chapter {index} does not exist (the episode has {len(chapters)})")
    chapter = chapters[index]
    old = chapter.image_key
    chapter.image_key = store_picture(session, storage, picture) if picture else None
    chapter.image_url = None
    episode.updated_at = now
    session.flush()
    if old != chapter.image_key:
        release_after_commit(session, storage, {old})
