"""``/admin/import``: start an import from a feed URL, follow its job, read its report.

The form makes the same :class:`ImportRequest` as ``POST /api/imports`` and queues the same
job (``podcast/imports/job.py``); the job page reads the job row, so it shows what
``GET /api/jobs/{id}`` shows, refreshing itself while the job runs.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from podcast.core.deps import SessionDep, SettingsDep
from podcast.core.errors import DomainError
from podcast.core.jobs import get_job, is_stopping, list_jobs
from podcast.imports.job import KIND, ImportRequest, check_url, queue_import
from podcast.shows.deps import ShowDep
from podcast.web.admin.common import context, missing, sentence, text
from podcast.web.responses import render
from podcast.web.sessions import AdminDep, FormDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)

FIELDS = ("url", "since", "media", "dry_run")
_MESSAGES = {
    "url": "Enter the show's current feed address, starting with http:// or https://",
    "since": "Enter a date like 2024-01-31, or leave it empty for every episode",
}


def _page(request: Request, session: Any, show: Any, admin: Any, **extra: Any) -> HTMLResponse:
    status_code = extra.pop("status_code", 200)
    recent = list_jobs(session, kind=KIND, limit=10)
    values = {"url": "", "since": "", "media": "on", "dry_run": ""} | extra.pop("values", {})
    page = context(
        request, admin, show, recent=recent, values=values, errors=extra.pop("errors", {})
    )
    return render(request, "admin/import.html", page, status_code=status_code, private=True)


@router.get("/import", response_class=HTMLResponse)
def import_page(
    request: Request, session: SessionDep, show: ShowDep, admin: AdminDep
) -> HTMLResponse:
    return _page(request, session, show, admin)


@router.post("/import", response_class=HTMLResponse)
def start_import(
    request: Request,
    form: FormDep,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    admin: AdminDep,
) -> Response:
    values = {name: (text(form.get(name)) or "").strip() for name in FIELDS}
    data = {
        "url": values["url"],
        "since": values["since"] or None,
        "media": bool(values["media"]),
        "dry_run": bool(values["dry_run"]),
    }
    errors: dict[str, str] = {}
    try:
        request_ = ImportRequest.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "url"
            errors.setdefault(name, _MESSAGES.get(name, sentence(error["msg"])))
    else:
        try:
            check_url(request_.url, settings)
        except DomainError as exc:
            errors["url"] = "This address cannot be imported: " + exc.message
    if errors:
        return _page(request, session, show, admin, values=values, errors=errors, status_code=422)
    job = queue_import(session, request_)
    return RedirectResponse(f"/admin/import/{job.id}", status_code=303)


@router.get("/import/{job_id}", response_class=HTMLResponse)
def import_job_page(
    request: Request, job_id: str, session: SessionDep, show: ShowDep, admin: AdminDep
) -> HTMLResponse:
    job = get_job(session, job_id)
    if job is None or job.kind != KIND:
        return missing(request, admin, show)
    # A cancelled import keeps the report of what it did before it stopped.
    finished = job.status == "succeeded" or (job.status == "cancelled" and job.result)
    report = job.result if finished else None
    stopping = is_stopping(job)
    running = job.status in ("queued", "running") or stopping
    page = context(
        request,
        admin,
        show,
        job=job,
        report=report,
        running=running,
        stopping=stopping,
        url=job.payload["url"],
    )
    return render(request, "admin/import_job.html", page, private=True)
