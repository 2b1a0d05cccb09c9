"""An import as a background job: ``POST /api/imports`` and the admin queue it, a worker runs
the same :class:`Importer` as ``podcast import``, and ``GET /api/jobs/{id}`` shows its
progress (episodes done, bytes) and, once it succeeded, the report as the job's result.

An import is idempotent, so a retry after a crash or a network failure simply continues
where the attempt stopped (docs/imports.md). Only a failure that may pass is retried (the old
host timing out, refusing connections, answering 5xx or 429): a URL that is no feed (a web
page, a document beyond recovery), a 404 or 410, a refused address or scheme fails the job at
once with the reason, as ``podcast import`` says it, instead of after minutes of backoff.

Cancelled (``POST /api/jobs/{id}/cancel``, the admin's button), it stops between episodes
and ends ``cancelled``, saying how many it imported, with the report so far as its result;
importing again continues. Two imports of one URL queued before either runs are one job
(dedupe key); one queued while another runs is safe too (GUIDs are unique).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool
from sqlalchemy.orm import Session

from podcast.core.clock import Clock
from podcast.core.db import Sessions
from podcast.core.errors import Invalid
from podcast.core.jobs import Handler, Job, JobContext, Permanent, Stopped, enqueue
from podcast.core.schemas import Url
from podcast.core.settings import Settings
from podcast.imports.fetch import Fetcher, FetchError, FetchPolicy
from podcast.imports.importer import (
    Importer,
    ImportOptions,
    ImportReport,
    Outcome,
    Progress,
    unreadable,
)
from podcast.imports.parse import FeedParseError
from podcast.media import open_storage

KIND = "imports.run"
MAX_ATTEMPTS = 3  # a feed host that is down now may answer in a minute; an import resumes
BACKOFF_SECONDS = 30.0  # before the second attempt; 60 before the third


class ImportRequest(BaseModel):
    """What to import, as ``podcast import`` takes it."""

    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="The show's current RSS or Atom feed URL (http or https).")
    since: date | None = Field(
        default=None, description="Only episodes published on or after this day (YYYY-MM-DD)."
    )
    media: StrictBool = Field(
        default=True, description="False: metadata only; the episodes stay drafts."
    )
    dry_run: StrictBool = Field(
        default=False, description="Only read the feed and report; write nothing."
    )
    show: str | None = Field(
        default=None,
        min_length=1,
        max_length=80,
        description="The slug of the show to import into: this installation's show (the one "
        "it serves); another slug is refused. Unset: that show.",
    )


def check_url(url: str, settings: Settings) -> None:
    """Refuse now (422 on ``url``) what the worker's fetcher would refuse: another scheme, a
    private or loopback address (unless ``PODCAST_IMPORT_ALLOW_PRIVATE``), a name that does
    not resolve. Blocking (DNS): call it in a thread."""
    with Fetcher(FetchPolicy(allow_private=settings.import_allow_private)) as fetcher:
        try:
            fetcher.check(url)
        except FetchError as exc:
            raise Invalid(exc.reason, field="url") from None


def queue_import(session: Session, request: ImportRequest) -> Job:
    """The import job, in the caller's unit of work (handed to the queue on commit)."""
    payload = request.model_dump(mode="json")
    key = f"import:{request.url}:{request.dry_run}"
    return enqueue(session, KIND, payload, dedupe_key=key[:200], max_attempts=MAX_ATTEMPTS)


def options_of(payload: dict[str, Any]) -> ImportOptions:
    since = payload.get("since")
    return ImportOptions(
        dry_run=bool(payload.get("dry_run")),
        since=datetime.combine(date.fromisoformat(since), datetime.min.time(), UTC)
        if since
        else None,
        media=bool(payload.get("media", True)),
        show=payload.get("show"),
    )


def cancelled_message(report: ImportReport) -> str:
    """What a job cancelled part-way says it got done."""
    done = len(report.items)
    total = done + report.not_reached
    imported = report.count(Outcome.IMPORTED)
    return (
        f"Cancelled after {done} of {total} episodes: {imported} imported this time, "
        "each complete. Importing the same feed again brings over the rest."
    )


def import_handler_for(settings: Settings, sessions: Sessions, clock: Clock) -> Handler:
    """The ``imports.run`` handler; the report (``ImportReport.to_dict``) is the result."""

    def handle(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
        # Episodes import in parallel threads; the importer hands the snapshots over one at a
        # time and in order, so an older count is never written after a newer one.
        def progress(p: Progress) -> None:
            fraction = p.items_done / p.items_total if p.items_total else 0.0
            mib = p.bytes / 2**20
            ctx.progress(fraction, f"{p.items_done} of {p.items_total} episodes, {mib:.1f} MiB")

        policy = FetchPolicy(allow_private=settings.import_allow_private)
        with Fetcher(policy) as fetcher:
            importer = Importer(
                sessions=ctx.sessions,
                storage=open_storage(settings),  # opened when an import runs, not at start
                settings=settings,
                clock=clock,
                fetcher=fetcher,
                progress=progress,
                cancelled=ctx.cancelled,
            )
            try:
                report = importer.run(str(payload["url"]), options_of(payload))
            except FeedParseError as exc:
                raise Permanent(unreadable(exc)) from exc  # the same document next time
            except FetchError as exc:
                if exc.transient:
                    raise
                raise Permanent(unreadable(exc)) from exc
        if report.cancelled:
            raise Stopped(cancelled_message(report), report.to_dict())
        return report.to_dict()

    return handle
