"""The ``podcast`` command: run the service and look after an installation."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table
from sqlalchemy.orm import Session

from episodes import ingest
from episodes import repository as episode_repository
from episodes import service as episode_service
from episodes.models import Status
from episodes.urls import enclosure_url
from podcast.bootstrap import prepare
from podcast.core import tokens
from podcast.core.clock import SystemClock
from podcast.core.db import session_scope
from podcast.core.errors import DomainError
from podcast.core.logs import LogFormat, logging_config
from podcast.core.settings import Settings
from podcast.imports.cli import import_command
from podcast.media import migrate as media_migration
from podcast.media import open_storage
from podcast.media.store import GC_MIN_AGE_SECONDS, collect_garbage, referenced_keys
from podcast.media.uploads import receive_file
from podcast.migrate import current_revision, upgrade
from podcast.shows.service import get_default_show
from transcripts.formats import listed, upload_formats

app = typer.Typer(help="Leadership Live podcast platform.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="Producer tokens for the API.", no_args_is_help=True)
episode_app = typer.Typer(help="Episodes.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(episode_app, name="episode")
media_app = typer.Typer(help="Stored media files.", no_args_is_help=True)
app.add_typer(media_app, name="media")
transcript_app = typer.Typer(help="Episode transcripts.", no_args_is_help=True)
app.add_typer(transcript_app, name="transcript")
search_app = typer.Typer(help="The search index.", no_args_is_help=True)
app.add_typer(search_app, name="search")
jobs_app = typer.Typer(help="Background jobs.", no_args_is_help=True)
app.add_typer(jobs_app, name="jobs")

app.command("import")(import_command)

console = Console()
errors = Console(stderr=True)


@contextmanager
def _session() -> Iterator[tuple[Settings, Session]]:
    settings = Settings()
    runtime = prepare(settings, SystemClock())
    try:
        with session_scope(runtime.sessionmaker) as session:
            yield settings, session
    finally:
        runtime.engine.dispose()


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/] {message}")
    raise typer.Exit(1)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
    workers: Annotated[
        int,
        typer.Option(
            help="Worker processes. One is fastest per request and keeps caches in one place; "
            "2 or more use more cores and survive a stuck worker (SQLite writers then queue "
            "for its one write lock; PostgreSQL has no such limit)."
        ),
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Log every request (off by default: a line per request costs more than "
            "serving a cached feed; errors are always logged).",
        ),
    ] = False,
) -> None:
    """Run the web service with uvicorn: uvloop and httptools, no per-request log by default.

    Slow requests (``PODCAST_SLOW_REQUEST_MS``), server errors and writes are always logged.
    """
    import uvicorn

    settings = Settings()
    if workers > 1 and not reload:
        _multiprocess_metrics(settings)
    uvicorn.run(
        "podcast.app:create_app",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        loop="uvloop",
        http="httptools",
        access_log=access_log,
        proxy_headers=True,
        log_config=log_config(settings.log_format),
        # uvicorn kills a worker that does not answer its ping within this many seconds; a
        # worker answers only once it has imported the app, which on a busy host can take
        # longer than uvicorn's 5 s, and then workers were killed and restarted forever.
        timeout_worker_healthcheck=30,
    )


def log_config(log_format: LogFormat = "text") -> dict[str, Any]:
    """uvicorn's logging, plus our own packages' INFO lines (a client that went away
    mid-upload, say) on the same stream: otherwise Python drops records below WARNING.
    JSON lines with ``PODCAST_LOG_FORMAT=json`` (``podcast.core.logs``)."""
    return logging_config(log_format)


def _multiprocess_metrics(settings: Settings) -> None:
    """Workers count into files in a folder that /metrics adds up (prometheus-client's
    multiprocess mode): a fresh one under the data folder, emptied at every start so counts
    of an earlier run do not linger. Set before the workers start and import the library."""
    from podcast.core.metrics import MULTIPROC_ENV

    if os.environ.get(MULTIPROC_ENV):
        return  # the operator chose a folder (and empties it)
    folder = (settings.data_dir / "metrics").resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)


@app.command()
def init() -> None:
    """Create the data folder, the database schema and the default show."""
    with _session() as (settings, session):
        show = get_default_show(session, settings)
        console.print(f"[green]Ready.[/] Show [bold]{show.title}[/] ({show.slug})")
        console.print(f"  database: {settings.database_url}")
        console.print(f"  media:    {settings.media_dir.resolve()}")
        console.print(f"  feed:     {settings.feed_url}")
        console.print("Next: [bold]podcast token create NAME[/] for API access.")


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply database migrations (the service also does this when it starts)."""
    from podcast.core.db import make_engine

    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine, revision)
        console.print(f"Database at revision [bold]{current_revision(engine)}[/]")
    finally:
        engine.dispose()


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who or what the token is for.")],
) -> None:
    """Create a token and print it once; only its SHA-256 is kept."""
    with _session() as (_settings, session):
        try:
            secret = tokens.create_token(session, name, SystemClock().now())
        except ValueError as exc:
            errors.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
    errors.print(f"Token [bold]{name}[/] created. It is shown once; store it now:")
    print(secret)


