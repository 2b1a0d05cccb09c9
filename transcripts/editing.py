"""Correcting a transcript in the editor: the changes a producer makes, checked like an upload,
saved as one change that never overwrites someone else's newer text.

Everything here works on the canonical cues (``transcripts.cues``) and knows nothing of HTTP
or forms: the admin editor (``podcast/web/admin/transcript_editor.py``) turns a form into
:class:`CueInput` and an action, and calls :func:`save_edit` or :func:`restore`.

**Lost updates.** The editor carries the ``content_sha256`` the producer started from. Saving
locks the transcript row (``FOR UPDATE`` on PostgreSQL; SQLite writers already hold the
database's write lock) and compares: a transcript changed meanwhile (another producer, an
upload, a speech recognition job) raises :class:`StaleTranscript` (409) and nothing is saved.

**Word timings** (speech recognition's ``Cue.words``) stay with a cue while its text is the
one they spell; a cue whose text or times the producer changes loses them (they would be
wrong), shifting moves them, splitting and merging divide and join them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from episodes.models import Episode
from podcast.core.errors import Conflict, Invalid, NotFound
from transcripts import repository, service
from transcripts.cues import (
    MAX_MS,
    Cue,
    CueWord,
    Transcript,
    TranscriptError,
    clean_speaker,
    clean_text,
    format_timestamp,
    too_late,
    validate,
)
from transcripts.models import StoredTranscript, TranscriptRevision

__all__ = [
    "PAGE_CUES",
    "SPLIT_MARK",
    "CueError",
    "CueInput",
    "InvalidCues",
    "StaleTranscript",
    "apply_page",
    "check_current",
    "clock",
    "merge_next",
    "page_range",
    "parse_time",
    "rename_speaker",
    "restore",
    "save_edit",
    "shift",
    "split",
]

PAGE_CUES = 50  # cues on one page of the editor: a long transcript is corrected page by page
SPLIT_MARK = "||"  # typed where a cue should be split, when no script gives the cursor position
_TIME = re.compile(r"(?:(?:(\d{1,3}):)?(\d{1,2}):)?(\d{1,6})(?:[.,](\d{1,3}))?")


@dataclass(frozen=True, slots=True)
class CueInput:
    """One cue as the producer typed it; ``number`` is its place in the transcript (1-based)."""

    number: int
    text: str
    speaker: str = ""
    start: str | None = None  # None for an untimed transcript
    end: str | None = None


@dataclass(frozen=True, slots=True)
class CueError:
    number: int
    field: str  # "text", "speaker", "start" or "end"
    message: str  # "cue 12: the end (00:05.000) is before the start (00:06.000)"


class InvalidCues(Invalid):
    """What the producer typed cannot be saved: every problem, each naming its cue and field."""

    def __init__(self, errors: Sequence[CueError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(e.message for e in self.errors), field="cues")


class StaleTranscript(Conflict):
    """The transcript changed after the producer opened it: nothing of theirs was saved."""

    def __init__(self, record: StoredTranscript, by: str | None) -> None:
        self.changed_at = record.updated_at
        self.by = by
        who = f" by {by}" if by else ""
        super().__init__(
            f"the transcript was changed{who} after you opened it, so nothing was saved: "
            "your changes are still in the form; copy what you need, then open the current "
            "version and make them again",
            field="sha",
        )


def clock(ms: int | None) -> str:
    """A cue time as the editor shows it: ``01:05.250``, with hours from the first hour."""
    return "" if ms is None else format_timestamp(ms, always_hours=ms >= 3_600_000)


def parse_time(value: str) -> int | None:
    """``1:02:03.5``, ``02:03.250``, ``75.5`` or ``75`` in milliseconds; None if not a time."""
    match = _TIME.fullmatch(value.strip())
    if match is None:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if minutes is not None and int(seconds) >= 60:
        return None
    if hours is not None and int(minutes) >= 60:
        return None
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes or 0)) * 60 + int(seconds)) * 1000 + millis


def page_range(cue_count: int, page: int) -> range:
    """The 0-based positions of the cues on editor page ``page`` (1-based)."""
    start = (page - 1) * PAGE_CUES
    return range(start, min(start + PAGE_CUES, cue_count))


def _words_kept(old: Cue, new: Cue) -> tuple[CueWord, ...]:
    """The old word timings if the new cue still says the same words at the same times (a
    :data:`SPLIT_MARK` between two words does not count as a change)."""
    said = " ".join(new.text.replace(SPLIT_MARK, " ").split())
    same = (" ".join(old.text.split()), old.start_ms, old.end_ms) == (
        said,
        new.start_ms,
        new.end_ms,
    )
    return old.words if same else ()


def apply_page(cues: Sequence[Cue], inputs: Sequence[CueInput]) -> list[Cue]:
    """``cues`` with the typed cues put in their places; :class:`InvalidCues` listing every
    problem. An emptied text removes its cue (as an upload drops empty cues)."""
    result = list(cues)
    errors: list[CueError] = []
    for typed in inputs:
        index = typed.number - 1
        if not 0 <= index < len(result):
            continue  # not a cue of this version (the digest check catches a changed one)
        old = result[index]
        where = f"cue {typed.number}"
        start, end = old.start_ms, old.end_ms
        if old.timed:
            start = _time(typed, "start", errors)
            end = _time(typed, "end", errors)
            if start is not None and end is not None and end < start:
                errors.append(
                    CueError(
                        typed.number,
                        "end",
                        f"{where}: the end ({clock(end)}) is before the start ({clock(start)})",
                    )
                )
        speaker = clean_speaker(typed.speaker)
        if speaker is not None and len(speaker) > 255:
            errors.append(
                CueError(
                    typed.number,
                    "speaker",
                    f"{where}: the speaker's name is longer than 255 characters",
                )
            )
        new = Cue(start, end, clean_text(typed.text), speaker)
        result[index] = replace(new, words=_words_kept(old, new))
    if errors:
        raise InvalidCues(errors)
    return result


def _time(typed: CueInput, name: str, errors: list[CueError]) -> int | None:
    raw = (getattr(typed, name) or "").strip()
    where = f"cue {typed.number}"
    if not raw:
        errors.append(CueError(typed.number, name, f"{where}: enter the {name} time"))
        return None
    value = parse_time(raw)
    if value is None:
        errors.append(
            CueError(
                typed.number,
                name,
                f'{where}: the {name} "{raw}" is not a time; write it like 01:05.250',
            )
        )
    elif value > MAX_MS:
        errors.append(CueError(typed.number, name, f"{where}: {too_late(raw)}"))
        return None
    return value


def split(cues: Sequence[Cue], number: int, at: int | None) -> list[Cue]:
    """Cue ``number`` split in two at character ``at`` of its text, else at a typed
    :data:`SPLIT_MARK`. The second half starts when its first word was spoken (word timings)
    or, without them, at the time proportional to the characters before it."""
    cue = _cue(cues, number)
    text = cue.text
    if at is None and SPLIT_MARK in text:
        at = text.index(SPLIT_MARK)
        text = text[:at] + text[at + len(SPLIT_MARK) :]
    where = f"cue {number}"
    if at is None:
        raise Invalid(
            f"{where}: put the cursor where the cue should be split (without JavaScript, type "
            f"{SPLIT_MARK} there), then press Split",
            field="text",
        )
    first, second = clean_text(text[:at]), clean_text(text[at:])
    if not first or not second:
        raise Invalid(
            f"{where}: cannot split at the very start or end of the text; put the cursor "
            "between two words",
            field="text",
        )
    words_first, words_second = _split_words(cue, text, at)
    if cue.timed:
        assert cue.start_ms is not None and cue.end_ms is not None
        if words_second:
            middle = words_second[0].start_ms
        else:
            share = len(text[:at].strip()) / max(1, len(text.strip()))
            middle = cue.start_ms + round((cue.end_ms - cue.start_ms) * share)
        middle = min(max(middle, cue.start_ms), cue.end_ms)
        halves = (
            Cue(cue.start_ms, middle, first, cue.speaker, words_first),
            Cue(middle, cue.end_ms, second, cue.speaker, words_second),
        )
    else:
        halves = (Cue(None, None, first, cue.speaker), Cue(None, None, second, cue.speaker))
    return [*cues[: number - 1], *halves, *cues[number:]]


def _split_words(cue: Cue, text: str, at: int) -> tuple[tuple[CueWord, ...], tuple[CueWord, ...]]:
    """The cue's word timings on each side of ``at``, when they spell its text exactly."""
    if not cue.words or " ".join(w.text for w in cue.words) != text:
        return (), ()
    if not (text[at - 1 : at].isspace() or text[at : at + 1].isspace()):
        return (), ()  # the cursor was inside a word: the timings no longer match
    count = len(text[:at].split())
    if count <= 0 or count >= len(cue.words):
        return (), ()
    return cue.words[:count], cue.words[count:]


