"""The queue (huey) and the sweeper: how a job's id reaches a worker, and reaches it again.

huey carries one task, ``run_job(job_id)``; everything else about a job is in the ``jobs``
table. huey has no acknowledgement: a message taken by a worker that is then killed is gone.
The sweeper is what makes that, and a crash between commit and hand-over, harmless: it sends
the id again for every job that is due but was never handed over (or long ago), and takes
back every running job whose lease ran out.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from huey import RedisHuey, SqliteHuey
from huey.api import Huey
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from podcast.core.db import Sessions, session_scope
from podcast.core.jobs import Job, JobRegistry, state_sessions, utcnow
from podcast.core.settings import Settings
from podcast.jobs.runner import run_job

log = logging.getLogger(__name__)

# Jobs the sweeper hands out per pass; the next pass takes the rest.
_SWEEP_BATCH = 500


def open_huey(settings: Settings) -> Huey:
    """The embedded queue (a SQLite file in the data folder) or Redis, from ``queue_url``."""
    if not settings.queue_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        filename = str((settings.data_dir / "queue.db").resolve())
        return SqliteHuey(name=settings.queue_name, filename=filename, results=False)
    return RedisHuey(name=settings.queue_name, url=settings.queue_url, results=False)


class JobQueue:
    """Sends jobs to huey and runs them when huey hands them back."""

    def __init__(
        self,
        huey: Huey,
        sessions: Sessions,
        registry: JobRegistry,
        *,
        lease_seconds: float,
        redispatch_after: float | None = None,
    ) -> None:
        self.huey = huey
        self.sessions = sessions  # handlers' work
        self.state = state_sessions(sessions)  # the jobs' own rows
        self.registry = registry
        self.lease_seconds = lease_seconds
        # A due job whose message has not been taken within this long is sent again.
        self.redispatch_after = lease_seconds if redispatch_after is None else redispatch_after
        self._task = huey.task(name="run_job")(self._run)

    @property
    def embedded(self) -> bool:
        return isinstance(self.huey, SqliteHuey)

    def _run(self, job_id: str) -> None:
        run_job(
            self.sessions,
            self.state,
            self.registry,
            job_id,
            lease_seconds=self.lease_seconds,
            dispatch=self.dispatch,
        )

    def ping(self) -> int:
        """How many messages wait in the queue; raises when the queue cannot be reached."""
        return int(self.huey.pending_count())

    def dispatch(self, job_id: str, run_at: datetime) -> None:
        """Hand a job to the queue, for now or (huey's schedule) for ``run_at``."""
        delay = (run_at - utcnow()).total_seconds()
        if delay > 0.05:
            self._task.schedule(args=(job_id,), delay=delay)
        else:
            self._task(job_id)

    def sweep(self) -> int:
        """Send again what was lost; take back expired leases. Returns how many were sent."""
        now = utcnow()
        cutoff = now - timedelta(seconds=self.redispatch_after)
        expired = (Job.status == "running", Job.lease_until < now)
        with session_scope(self.state) as session:
            session.execute(
                update(Job)
                .where(*expired, Job.attempts >= Job.max_attempts)
                .values(
                    status="failed",
                    lease_until=None,
                    error="the worker running its last attempt stopped before it finished",
                    message="Failed: no attempts left.",
                    updated_at=now,
                )
            )
            orphans = list(session.scalars(select(Job.id).where(*expired).limit(_SWEEP_BATCH)))
            for job_id in list(orphans):
                try:
                    with session.begin_nested():
                        session.execute(
                            update(Job)
                            .where(Job.id == job_id, *expired)
                            .values(
                                status="queued",
                                lease_until=None,
                                run_at=now,
                                dispatched_at=now,
                                message="The worker running it stopped; trying again.",
                                updated_at=now,
                            )
                        )
                except IntegrityError:
                    # A newer job is queued under its key (the analytics count queues its own
                    # follow-up) and does the work; two queued would break the key.
                    orphans.remove(job_id)
                    session.execute(
                        update(Job)
                        .where(Job.id == job_id, *expired)
                        .values(
                            status="cancelled",
                            lease_until=None,
                            message="The worker running it stopped; a newer job with the same"
                            " key is queued.",
                            updated_at=now,
                        )
                    )
            never_sent = or_(
                Job.dispatched_at.is_(None),
                and_(Job.dispatched_at < cutoff, Job.run_at < cutoff),
            )
            lost = list(
                session.scalars(
                    select(Job.id)
                    .where(Job.status == "queued", Job.run_at <= now, never_sent)
                    .order_by(Job.run_at)
                    .limit(_SWEEP_BATCH)
                )
            )
            if lost:
                session.execute(update(Job).where(Job.id.in_(lost)).values(dispatched_at=now))
        sent = [*orphans, *(job_id for job_id in lost if job_id not in orphans)]
        for job_id in sent:
            self.dispatch(job_id, now)
        if sent:
            log.info("sweeper: handed %d job(s) to the queue again", len(sent))
        return len(sent)
