"""All SQL for stored transcripts in one place."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from transcripts.cues import Cue
from transcripts.models import StoredCue, StoredTranscript


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
            StoredCue.identifier,
            StoredCue.settings,
            StoredCue.markup,
        )
        .where(StoredCue.transcript_id == transcript_id)
        .order_by(StoredCue.position)
    )
    return [
        Cue(r.start_ms, r.end_ms, r.text, r.speaker, (), r.identifier, r.settings, r.markup)
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
                    "identifier": cue.identifier,
                    "settings": cue.settings,
                    "markup": cue.markup,
                }
                for position, cue in enumerate(cues)
            ],
        )


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
