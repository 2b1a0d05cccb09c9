"""``/api/jobs``: what background work is doing, for the producers who asked for it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from podcast.core.deps import ProducerDep, SessionDep
from podcast.core.errors import NotFound
from podcast.core.jobs import JobStatus, get_job, list_jobs
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
