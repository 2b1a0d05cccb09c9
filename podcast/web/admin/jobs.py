"""``/admin/jobs``: background work the producers started, how far it is, and why it failed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from podcast.core.deps import SessionDep
from podcast.core.errors import DomainError
from podcast.core.jobs import (
    STATUSES,
    UNFINISHED,
    cancel_job,
    get_job,
    is_stopping,
    list_jobs,
    retry,
)
from podcast.shows.deps import ShowDep
from podcast.web.admin.common import context, text
from podcast.web.responses import render
from podcast.web.sessions import AdminDep, FormDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)

_SHOWN = 100
_DONE = {
    "retried": "The job is queued again.",
    "not-retried": (
        "That job cannot be retried: it has not failed, it is still stopping, "
        "or one like it is queued."
    ),
    "cancelled": "The job is cancelled.",
    "cancelling": "The job is cancelled: it stops at its next check, finishing the step it is on.",
    "not-cancelled": "That job cannot be cancelled: it has already finished, or it is gone.",
}


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    admin: AdminDep,
    status: Annotated[str | None, Query()] = None,
    done: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    chosen = status if status in STATUSES else None
    jobs = list_jobs(session, status=chosen, limit=_SHOWN)
    values = context(
        request,
        admin,
        show,
        jobs=jobs,
        stopping={job.id for job in jobs if is_stopping(job)},
        statuses=STATUSES,
        chosen=chosen,
        done=_DONE.get(done or ""),
    )
    return render(request, "admin/jobs.html", values, private=True)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(
    request: Request,
    job_id: str,
    session: SessionDep,
    show: ShowDep,
    admin: AdminDep,
    done: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """One job: its progress (the page reloads itself while the job is unfinished), message,
    error and result, and the episode it is about."""
    job = get_job(session, job_id)
    if job is None:
        values = context(request, admin, show, job=None, job_id=job_id[:32])
        return render(request, "admin/job.html", values, status_code=404, private=True)
    episode_id = (job.payload or {}).get("episode_id")
    stopping = is_stopping(job)
    values = context(
        request,
        admin,
        show,
        job=job,
        stopping=stopping,
        done=_DONE.get(done or ""),
        unfinished=job.status in UNFINISHED or stopping,
        episode_id=episode_id if isinstance(episode_id, int) else None,
    )
    return render(request, "admin/job.html", values, private=True)


@router.post("/jobs/{job_id}/retry")
def retry_job(job_id: str, form: FormDep, session: SessionDep, _admin: AdminDep) -> Response:
    """A failed job, queued again with all its attempts (handed to the queue on commit)."""
    del form  # checked for its CSRF token
    done = "retried" if retry(session, job_id) is not None else "not-retried"
    return RedirectResponse(f"/admin/jobs?done={done}", status_code=303)


@router.post("/jobs/{job_id}/cancel")
def cancel(job_id: str, form: FormDep, session: SessionDep, _admin: AdminDep) -> Response:
    """A queued or running job, cancelled (``cancel_job``, as ``POST /api/jobs/{id}/cancel``);
    back to the page the form was on, which says whether it has stopped."""
    try:
        job = cancel_job(session, job_id)
    except DomainError:
        return RedirectResponse("/admin/jobs?done=not-cancelled", status_code=303)
    done = "cancelling" if is_stopping(job) else "cancelled"
    back = text(form.get("back"))
    if back == "job":
        return RedirectResponse(f"/admin/jobs/{job.id}?done={done}", status_code=303)
    if back == "import":
        return RedirectResponse(f"/admin/import/{job.id}", status_code=303)
    return RedirectResponse(f"/admin/jobs?done={done}", status_code=303)
