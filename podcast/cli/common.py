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
