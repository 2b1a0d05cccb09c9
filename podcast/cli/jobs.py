"""``podcast jobs``: list, show, retry and cancel background jobs."""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.table import Table

from podcast.cli.common import _fail, _session, console

jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)


def _job_status_colour(status: str) -> str:
    colour = {"failed": "red", "succeeded": "green", "running": "cyan"}.get(status)
    return f"[{colour}]{status}[/]" if colour else status


@jobs_app.command("list")
def jobs_list(
    status: Annotated[
        str | None, typer.Option(help="queued, running, succeeded, failed or cancelled.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="Only jobs of this kind.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 20,
) -> None:
    """List recent background jobs, newest first."""
    from podcast.core.jobs import STATUSES, list_jobs

    if status is not None and status not in STATUSES:
        _fail(f"--status must be one of {', '.join(STATUSES)}")
    with _session() as (_settings, session):
        rows = list_jobs(session, status=status, kind=kind, limit=limit)
        table = Table(box=box.SIMPLE, pad_edge=False)
        table.add_column("id", no_wrap=True, min_width=32)  # whole, to copy into `jobs show`
        for name in ("kind", "status", "tries", "queued (UTC)"):
            table.add_column(name, no_wrap=True)
        table.add_column("message", ratio=1, min_width=16)
        for job in rows:
            status = _job_status_colour(job.status)
            if job.status == "running":
                status += f" {job.progress:.0%}"
            table.add_row(
                job.id,
                job.kind,
                status,
                f"{job.attempts}/{job.max_attempts}",
                job.created_at.strftime("%m-%d %H:%M"),
                job.error if job.status == "failed" else (job.message or ""),
            )
        console.print(table if rows else "No jobs.")


@jobs_app.command("show")
def jobs_show(job_id: Annotated[str, typer.Argument(help="The job's id.")]) -> None:
    """Everything about one job, as JSON (the same fields as GET /api/jobs/{id})."""
    from podcast.core.jobs import get_job
    from podcast.jobs.schemas import JobRead

    with _session() as (_settings, session):
        job = get_job(session, job_id)
        if job is None:
            _fail(f"no job {job_id!r}")
        print(JobRead.of(job).model_dump_json(indent=2))


@jobs_app.command("retry")
def jobs_retry(job_id: Annotated[str, typer.Argument(help="A failed or cancelled job.")]) -> None:
    """Queue a failed or cancelled job again, with all its attempts: a running worker
    starts it at once."""
    from podcast.core.jobs import retry

    with _session(hand_jobs_to_queue=True) as (_settings, session):
        job = retry(session, job_id)
        if job is None:
            _fail(f"no failed or cancelled job {job_id!r} (or one like it is already queued)")
    console.print(f"Job [bold]{job_id}[/] queued again and handed to the queue.")


@jobs_app.command("cancel")
def jobs_cancel(
    job_id: Annotated[str, typer.Argument(help="A job's id, or the dedupe key of jobs.")],
) -> None:
    """Cancel a queued or running job (a running one stops at its next check)."""
    from podcast.core.jobs import cancel

    with _session() as (_settings, session):
        cancelled = cancel(session, job_id)
    if not cancelled:
        _fail(f"no queued or running job {job_id!r}")
    console.print(f"{len(cancelled)} job(s) cancelled.")
