"""``POST /api/imports``: move a show here in the background (``podcast/imports/job.py``)."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, status

from podcast.core.deps import ProducerDep, SessionDep, SettingsDep
from podcast.core.openapi_errors import ContentError, responses
from podcast.imports.job import ImportRequest, check_url, queue_import
from podcast.jobs.schemas import JobRead
from podcast.shows.service import require_show_slug

router = APIRouter(prefix="/api/imports", tags=["imports"])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(400, 401, 413, 422, 503, unprocessable=ContentError),
)
async def start_import(
    body: ImportRequest, session: SessionDep, settings: SettingsDep, _producer: ProducerDep
) -> JobRead:
    """Queue an import of the show at `url`: poll `GET /api/jobs/{id}` for its progress; its
    `result` is the report (imported, changed, skipped and why). Safe to repeat. `show`, if
    given, must be this installation's show's slug (422 on `show` otherwise)."""
    require_show_slug(settings, body.show)
    await to_thread.run_sync(check_url, body.url, settings)
    job = queue_import(session, body)
    return JobRead.of(job)
