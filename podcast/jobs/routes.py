"""``/api/jobs``: what background work is doing, for the producers who asked for it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from podcast.core.deps import ProducerDep, SessionDep
from podcast.core.errors import NotFound
from podcast.core.jobs import JobStatus, cancel_job, get_job, list_jobs
from podcast.core.openapi_errors import responses
from podcast.jobs.schemas import JobList, JobRead

router = APIRouter(prefix="/api/jobs", tags=["jobs"])


@router.get("", responses=responses(401, 422, 503))
def read_jobs(
    session: SessionDep,
    _producer: ProducerDep,
    status: Annotated[JobStatus | None, Query(description="Only jobs in this state.")] = None,
    kind: Annotated[
        str | None, Query(max_length=100, description="Only jobs of this kind.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many.")] = 50,
) -> JobList:
    """Recent jobs, newest first."""
    jobs = list_jobs(session, status=status, kind=kind, limit=limit)
    return JobList(items=[JobRead.of(job) for job in jobs])


@router.get("/{job_id}", responses=responses(401, 404, 503))
def read_job(job_id: str, session: SessionDep, _producer: ProducerDep) -> JobRead:
    """A job's state: poll it while `status` is `queued` or `running`."""
    job = get_job(session, job_id)
    if job is None:
        raise NotFound(f"no job {job_id!r}")
    return JobRead.of(job)


@router.post(
    "/{job_id}/cancel",
    responses=responses(
        401, 404, (409, "The job already succeeded or failed: nothing is left to stop."), 503
    ),
)
def cancel(job_id: str, session: SessionDep, _producer: ProducerDep) -> JobRead:
    """Cancel a queued or running job; answers its state.

    A queued job never runs. A running one stops at its next check: `stopping` is `true`
    until its worker has stopped (an import finishes the episode it is saving; episodes
    already imported stay). Cancelling a cancelled job again answers it unchanged; one that
    succeeded or failed is a 409.
    """
    return JobRead.of(cancel_job(session, job_id))