def merge_next(cues: Sequence[Cue], number: int) -> list[Cue]:
    """Cue ``number`` and the one after it as one cue, with the first one's speaker."""
    first = _cue(cues, number)
    if number >= len(cues):
        raise Invalid(f"cue {number} is the last one: there is no next cue to merge with")
    second = cues[number]
    start = first.start_ms
    end = None
    if first.timed and second.timed:
        assert first.end_ms is not None and second.end_ms is not None
        end = max(first.end_ms, second.end_ms)
    merged = Cue(
        start,
        end,
        f"{first.text} {second.text}",
        first.speaker or second.speaker,
        first.words + second.words if first.words and second.words else (),
    )
    return [*cues[: number - 1], merged, *cues[number + 1 :]]


def rename_speaker(cues: Sequence[Cue], old: str, new: str) -> list[Cue]:
    """Every cue of the voice ``old`` given to ``new`` (empty: no speaker)."""
    name = clean_speaker(new)
    if name is not None and len(name) > 255:
        raise Invalid("the new name is longer than 255 characters", field="rename_to")
    if not any(c.speaker == old for c in cues):
        raise Invalid(f"no cue has the speaker {old!r}; choose one from the list", field="rename")
    return [replace(c, speaker=name) if c.speaker == old else c for c in cues]