@token_app.command("list")
def token_list() -> None:
    """List token names (the secrets themselves are not stored)."""
    with _session() as (_settings, session):
        rows = tokens.list_tokens(session)
        table = Table("name", "created (UTC)")
        for row in rows:
            table.add_row(row.name, row.created_at.strftime("%Y-%m-%d %H:%M"))
        console.print(table if rows else "No tokens yet: podcast token create NAME")


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke a token at once; requests using it get 401."""
    with _session() as (_settings, session):
        if not tokens.revoke_token(session, name):
            errors.print(f"[red]error:[/] no token named {name!r}")
            raise typer.Exit(1)
    console.print(f"Token [bold]{name}[/] revoked.")


@episode_app.command("list")
def episode_list(
    status: Annotated[Status | None, typer.Option(help="Only episodes with this status.")] = None,
) -> None:
    """List episodes, newest first."""
    with _session() as (settings, session):
        show = get_default_show(session, settings)
        now = SystemClock().now()
        where = episode_repository.status_is(status, now) if status else None
        rows, total = episode_repository.page(session, show.id, where=where, offset=0, limit=1000)
        table = Table("id", "status", "publish at (UTC)", "slug", "title")
        for e in rows:
            when = e.publish_at.strftime("%Y-%m-%d %H:%M") if e.publish_at else ""
            table.add_row(str(e.id), e.status_at(now).value, when, e.slug, e.title)
        console.print(table)
        console.print(f"{total} episode(s)")


@episode_app.command("add")
def episode_add(
    file: Annotated[Path, typer.Argument(help="An MP3, M4A, Opus, Ogg Vorbis, FLAC or WAV file.")],
    title: Annotated[str | None, typer.Option(help="Title (default: from the tags).")] = None,
    publish: Annotated[bool, typer.Option(help="Publish at once.")] = False,
) -> None:
    """Create an episode from an audio file; its tags fill in what the options leave out."""
    if not file.is_file():
        _fail(f"{file} is not a file")
    clock = SystemClock()
    with _session() as (settings, session):
        storage = open_storage(settings)
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=errors,
        ) as progress:
            task = progress.add_task(f"Copying {file.name}", total=file.stat().st_size)
            try:
                received = receive_file(
                    file,
                    storage,
                    settings.max_upload_bytes,
                    lambda n: progress.advance(task, n),
                )
            except DomainError as exc:
                _fail(exc.detail)
        try:
            info = ingest.inspect(received)
            # The transaction (and, on SQLite, the write lock) starts here, after the copy.
            show = get_default_show(session, settings)
            episode, _ = ingest.new_episode(
                session, storage, show, received, info, {"title": title}, clock.now()
            )
        except DomainError as exc:
            _fail(f"{file.name}: {exc.detail}")
        finally:
            received.discard()
        if publish:
            episode_service.publish(episode, None, clock.now())
        audio = episode.audio
        assert audio is not None
        console.print(
            f"Episode [bold]{episode.id}[/] {episode.title!r} ({audio.extension}, "
            f"{audio.duration:.1f} s) is {episode.status_at(clock.now()).value}: "
            f"{enclosure_url(settings.public_urls, episode)}"
        )


@media_app.command("gc")
def media_gc(
    min_age: Annotated[
        float,
        typer.Option(help="Leave files younger than this many minutes (a safety margin)."),
    ] = GC_MIN_AGE_SECONDS / 60,
    partial_age: Annotated[
        float,
        typer.Option(help="Leave partial uploads touched within this many minutes."),
    ] = 60,
) -> None:
    """Delete stored files that no episode or show uses, and abandoned partial uploads
    (with S3: unfinished multipart uploads and staging objects too).

    Safe while the service runs: each file is checked again under its lock before it goes.
    """
    with _session() as (settings, session):
        result = collect_garbage(
            session,
            open_storage(settings),
            min_age_seconds=min_age * 60,
            temp_age_seconds=partial_age * 60,
        )
    for key in result.removed:
        console.print(f"removed {key}")
    console.print(
        f"{len(result.removed)} unreferenced file(s) and {len(result.temps)} partial upload(s)"
        f" removed; {result.too_young} unreferenced file(s) younger than {min_age:g} min kept"
    )


@media_app.command("migrate")
def media_migrate(
    to: Annotated[str, typer.Option("--to", help="Where to copy the files: s3 or local.")],
    verify: Annotated[
        bool, typer.Option(help="Also re-read and hash the files the target already has.")
    ] = False,
) -> None:
    """Copy every file a row uses from the current storage to another, checking size and
    SHA-256. Resumable: run it again after an interruption, and once more just before
    switching. Switches nothing: it prints the settings to change."""
    if to not in ("s3", "local"):
        _fail("--to is s3 or local")
    with _session() as (settings, session):
        keys = referenced_keys(session)
    if to == settings.storage:
        _fail(f"the current storage is already {to} (PODCAST_STORAGE)")
    if to == "s3" and not settings.s3_bucket:
        _fail("set PODCAST_S3_BUCKET (and PODCAST_S3_ENDPOINT_URL etc.) to the target bucket")
    source = open_storage(settings)
    target_settings = settings.model_copy(update={"storage": to})
    target = open_storage(target_settings)
    sizes, missing = media_migration.plan(source, keys)
    with Progress(
        TextColumn("[bold]copying[/]"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task("copy", total=sum(sizes.values()))
        result = media_migration.migrate(
            source,
            target,
            sizes,
            verify_present=verify,
            advance=lambda n: progress.advance(task, n),
        )
    for key in missing:
        errors.print(f"[red]missing[/] {key}: a row names it but the current storage lacks it")
    for key, problem in result.failed.items():
        errors.print(f"[red]failed[/] {key}: {problem}")
    console.print(
        f"{len(result.copied)} file(s) copied and checked, {len(result.present)} already there,"
        f" {len(result.failed) + len(missing)} problem(s); target: {target!r}"
    )
    if missing or not result.ok:
        _fail("not everything was copied: nothing to switch yet (run it again once fixed)")
    console.print("Every referenced file is in the target. Nothing was switched; to serve from it,")
    console.print("stop uploads, run this once more, then set (and restart):")
    for line in _storage_env(target_settings):
        console.print(f"  {line}", highlight=False)


def _storage_env(settings: Settings) -> list[str]:
    if settings.storage == "local":
        return ["PODCAST_STORAGE=local", f"PODCAST_DATA_DIR={settings.data_dir}"]
    values = {
        "PODCAST_STORAGE": "s3",
        "PODCAST_S3_BUCKET": settings.s3_bucket,
        "PODCAST_S3_PREFIX": settings.s3_prefix,
        "PODCAST_S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "PODCAST_S3_REGION": settings.s3_region,
    }
    return [f"{name}={value}" for name, value in values.items() if value]


@app.command()
def check() -> None:
    """Lint the feed as podcast directories will see it; exit code 1 if anything is an error."""
    from podcast.feed.data import load_feed_data
    from podcast.feed.lint import Severity, has_errors, lint

    with _session() as (settings, session):
        data = load_feed_data(session, settings, SystemClock().now())
        findings = lint(data, open_storage(settings), base_url=settings.base_url)
    title = f"Feed check: {settings.feed_url}"
    table = Table("severity", "rule", "episode", "message", title=title)
    for finding in findings:
        colour = "red" if finding.severity is Severity.ERROR else "yellow"
        ref = finding.episode
        table.add_row(
            f"[{colour}]{finding.severity.value}[/]",
            finding.rule,
            "" if ref is None else f"{ref.id} {ref.slug}",
            finding.message,
        )
    if findings:
        console.print(table)
    errors_found = sum(f.severity is Severity.ERROR for f in findings)
    console.print(
        f"{len(data.items)} episode(s) in the feed: {errors_found} error(s), "
        f"{len(findings) - errors_found} warning(s)"
    )
    if has_errors(findings):
        raise typer.Exit(1)


@app.command()
def doctor(
    replicas: Annotated[
        int,
        typer.Option(
            min=1,
            help="Replicas (machines or containers) that will serve this installation; "
            "with more than one they must share PODCAST_SECRET_KEY.",
        ),
    ] = 1,
) -> None:
    """Check the configuration and what it points at; print what to fix (exit code 1 on a
    failure, 0 with warnings only)."""
    from podcast.doctor import Level, diagnose

    findings = diagnose(Settings(), replicas=replicas)
    colours = {Level.OK: "green", Level.WARN: "yellow", Level.FAIL: "red"}
    for finding in findings:
        colour = colours[finding.level]
        console.print(
            f"[{colour}]{finding.level.value:<4}[/] [bold]{finding.check}[/]: {finding.message}",
            soft_wrap=True,
            highlight=False,
        )
        if finding.fix:
            console.print(f"     fix: {finding.fix}", soft_wrap=True, highlight=False)
    failed = sum(f.level is Level.FAIL for f in findings)
    warned = sum(f.level is Level.WARN for f in findings)
    console.print(f"{failed} failure(s), {warned} warning(s)")
    if failed:
        raise typer.Exit(1)


@transcript_app.command("add")
def transcript_add(
    episode: Annotated[str, typer.Argument(help="Episode id or slug.")],
    file: Annotated[
        Path, typer.Argument(help=f"{listed(upload_formats())}; the format is read from it.")
    ],
    language: Annotated[
        str | None, typer.Option(help="BCP 47 tag, e.g. en-GB (default: the show's).")
    ] = None,
) -> None:
    """Add or replace an episode's transcript in one language."""
    from transcripts.formats import served_formats
    from transcripts.upload import FILE_FIELD, upload_transcript

    if not file.is_file():
        _fail(f"{file} is not a file")
    now = SystemClock().now()
    with _session() as (settings, session):
        show = get_default_show(session, settings)
        try:
            result = upload_transcript(
                session,
                show,
                episode,
                file.read_bytes(),
                language=language,
                media_type=None,
                filename=file.name,
                producer=True,
                now=now,
            )
        except DomainError as exc:
            _fail(f"{file.name}: {exc.detail}" if exc.field == FILE_FIELD else exc.detail)
        record = result.record
        verb = "added" if result.created else ("replaced" if result.changed else "unchanged")
        console.print(
            f"Transcript [bold]{record.language}[/] {verb} for {result.episode.slug!r}: "
            f"{record.cue_count} cues from {result.source.name}"
            + ("" if record.timed else f" (no timestamps: {listed(served_formats(False))} only)"),
            soft_wrap=True,
        )
        for warning in result.warnings:
            errors.print(f"[yellow]warning:[/] {warning}")
        for fmt in served_formats(record.timed):
            url = settings.public_urls.transcript(
                result.episode.slug, fmt.name, record.language, show.language
            )
            console.print(f"  {fmt.label}: {url}", soft_wrap=True)


