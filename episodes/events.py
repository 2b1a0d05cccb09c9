"""What the episodes domain tells the layers above it, without knowing who listens.

An episode *goes public* when it is published now, back-dated, scheduled or rescheduled:
listeners hear ``episode_id`` and ``at``, the moment it appears (in the past or the future).
The shell uses it to tell WebSub hubs and directories at that moment (``podcast/feed/``);
nothing here knows of feeds. Listeners run inside the publishing unit of work
(``podcast.core.db.on_event``), so a job they queue commits or rolls back with the publish.
Editing a draft, or the text of a published episode, is not going public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from podcast.core.db import Sessions, emit, on_event

WENT_PUBLIC = "episode.went_public"


class WentPublicListener(Protocol):
    def __call__(self, session: Session, *, episode_id: int, at: datetime) -> object: ...


def on_went_public(factory: Sessions, listener: WentPublicListener) -> None:
    """Call ``listener`` whenever a session of ``factory`` publishes or schedules an episode."""
    on_event(factory, WENT_PUBLIC, listener)


def went_public(session: Session, episode_id: int, at: datetime) -> None:
    emit(session, WENT_PUBLIC, episode_id=episode_id, at=at)