def shift(cues: Sequence[Cue], offset_ms: int) -> list[Cue]:
    """Every time moved by ``offset_ms`` (negative: earlier); refuses to go before 0:00."""
    timed = [c for c in cues if c.timed]
    if not timed:
        raise Invalid("this transcript has no times to shift", field="shift")
    earliest = min(c.start_ms or 0 for c in timed)
    if earliest + offset_ms < 0:
        raise Invalid(
            f"shifting by {offset_ms / 1000:+.3f} s would move the first cue before the start "
            f"of the audio (it starts at {clock(earliest)}), so shift by "
            f"{-earliest / 1000:+.3f} s or more",
            field="shift",
        )
    latest = max(c.end_ms or 0 for c in timed)
    if latest + offset_ms > MAX_MS:
        raise Invalid(too_late(f"the last cue's end ({clock(latest + offset_ms)})"), field="shift")

    def moved(value: int | None) -> int | None:
        return None if value is None else value + offset_ms

    return [
        Cue(
            moved(c.start_ms),
            moved(c.end_ms),
            c.text,
            c.speaker,
            tuple(CueWord(w.start_ms + offset_ms, w.end_ms + offset_ms, w.text) for w in c.words),
        )
        for c in cues
    ]


def _cue(cues: Sequence[Cue], number: int) -> Cue:
    if not 1 <= number <= len(cues):
        raise Invalid(f"there is no cue {number}; reload the page", field="cues")
    return cues[number - 1]


def _locked(session: Session, record: StoredTranscript) -> StoredTranscript:
    """The row again, locked until the transaction ends, with what another writer committed."""
    statement = (
        select(StoredTranscript)
        .where(StoredTranscript.id == record.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    locked = session.execute(statement).scalar_one_or_none()
    if locked is None:
        raise NotFound(f"the {record.language} transcript was deleted")
    return locked


def check_current(session: Session, record: StoredTranscript, expected_sha: str) -> None:
    """:class:`StaleTranscript` unless ``record`` still has the cues the producer opened."""
    if record.content_sha256 != expected_sha:
        newest = repository.revisions_of(session, record.id)
        raise StaleTranscript(record, newest[0].author if newest else None)


def save_edit(
    session: Session,
    episode: Episode,
    record: StoredTranscript,
    expected_sha: str,
    cues: Sequence[Cue],
    *,
    reviewed: bool,
    author: str | None,
    now: datetime,
) -> service.Saved:
    """Save the producer's cues as one change (a revision keeps the previous text), if the
    transcript is still the one they started from (else :class:`StaleTranscript`)."""
    record = _locked(session, record)
    check_current(session, record, expected_sha)
    try:
        checked = validate(cues, lines=list(range(1, len(cues) + 1)))
    except TranscriptError as exc:
        number = exc.line or 0
        raise InvalidCues([CueError(number, "text", f"cue {number}: {exc.message}")]) from None
    if not checked:
        raise Invalid(
            "every cue is empty; to remove the transcript, delete it on the episode page",
            field="cues",
        )
    parsed = service.Parsed(Transcript(record.language, tuple(checked)), record.source_format)
    return service.save(
        session, episode, parsed, now, origin="edit", reviewed=reviewed, author=author
    )


def restore(
    session: Session,
    episode: Episode,
    record: StoredTranscript,
    revision_id: int,
    expected_sha: str,
    *,
    author: str | None,
    now: datetime,
) -> service.Saved:
    """Put a revision's cues back: a change like any other, so the text it replaces is kept as
    a revision too (restoring can be undone). The revision's reviewed state comes back with
    its text."""
    revision = session.get(TranscriptRevision, revision_id)
    if revision is None or revision.transcript_id != record.id:
        raise NotFound("that revision is no longer kept; choose one from the list")
    return save_edit(
        session,
        episode,
        record,
        expected_sha,
        repository.revision_cues(revision),
        reviewed=revision.reviewed,
        author=author,
        now=now,
    )
