"""Background jobs, the shell's side: the queue, the workers, the API and CLI over them.

Domains only see ``podcast.core.jobs`` (``enqueue``, ``JobContext``); this package chooses the
queue, registers the handlers and runs them. docs/architecture.md, "Jobs", says why.
"""

from __future__ import annotations

from podcast.core.clock import Clock
from podcast.core.db import Sessions
from podcast.core.jobs import registry, set_dispatcher
from podcast.core.settings import Settings
from podcast.jobs.handlers import Handlers, default_handlers
from podcast.jobs.queue import JobQueue, open_huey
from podcast.jobs.worker import JobWorker

__all__ = ["JobQueue", "JobWorker", "open_jobs", "runs_jobs_in_serve", "worker_for"]


def open_jobs(
    settings: Settings, sessions: Sessions, clock: Clock, extra: Handlers | None = None
) -> JobQueue:
    """The queue for ``settings``; jobs committed by ``sessions`` are handed to it."""
    handlers = default_handlers(settings, sessions, clock)
    if extra:
        handlers.update(registry(extra))
    queue = JobQueue(
        open_huey(settings), sessions, handlers, lease_seconds=settings.job_lease_seconds
    )
    set_dispatcher(sessions, queue.dispatch)
    return queue


def runs_jobs_in_serve(settings: Settings) -> bool:
    """``podcast serve`` runs jobs itself with the embedded queue, unless told otherwise."""
    if settings.serve_jobs is not None:
        return settings.serve_jobs
    return not settings.queue_url


def worker_for(
    settings: Settings, queue: JobQueue, *, workers: int | None = None, guest: bool = True
) -> JobWorker:
    return JobWorker(
        queue,
        workers=workers or settings.job_workers,
        sweep_seconds=settings.job_sweep_seconds,
        guest=guest,
    )
