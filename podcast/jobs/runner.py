"""One attempt at one job: claim the row, run its handler under a lease, record the outcome.

Called by the queue's single task with nothing but a job id. The claim is one conditional
``UPDATE``, so a second message for the same job (a duplicate dispatch, the sweeper's copy)
finds nothing to claim and returns: delivery is at least once, execution is once per lease.
Every later write is fenced by the attempt number, so a worker that lost the job (cancelled,
or its lease expired and another worker took it) cannot overwrite what the other did.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError

from podcast.core.db import Sessions, session_scope
from podcast.core.jobs import (
    Deferred,
    Dispatch,
    Job,
    JobContext,
    JobKind,
    JobRegistry,
    Permanent,
    Stopped,
    error_sentence,
    utcnow,
)

log = logging.getLogger(__name__)

# A message may arrive a little before the row's run_at (clocks, the queue's rounding).
_EARLY_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class Claimed:
    kind: str
    payload: dict[str, Any]
    attempt: int
    max_attempts: int


def claim(sessions: Sessions, job_id: str, lease_seconds: float) -> Claimed | None:
    """Take the job if it is due and nobody holds it; None if it is not ours to run."""
    now = utcnow()
    claimable = or_(
        and_(Job.status == "queued", Job.run_at <= now + _EARLY_SLACK),
        and_(Job.status == "running", Job.lease_until < now),
    )
    with session_scope(sessions) as session:
        taken = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.attempts < Job.max_attempts, claimable)
            .values(
                status="running",
                attempts=Job.attempts + 1,
                lease_until=now + timedelta(seconds=lease_seconds),
                progress=0.0,
                updated_at=now,
            )
        ).rowcount  # type: ignore[attr-defined]
        if not taken:
            return None
        row = session.execute(
            select(Job.kind, Job.payload, Job.attempts, Job.max_attempts).where(Job.id == job_id)
        ).one()
    return Claimed(row.kind, dict(row.payload or {}), row.attempts, row.max_attempts)


class Heartbeat(threading.Thread):
    """Renews the lease every third of it while the handler runs; notices a lost job. A job
    cancelled meanwhile keeps its lease until the handler ends (it is "stopping")."""

    def __init__(self, context: JobContext, lease_seconds: float) -> None:
        super().__init__(name=f"job-lease-{context.job_id[:8]}", daemon=True)
        self.context = context
        self.lease = lease_seconds
        self.done = threading.Event()

    def run(self) -> None:
        stopping = False  # cancelled while running: the lease is kept until the handler ends
        while not self.done.wait(self.lease / 3):
            until = utcnow() + timedelta(seconds=self.lease)
            try:
                if stopping:
                    held = self.context.renew_stopping(until)
                else:
                    held = self.context.write({"lease_until": until})
                    if not held:
                        self.context.mark_lost()
                        stopping = held = self.context.renew_stopping(until)
            except Exception:
                log.warning("job %s: could not renew its lease", self.context.job_id, exc_info=True)
                continue
            if not held:
                return


def backoff(kind: JobKind | None, attempt: int) -> float:
    """Seconds before attempt ``attempt + 1``: exponential, capped, with jitter."""
    base = kind.backoff_seconds if kind else 10.0
    cap = kind.backoff_cap if kind else 3600.0
    return min(cap, base * 2 ** (attempt - 1)) * random.uniform(0.8, 1.2)


def run_job(
    sessions: Sessions,
    state: Sessions,
    registry: JobRegistry,
    job_id: str,
    *,
    lease_seconds: float,
    dispatch: Dispatch,
) -> None:
    claimed = claim(state, job_id, lease_seconds)
    if claimed is None:
        log.debug("job %s: not due, finished or held by another worker", job_id)
        return
    context = JobContext(sessions, job_id, claimed.attempt, state=state)
    kind = registry.get(claimed.kind)
    if kind is None:
        context.write(
            {
                "status": "failed",
                "lease_until": None,
                "error": f"no handler for job kind {claimed.kind!r} is registered in this worker",
                "updated_at": utcnow(),
            }
        )
        log.error("job %s: unknown kind %r", job_id, claimed.kind)
        return
    heartbeat = Heartbeat(context, lease_seconds)
    heartbeat.start()
    try:
        result = kind.handler(context, claimed.payload)
        json.dumps(result)  # a result the row cannot hold is the handler's failure
    except Deferred as exc:
        heartbeat.done.set()
        if not _deferred(context, exc, dispatch):
            context.settle_cancelled()
        return
    except Stopped as exc:
        heartbeat.done.set()
        _stopped(context, exc)
        return
    except Permanent as exc:
        heartbeat.done.set()
        log.warning(
            "job %s (%s) attempt %d failed, not retried: %s",
            job_id,
            claimed.kind,
            claimed.attempt,
            exc.message,
        )
        if not _failed_for_good(context, claimed, exc):
            context.settle_cancelled()
        return
    except Exception as exc:
        heartbeat.done.set()
        log.exception(
            "job %s (%s) attempt %d of %d failed",
            job_id,
            claimed.kind,
            claimed.attempt,
            claimed.max_attempts,
        )
        if not _failed(context, claimed, kind, exc, dispatch):
            context.settle_cancelled()
        return
    finally:
        heartbeat.done.set()
    done = context.write(
        {
            "status": "succeeded",
            "result": result,
            "progress": 1.0,
            "lease_until": None,
            "error": None,
            "updated_at": utcnow(),
        }
    )
    if not done:
        log.info("job %s: finished, but it was cancelled or taken over meanwhile", job_id)
        context.settle_cancelled()


def _stopped(context: JobContext, exc: Stopped) -> None:
    """The handler stopped part-way, as asked: the job ends cancelled with its own account."""
    if context.settle_cancelled(exc.message, exc.result):
        return
    # Not cancelled by anyone (the handler stopped of its own accord) and still ours.
    values: dict[str, Any] = {"status": "cancelled", "lease_until": None}
    values["message"] = exc.message[:500]
    if exc.result is not None:
        values["result"] = exc.result
    context.write({**values, "updated_at": utcnow()})


def _deferred(context: JobContext, exc: Deferred, dispatch: Dispatch) -> bool:
    """Back to the queue for later, giving the attempt back: the job did not start. False
    when the job was no longer this attempt's (cancelled meanwhile)."""
    now = utcnow()
    run_at = now + timedelta(seconds=max(exc.seconds, 0.0))
    values = {
        "status": "queued",
        "attempts": Job.attempts - 1,
        "lease_until": None,
        "run_at": run_at,
        "dispatched_at": now,
        "message": exc.message[:500],
        "updated_at": now,
    }
    try:
        requeued = context.write(values)
    except IntegrityError:
        # A newer job with the same dedupe key is queued and will do the work.
        context.write(
            {
                "status": "cancelled",
                "lease_until": None,
                "message": "Not run: a newer job with the same key is queued.",
                "updated_at": now,
            }
        )
        return True
    if requeued:
        dispatch(context.job_id, run_at)
    return requeued


