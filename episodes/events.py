"""What the episodes domain tells the layers above it, without knowing who listens.

An episode *goes public* when it is published now, back-dated, scheduled or rescheduled:
listeners hear ``episode_id`` and ``at``, the moment it appears (in the past or the future).
The shell uses it to tell WebSub hubs and directories at that moment (``podcast/feed/``);
nothing here knows of feeds. Listeners run inside the publishing unit of work
(``podcast.core.db.on_event``), so a job they queue commits or rolls back with the publish.
Editing a draft, or the text of a published episode, is not going public.

An episode's *audio changes* when a file is uploaded for it or replaces its audio with
different bytes: listeners hear ``episode_id``, ``key`` (the new audio's content key) and
``previous_key`` (None for a first upload). The shell uses it to transcribe the new audio.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from podcast.core.db import Sessions, emit, on_event

WENT_PUBLIC = "episode.went_public"
AUDIO_CHANGED = "episode.audio_changed"


class WentPublicListener(Protocol):
    def __call__(self, session: Session, *, episode_id: int, at: datetime) -> object: ...


def on_went_public(factory: Sessions, listener: WentPublicListener) -> None:
    """Call ``listener`` whenever a session of ``factory`` publishes or schedules an episode."""
    on_event(factory, WENT_PUBLIC, listener)


def went_public(session: Session, episode_id: int, at: datetime) -> None:
    emit(session, WENT_PUBLIC, episode_id=episode_id, at=at)


class AudioChangedListener(Protocol):
    def __call__(
        self, session: Session, *, episode_id: int, key: str, previous_key: str | None
    ) -> object: ...


def on_audio_changed(factory: Sessions, listener: AudioChangedListener) -> None:
    """Call ``listener`` whenever a session of ``factory`` gives an episode new audio."""
    on_event(factory, AUDIO_CHANGED, listener)


def audio_changed(session: Session, episode_id: int, key: str, previous_key: str | None) -> None:
    emit(session, AUDIO_CHANGED, episode_id=episode_id, key=key, previous_key=previous_key)
