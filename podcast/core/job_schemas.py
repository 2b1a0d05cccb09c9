"""What the jobs API answers (in core: domains answer with a job too, e.g. a transcription)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from podcast.core.jobs import Job, JobStatus, is_stopping


class JobRead(BaseModel):
    """A background job as its producer sees it."""

    id: str = Field(description="Stable: use it in `GET /api/jobs/{id}`.")
    kind: str = Field(description="What the job does, e.g. `feed.announce`.")
    status: JobStatus = Field(
        description="`queued` (waiting, or waiting to be retried), `running`, `succeeded`,"
        " `failed` (every attempt failed: see `error`) or `cancelled` (see `stopping`)."
    )
    stopping: bool = Field(
        description="`true` while a job cancelled as it ran is still finishing its current step"
        " (what that step does may still land); `false` once its worker has stopped, and for"
        " every other job."
    )
    progress: float = Field(ge=0, le=1, description="How far the running attempt is, 0-1.")
    message: str | None = Field(description="What the job is doing or last did.")
    result: Any | None = Field(
        description="What the job produced, once `succeeded`; what it got done, for a job that"
        " was cancelled while running and says so (an import's report so far)."
    )
    error: str | None = Field(
        description="Why the last attempt failed: kept while a retry waits, final when `failed`."
    )
    attempts: int = Field(description="Attempts started so far.")
    max_attempts: int
    run_at: datetime = Field(description="When the job (or its next attempt) is due.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, job: Job) -> JobRead:
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,  # type: ignore[arg-type]
            stopping=is_stopping(job),
            progress=job.progress,
            message=job.message,
            result=job.result,
            error=job.error,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            run_at=job.run_at,
            created_at=job.created_at,
            updated_at=job.updated_at,
        )


class JobList(BaseModel):
    items: list[JobRead] = Field(description="Newest first.")
