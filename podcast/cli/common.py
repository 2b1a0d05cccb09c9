"""What every ``podcast`` command shares: the consoles, a session, and how to fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from podcast.bootstrap import prepare
from podcast.core.clock import SystemClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.jobs import open_jobs

console = Console()
errors = Console(stderr=True)


@contextmanager
def _session(*, hand_jobs_to_queue: bool = False) -> Iterator[tuple[Settings, Session]]:
    """The command's unit of work. Jobs it commits wait in the table for a worker's sweeper,
    unless ``hand_jobs_to_queue``: then they reach the queue on commit, as the app's do, and a
    running worker starts them at once."""
    settings = Settings()
    runtime = prepare(settings, SystemClock())
    try:
        if hand_jobs_to_queue:
            open_jobs(settings, runtime.sessionmaker, SystemClock())
        with session_scope(runtime.sessionmaker) as session:
            yield settings, session
    finally:
        runtime.engine.dispose()


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/] {message}")
    raise typer.Exit(1)
