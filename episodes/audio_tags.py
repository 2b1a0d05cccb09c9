"""Tags in the three systems podcast audio uses: ID3 (MP3, WAV), MP4 atoms (M4A) and Vorbis
comments (Ogg Opus, Ogg Vorbis, FLAC), read in mutagen's non-easy mode, because easy mode drops
comments, cover art and chapters (docs/libraries.md, "Reading tags").

Everything here is a suggestion for the episode form: unreadable values become ``None``, never
an error, since the audio itself is fine.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import mutagen
from mutagen.flac import Picture as FlacPicture
from mutagen.id3 import ID3, CTOCFlags, PictureType
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4
from mutagen.wave import WAVE

from episodes.chapters import AudioChapter, sanitise
from podcast.media.images import ArtworkError, Picture, inspect_image

__all__ = ["AudioChapter", "AudioTags", "read_tags"]


@dataclass(frozen=True)
class AudioTags:
    """Suggestions for the episode form; every field is optional."""

    title: str | None = None
    comment: str | None = None
    artist: str | None = None
    track: int | None = None
    disc: int | None = None
    date: dt.date | None = None  # only from a full date; a bare year gives None
    cover: Picture | None = None
    chapters: tuple[AudioChapter, ...] = ()  # episodes.chapters.sanitise()d


def read_tags(media: Any, duration_ms: int) -> AudioTags:
    if isinstance(media, MP4):
        tags = _mp4_tags(media)
    elif isinstance(media, MP3 | WAVE):
        tags = _id3_tags(media.tags)
    else:
        tags = _vorbis_tags(media)
    if not tags.chapters:
        return tags
    # Sorted, inside the audio, ends after starts, http(s) links only: see episodes.chapters.
    return _replace_chapters(tags, sanitise(tags.chapters, duration_ms))


def _replace_chapters(tags: AudioTags, chapters: Sequence[AudioChapter]) -> AudioTags:
    return AudioTags(
        title=tags.title,
        comment=tags.comment,
        artist=tags.artist,
        track=tags.track,
        disc=tags.disc,
        date=tags.date,
        cover=tags.cover,
        chapters=tuple(chapters),
    )


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _first(values: Iterable[object] | None) -> str | None:
    for value in values or ():
        if text := _clean(value):
            return text
    return None


def _number(text: str | None) -> int | None:
    """Leading positive integer: "3/10" -> 3; "0", "" or "three" -> None."""
    match = re.match(r"\s*(\d{1,6})", text or "")
    return (int(match.group(1)) or None) if match else None


def _date(text: str | None) -> dt.date | None:
    """A full calendar date at the start of ``text``; year-only or invalid -> None."""
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T ])", text or "")
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _picture(data: bytes) -> Picture | None:
    try:
        return inspect_image(bytes(data))
    except ArtworkError:
        return None  # broken embedded art must not fail the upload


def _best_picture(candidates: Iterable[tuple[int, bytes]]) -> Picture | None:
    """First readable image, front covers (picture type 3) before any other type."""
    ordered = sorted(candidates, key=lambda c: c[0] != PictureType.COVER_FRONT)
    for _, data in ordered:
        if picture := _picture(data):
            return picture
    return None


# ID3 (MP3, and WAV files with an "id3 " chunk)


def _frame_text(tags: Any, frame_id: str) -> str | None:
    return _first(text for frame in tags.getall(frame_id) for text in frame.text)


def _id3_tags(tags: ID3 | None) -> AudioTags:
    if tags is None:
        return AudioTags()
    return AudioTags(
        title=_frame_text(tags, "TIT2"),
        comment=_id3_comment(tags),
        artist=_frame_text(tags, "TPE1") or _frame_text(tags, "TPE2"),
        track=_number(_frame_text(tags, "TRCK")),
        disc=_number(_frame_text(tags, "TPOS")),
        date=_date(_frame_text(tags, "TDRC")),  # mutagen merges ID3v2.3 TYER/TDAT into TDRC
        cover=_id3_picture(tags),
        chapters=tuple(_id3_chapters(tags)),
    )


def _id3_comment(tags: ID3) -> str | None:
    """COMM with an empty description first; iTunes' machine COMMs (iTunNORM...) skipped.

    ffmpeg writes a "comment" as TXXX:comment, so that is read too.
    """
    comms = [c for c in tags.getall("COMM") if not c.desc.startswith("iTun")]
    comms.sort(key=lambda c: c.desc != "")
    txxx = [t for t in tags.getall("TXXX") if t.desc.lower() in ("comment", "description")]
    return _first(text for frame in [*comms, *txxx] for text in frame.text)


def _id3_picture(tags: Any) -> Picture | None:
    return _best_picture((f.type, f.data) for f in tags.getall("APIC") if f.mime != "-->")


def _id3_chapters(tags: ID3) -> list[AudioChapter]:
    """CHAP frames; ties in start time are broken by the top-level CTOC's order."""
    order: dict[str, int] = {}
    for toc in tags.getall("CTOC"):
        if toc.flags & CTOCFlags.TOP_LEVEL:
            order = {eid: i for i, eid in enumerate(toc.child_element_ids)}
            break
    chaps = sorted(
        tags.getall("CHAP"),
        key=lambda c: (c.start_time, order.get(c.element_id, len(order)), c.element_id),
    )
    chapters = []
    for chap in chaps:
        subs = chap.sub_frames
        urls = [f.url for f in subs.getall("WXXX")] + [f.url for f in subs.getall("WOAR")]
        end = chap.end_time if chap.start_time < chap.end_time < 0xFFFFFFFF else None
        chapters.append(
            AudioChapter(
                start_ms=chap.start_time,
                end_ms=end,
                title=_frame_text(subs, "TIT2"),
                url=_first(urls),
                image=_id3_picture(subs),
            )
        )
    return chapters


