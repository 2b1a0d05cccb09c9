"""When to announce the feed (:mod:`podcast.feed.announce`), through the job queue.

An episode that goes public (``episodes.events``) queues one ``feed.announce`` job, in the
publishing unit of work, to run at the moment the episode appears: at once when published now,
at its time when scheduled; no cron. When the job runs it checks that the episode is public
*then* (not unpublished, deleted or moved later meanwhile) and tells every hub and ping URL;
an exception makes the queue retry it with backoff. With no hub and no ping URL configured,
nothing is registered and no job is ever queued.

The queue is injected (:class:`Enqueue`, the signature of ``podcast.core.jobs.enqueue``), so
this module imports no queue and the domain imports nothing of this one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

import httpx
from sqlalchemy.orm import Session

from episodes.events import on_went_public
from episodes.models import Episode, Status
from podcast.core.clock import Clock
from podcast.core.db import Sessions, session_scope
from podcast.core.settings import Settings
from podcast.feed.announce import announce, make_client

KIND = "feed.announce"


class Enqueue(Protocol):
    """Queue a job in the caller's unit of work (``podcast.core.jobs.enqueue``)."""

    def __call__(
        self,
        session: Session,
        kind: str,
        payload: dict[str, Any],
        *,
        run_at: datetime | None = None,
        dedupe_key: str | None = None,
        max_attempts: int = 5,
    ) -> object: ...


class Progress(Protocol):
    """What a handler may report while it runs (``JobContext`` has it)."""

    def progress(self, fraction: float, message: str | None = None) -> None: ...


Handler = Callable[[Progress, dict[str, Any]], dict[str, Any] | None]


def wanted(settings: Settings) -> bool:
    """Whether there is anyone to tell."""
    return bool(settings.websub_hubs or settings.ping_urls)


def dedupe_key(episode_id: int, at: datetime) -> str:
    """One job per episode *and* time: publishing twice for the same moment queues one job,
    while a reschedule queues a new one (the old one then finds the episode not yet public
    and skips) instead of being swallowed by the pending job for the earlier time."""
    return f"announce:{episode_id}:{at.isoformat()}"


def announce_when_public(
    factory: Sessions, settings: Settings, clock: Clock, enqueue: Enqueue
) -> None:
    """Queue a ``feed.announce`` job whenever a session of ``factory`` makes an episode public."""
    if not wanted(settings):
        return

    def queue(session: Session, *, episode_id: int, at: datetime) -> None:
        later = at > clock.now()
        enqueue(
            session,
            KIND,
            {"episode_id": episode_id, "reason": "scheduled" if later else "published"},
            run_at=at if later else None,
            dedupe_key=dedupe_key(episode_id, at),
        )

    on_went_public(factory, queue)


def announce_handler_for(
    settings: Settings,
    sessions: Sessions,
    clock: Clock,
    client_factory: Callable[[], httpx.Client] = make_client,
) -> Handler:
    """The ``feed.announce`` handler; ``sessions`` may be read-only."""

    def announce_handler(ctx: Progress, payload: dict[str, Any]) -> dict[str, Any]:
        skipped = _not_public_now(sessions, int(payload["episode_id"]), clock.now())
        if skipped:
            return {"skipped": skipped}
        hubs, pings = settings.websub_hubs, settings.ping_urls
        ctx.progress(0.0, f"telling {len(hubs)} WebSub hub(s) and {len(pings)} ping URL(s)")
        secret = settings.ping_authorization
        with client_factory() as client:
            announce(
                settings.feed_url,
                hubs,
                pings,
                client,
                ping_method=settings.ping_method,
                ping_authorization=secret.get_secret_value() if secret else None,
            )
        return {"hubs": len(hubs), "pings": len(pings)}

    return announce_handler


def _not_public_now(sessions: Sessions, episode_id: int, now: datetime) -> str | None:
    """Why there is nothing to announce for this episode now, or None if it is in the feed."""
    with session_scope(sessions) as session:
        episode = session.get(Episode, episode_id)
        if episode is None:
            return "the episode was deleted"
        if episode.status is Status.DRAFT:
            return "the episode was unpublished"
        if episode.publish_at is not None and episode.publish_at > now:
            return f"the episode is now scheduled for {episode.publish_at.isoformat()}"
        return None