def _failed_for_good(context: JobContext, claimed: Claimed, exc: Permanent) -> bool:
    """A failure the handler says no retry can mend: the job fails now, attempts left or not.
    False when the job was no longer this attempt's (cancelled meanwhile)."""
    return context.write(
        {
            "status": "failed",
            "error": error_sentence(exc),
            "lease_until": None,
            "message": f"Failed on attempt {claimed.attempt}; not retried, as it would fail "
            "the same way.",
            "updated_at": utcnow(),
        }
    )


def _failed(
    context: JobContext, claimed: Claimed, kind: JobKind, exc: Exception, dispatch: Dispatch
) -> bool:
    """The attempt failed: retried later, or the job failed. False when the job was no longer
    this attempt's (cancelled meanwhile)."""
    now = utcnow()
    error = error_sentence(exc)
    if claimed.attempt >= claimed.max_attempts:
        return context.write(
            {
                "status": "failed",
                "error": error,
                "lease_until": None,
                "message": f"Failed after {claimed.attempt} attempt(s).",
                "updated_at": now,
            }
        )
    delay = backoff(kind, claimed.attempt)
    run_at: datetime = now + timedelta(seconds=delay)
    retry = {
        "status": "queued",
        "error": error,
        "lease_until": None,
        "run_at": run_at,
        "dispatched_at": now,
        "message": (
            f"Attempt {claimed.attempt} of {claimed.max_attempts} failed;"
            f" trying again in {max(1, round(delay))} s."
        ),
        "updated_at": now,
    }
    try:
        requeued = context.write(retry)
    except IntegrityError:
        # A newer job with the same dedupe key is queued and will do the work.
        context.write(
            {
                "status": "cancelled",
                "error": error,
                "lease_until": None,
                "message": "Not retried: a newer job with the same key is queued.",
                "updated_at": now,
            }
        )
        return True
    if requeued:
        dispatch(context.job_id, run_at)
    return requeued