# MP4 atoms (M4A)


def _mp4_tags(media: MP4) -> AudioTags:
    tags: Any = media.tags or {}

    def pair(key: str) -> int | None:
        values = tags.get(key) or [(0, 0)]
        return values[0][0] or None

    chapters = [
        AudioChapter(start_ms=round(ch.start * 1000), end_ms=None, title=_clean(ch.title))
        for ch in media.chapters or ()
    ]
    return AudioTags(
        title=_first(tags.get("©nam")),
        comment=_first(tags.get("©cmt")) or _first(tags.get("desc")),
        artist=_first(tags.get("©ART")) or _first(tags.get("aART")),
        track=pair("trkn"),
        disc=pair("disk"),
        date=_date(_first(tags.get("©day"))),
        cover=_best_picture((PictureType.COVER_FRONT, bytes(c)) for c in tags.get("covr", ())),
        chapters=tuple(chapters),
    )


# Vorbis comments (Ogg Opus, Ogg Vorbis, FLAC)


def _vorbis_tags(media: Any) -> AudioTags:
    tags = media.tags
    if tags is None:
        return AudioTags(cover=_vorbis_picture(media, {}))
    values: dict[str, list[str]] = {}
    for key, value in tags:
        values.setdefault(key.upper(), []).append(value)

    def get(*keys: str) -> str | None:
        return _first(v for key in keys for v in values.get(key, ()))

    return AudioTags(
        title=get("TITLE"),
        comment=get("COMMENT", "DESCRIPTION"),
        artist=get("ARTIST", "ALBUMARTIST"),
        track=_number(get("TRACKNUMBER")),
        disc=_number(get("DISCNUMBER")),
        date=_date(get("DATE")),
        cover=_vorbis_picture(media, values),
        chapters=tuple(_vorbis_chapters(values)),
    )


def _vorbis_picture(media: Any, values: dict[str, list[str]]) -> Picture | None:
    """FLAC picture blocks, then base64 METADATA_BLOCK_PICTURE comments (the Ogg way)."""
    candidates = [(p.type, p.data) for p in getattr(media, "pictures", ())]
    for encoded in values.get("METADATA_BLOCK_PICTURE", ()):
        try:
            block = FlacPicture(base64.b64decode(encoded))
        except (binascii.Error, ValueError, mutagen.MutagenError, struct.error, IndexError):
            continue
        candidates.append((block.type, block.data))
    return _best_picture(candidates)


_CHAPTER_KEY = re.compile(r"CHAPTER(\d+)")
_CHAPTER_TIME = re.compile(r"\s*(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d+))?\s*$")


def _vorbis_chapters(values: dict[str, list[str]]) -> list[AudioChapter]:
    """The CHAPTERxxx=HH:MM:SS.mmm / CHAPTERxxxNAME / CHAPTERxxxURL convention."""
    chapters = []
    for key, times in values.items():
        key_match = _CHAPTER_KEY.fullmatch(key)
        time_match = _CHAPTER_TIME.match(times[0]) if key_match else None
        if not key_match or not time_match:
            continue
        hours, minutes, seconds, fraction = time_match.groups()
        start_ms = (int(hours) * 3600 + int(minutes) * 60 + int(seconds)) * 1000 + round(
            float(f"0.{fraction or 0}") * 1000
        )
        chapters.append(
            AudioChapter(
                start_ms=start_ms,
                end_ms=None,
                title=_first(values.get(f"{key}NAME")),
                url=_first(values.get(f"{key}URL")),
            )
        )
    return chapters
