"""``podcast serve`` and ``podcast worker``: run the service and its background jobs."""

from __future__ import annotations

import logging.config
import os
import shutil
from typing import Annotated, Any

import typer

from podcast.bootstrap import prepare
from podcast.cli.common import announce_installation, errors, installation_line, require_database
from podcast.core.clock import SystemClock
from podcast.core.logs import LogFormat, logging_config
from podcast.core.settings import Settings


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

    Slow requests (`PODCAST_SLOW_REQUEST_MS`), server errors and writes are always logged.
    """
    import uvicorn

    from podcast.server_protocol import HTTP_PROTOCOL

    settings = Settings()
    lines = [installation_line(settings), _default_base_url(settings, host, port)]
    if any(lines):  # through the log, so PODCAST_LOG_FORMAT=json keeps every line JSON
        logging.config.dictConfig(log_config(settings.log_format))
        for line in filter(None, lines):
            logging.getLogger("podcast.cli").info(line)
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
        # httptools, answering the cached feed before ASGI (podcast/server_protocol.py).
        http=HTTP_PROTOCOL,
        access_log=access_log,
        proxy_headers=True,
        log_config=log_config(settings.log_format),
        # uvicorn kills a worker that does not answer its ping within this many seconds; a
        # worker answers only once it has imported the app, which on a busy host can take
        # longer than uvicorn's 5 s, and then workers were killed and restarted forever.
        timeout_worker_healthcheck=30,
    )


def _default_base_url(settings: Settings, host: str, port: int) -> str | None:
    """With no ``PODCAST_BASE_URL`` configured, the links in the feed and pages name the
    address being served (another ``--port`` than 8000 would otherwise give every enclosure a
    dead link); set in the environment, so every worker process sees it. Returns the line
    that says so, or None when the base URL is configured."""
    if "base_url" in settings.model_fields_set:
        return None
    if host in ("0.0.0.0", "::", ""):  # every interface: this machine's own name is a guess
        host = "127.0.0.1"
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    os.environ["PODCAST_BASE_URL"] = base
    return (
        f"PODCAST_BASE_URL is not set: the feed and pages link to {base}. "
        "Set it to the https address listeners use."
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


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(help="Jobs run at once, one thread each (default: PODCAST_JOB_WORKERS)."),
    ] = None,
) -> None:
    """Run background jobs until SIGTERM or Ctrl-C: needed with a Redis queue (with the
    embedded queue, `podcast serve` runs them itself; a worker beside it is safe too)."""
    import logging

    from podcast.jobs import open_jobs, worker_for

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    announce_installation(settings)
    require_database(settings)
    runtime = prepare(settings, SystemClock())
    try:
        queue = open_jobs(settings, runtime.sessionmaker, SystemClock())
        kinds = ", ".join(sorted(queue.registry)) or "none registered"
        errors.print(f"Worker on {settings.queue_url or 'the embedded queue'}; job kinds: {kinds}")
        worker_for(settings, queue, workers=concurrency, guest=False).run()
    finally:
        runtime.engine.dispose()