# --- podcast transcribe (docs/asr.md): one self-contained block -----------------------------


@app.command("transcribe")
def transcribe_command(
    episode: Annotated[str, typer.Argument(help="Episode id or slug.")],
    language: Annotated[
        str | None,
        typer.Option(help="BCP 47 tag, e.g. en-GB or cy, or auto to detect (default: the show's)."),
    ] = None,
) -> None:
    """Make an automatic draft transcript of an episode's audio now, offline, with a progress
    bar: the ``transcribe`` job's own work, run here. Saved unreviewed (source automatic); a
    transcript a producer uploaded or edited is never replaced."""
    from rich.progress import TimeElapsedColumn

    from transcripts.asr.job import check_request, payload_for, transcribe_handler_for
    from transcripts.upload import find_episode

    clock = SystemClock()
    settings = Settings()
    runtime = prepare(settings, clock)
    try:
        with session_scope(runtime.sessionmaker) as session:
            show = get_default_show(session, settings)
            try:
                found = find_episode(session, show, episode, clock.now(), producer=True)
                tag = check_request(session, settings, found, show, language)
            except DomainError as exc:
                _fail(exc.detail)
            payload, slug, show_language = payload_for(found, tag), found.slug, show.language
        handler = transcribe_handler_for(settings, runtime.sessionmaker, clock)
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=errors, transient=True) as bar:
            task = bar.add_task(f"Transcribing {slug!r} ({tag})", total=1.0)

            class Control:
                def progress(self, fraction: float, message: str | None = None) -> None:
                    bar.update(task, completed=fraction)

                def cancelled(self) -> bool:
                    return False  # Ctrl-C stops it

            try:
                result = handler(Control(), payload)
            except DomainError as exc:
                _fail(exc.detail)
    finally:
        runtime.engine.dispose()
    if "skipped" in result:
        _fail(str(result["skipped"]))
    saved = str(result["language"])
    console.print(
        f"Automatic transcript [bold]{saved}[/] saved for {slug!r}: {result['cues']} cues, "
        f"{result['words']} words from {result['duration']:.1f} s of audio (not yet reviewed).",
        soft_wrap=True,
    )
    url = settings.public_urls.transcript(slug, "vtt", saved, show_language)
    console.print(f"  WebVTT: {url}", soft_wrap=True)


