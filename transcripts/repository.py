"""All SQL for stored transcripts in one place."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from transcripts.cues import Cue, CueWord
from transcripts.models import StoredCue, StoredTranscript, TranscriptRevision

# Revisions kept per transcript: enough to undo a session of edits, bounded so a script that
# uploads in a loop cannot grow the table without end.
KEEP_REVISIONS = 20


def words_to_json(cue: Cue) -> list[list[object]] | None:
    return [[w.start_ms, w.end_ms, w.text] for w in cue.words] or None


def words_from_json(value: list[list[object]] | None) -> tuple[CueWord, ...]:
    if not value:
        return ()
    return tuple(CueWord(int(str(s)), int(str(e)), str(t)) for s, e, t in value)


def for_episode(session: Session, episode_id: int) -> list[StoredTranscript]:
    """An episode's transcripts, oldest first (the first is the fallback default language)."""
    return list(
        session.scalars(
            select(StoredTranscript)
            .where(StoredTranscript.episode_id == episode_id)
            .order_by(StoredTranscript.created_at, StoredTranscript.id)
        )
    )


def for_episodes(session: Session, episode_ids: Sequence[int]) -> list[StoredTranscript]:
    if not episode_ids:
        return []
    return list(
        session.scalars(
            select(StoredTranscript)
            .where(StoredTranscript.episode_id.in_(episode_ids))
            .order_by(StoredTranscript.episode_id, StoredTranscript.language)
        )
    )


def cues_of(session: Session, transcript_id: int) -> list[Cue]:
    """Every cue, with what only some formats carry (identifiers, settings, markup)."""
    rows = session.execute(
        select(
            StoredCue.start_ms,
            StoredCue.end_ms,
            StoredCue.text,
            StoredCue.speaker,
            StoredCue.words,
            StoredCue.identifier,
            StoredCue.settings,
            StoredCue.markup,
        )
        .where(StoredCue.transcript_id == transcript_id)
        .order_by(StoredCue.position)
    )
    return [
        Cue(
            r.start_ms,
            r.end_ms,
            r.text,
            r.speaker,
            words_from_json(r.words),
            r.identifier,
            r.settings,
            r.markup,
        )
        for r in rows
    ]


def cues_from(
    session: Session, transcript_id: int, position: int, limit: int
) -> list[tuple[int, Cue]]:
    """At most ``limit`` cues from ``position`` on, with their positions: a LIMIT on the
    (transcript_id, position) index, so a page never reads the cues it does not show."""
    # Core, not the ORM's row loading: a page plan reads every cue through here.
    rows = session.connection().execute(
        select(
            StoredCue.position,
            StoredCue.start_ms,
            StoredCue.end_ms,
            StoredCue.text,
            StoredCue.speaker,
        )
        .where(StoredCue.transcript_id == transcript_id, StoredCue.position >= position)
        .order_by(StoredCue.position)
        .limit(limit)
    )
    return [(pos, Cue(start, end, text, speaker)) for pos, start, end, text, speaker in rows]


def speakers_of(session: Session, transcript_id: int) -> list[str]:
    """The transcript's distinct speaker names, in alphabetical order."""
    rows = session.scalars(
        select(StoredCue.speaker)
        .where(StoredCue.transcript_id == transcript_id, StoredCue.speaker.is_not(None))
        .distinct()
    )
    return sorted((name for name in rows if name), key=str.casefold)


def iter_cues(
    session: Session, transcript_id: int, position: int = 0, chunk: int = 1000
) -> Iterator[tuple[int, Cue]]:
    """Cues from ``position`` on, read ``chunk`` at a time (keyset pagination), so that a
    reader stopping early reads little and a whole pass never holds every cue at once."""
    while True:
        rows = cues_from(session, transcript_id, position, chunk)
        yield from rows
        if len(rows) < chunk:
            return
        position = rows[-1][0] + 1


def replace_cues(session: Session, transcript_id: int, cues: Sequence[Cue]) -> None:
    """Swap all cues of a transcript inside the caller's transaction (the index follows by
    trigger or generated column)."""
    session.execute(delete(StoredCue).where(StoredCue.transcript_id == transcript_id))
    if cues:
        session.execute(
            insert(StoredCue),
            [
                {
                    "transcript_id": transcript_id,
                    "position": position,
                    "start_ms": cue.start_ms,
                    "end_ms": cue.end_ms,
                    "speaker": cue.speaker,
                    "text": cue.text,
                    "words": words_to_json(cue),
                    "identifier": cue.identifier,
                    "settings": cue.settings,
                    "markup": cue.markup,
                }
                for position, cue in enumerate(cues)
            ],
        )


def keep_revision(
    session: Session, record: StoredTranscript, now: datetime, author: str | None
) -> TranscriptRevision:
    """Store ``record``'s current cues as a revision (before they are replaced), dropping the
    oldest beyond :data:`KEEP_REVISIONS`."""
    cues: list[list[Any]] = [
        [
            *(c.start_ms, c.end_ms, c.speaker, c.text, words_to_json(c)),
            *(c.identifier, c.settings, c.markup),
        ]
        for c in cues_of(session, record.id)
    ]
    revision = TranscriptRevision(
        transcript_id=record.id,
        created_at=now,
        author=author,
        source=record.source,
        reviewed=record.reviewed,
        content_sha256=record.content_sha256,
        cue_count=len(cues),
        cues=cues,
    )
    session.add(revision)
    session.flush()
    stale = (
        select(TranscriptRevision.id)
        .where(TranscriptRevision.transcript_id == record.id)
        .order_by(TranscriptRevision.created_at.desc(), TranscriptRevision.id.desc())
        .offset(KEEP_REVISIONS)
    )
    session.execute(
        delete(TranscriptRevision).where(TranscriptRevision.id.in_(list(session.scalars(stale))))
    )
    return revision


def revisions_of(session: Session, transcript_id: int) -> list[TranscriptRevision]:
    """A transcript's revisions, newest first."""
    return list(
        session.scalars(
            select(TranscriptRevision)
            .where(TranscriptRevision.transcript_id == transcript_id)
            .order_by(TranscriptRevision.created_at.desc(), TranscriptRevision.id.desc())
        )
    )


def revision_cues(revision: TranscriptRevision) -> list[Cue]:
    """The cues as stored; revisions made before identifiers, settings and markup were kept
    have five values a cue."""
    cues = []
    for row in revision.cues:
        start, end, speaker, text, words, *extras = row
        identifier, settings, markup = (*extras, None, None, None)[:3]
        cues.append(
            Cue(start, end, text, speaker, words_from_json(words), identifier, settings, markup)
        )
    return cues


def add(
    session: Session, episode_id: int, language: str, now: datetime, **fields: object
) -> StoredTranscript:
    record = StoredTranscript(
        episode_id=episode_id, language=language, created_at=now, updated_at=now, **fields
    )
    session.add(record)
    session.flush()
    return record


def remove(session: Session, record: StoredTranscript) -> None:
    session.execute(delete(StoredTranscript).where(StoredTranscript.id == record.id))
    session.expunge(record)