@search_app.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the tables (writes keep it current by themselves)."""
    from transcripts.search import rebuild_index

    with _session() as (_settings, session):
        console.print(rebuild_index(session).capitalize() + ".")


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(help="Jobs run at once, one thread each (default: PODCAST_JOB_WORKERS)."),
    ] = None,
) -> None:
    """Run background jobs until SIGTERM or Ctrl-C: needed with a Redis queue (with the
    embedded queue, ``podcast serve`` runs them itself; a worker beside it is safe too)."""
    import logging

    from podcast.jobs import open_jobs, worker_for

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    runtime = prepare(settings, SystemClock())
    try:
        queue = open_jobs(settings, runtime.sessionmaker, SystemClock())
        kinds = ", ".join(sorted(queue.registry)) or "none registered"
        errors.print(f"Worker on {settings.queue_url or 'the embedded queue'}; job kinds: {kinds}")
        worker_for(settings, queue, workers=concurrency, guest=False).run()
    finally:
        runtime.engine.dispose()


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
    """Queue a failed or cancelled job again, with all its attempts."""
    from podcast.core.jobs import retry

    with _session() as (_settings, session):
        job = retry(session, job_id)
        if job is None:
            _fail(f"no failed or cancelled job {job_id!r} (or one like it is already queued)")
    console.print(f"Job [bold]{job_id}[/] queued again; a worker's sweeper picks it up.")


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


if __name__ == "__main__":
    app()
