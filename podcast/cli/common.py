"""What every ``podcast`` command shares: the consoles, a session, and how to fail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.markup import escape
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from podcast.bootstrap import prepare
from podcast.consoles import console as console  # re-exported: the commands print here
from podcast.consoles import errors
from podcast.core.clock import SystemClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.jobs import open_jobs

# How a command is pointed at an installation other than ./data of the current folder.
WHERE_HELP = (
    "PODCAST_DATA_DIR=/path/to/data (the folder `podcast init` made, holding podcast.db and "
    "media/) or PODCAST_DATABASE_URL=sqlite:////path/to/podcast.db (or postgresql+psycopg://...)"
)


def database_label(settings: Settings) -> str:
    """The database as a person can recognise it, without its password."""
    return make_url(settings.database_url).render_as_string(hide_password=True)


def sqlite_file(settings: Settings) -> Path | None:
    """The SQLite database's file (None: another database, or one in memory)."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def is_default(settings: Settings) -> bool:
    """Whether these are the settings of an empty environment in this folder: ./data."""
    default_dir = Path("data")
    return (
        settings.data_dir.resolve() == default_dir.resolve()
        and settings.database_url == f"sqlite:///{(default_dir / 'podcast.db').resolve()}"
    )


def installation_line(settings: Settings) -> str | None:
    """ "Using database ... and data folder ...", unless both are the default (``./data``)."""
    if is_default(settings):
        return None
    return (
        f"Using database {database_label(settings)} and data folder {settings.data_dir.resolve()}"
    )


def announce_installation(settings: Settings) -> None:
    """One line on stderr naming the database and data folder, unless they are the default
    (``./data``): a command run with another environment says what it acts on."""
    line = installation_line(settings)
    if line is not None:
        errors.print(escape(line), highlight=False, soft_wrap=True)


def require_database(settings: Settings) -> None:
    """Refuse to act on a SQLite database that does not exist yet: run from another folder,
    a command would otherwise make a new, empty installation there and act on it."""
    path = sqlite_file(settings)
    if path is None or path.exists():
        return
    _fail(
        f"there is no database at {escape(str(path))}, so this is not an installation yet. "
        "Run the command from the folder you ran `podcast init` in, or point it at the "
        f"installation with {WHERE_HELP}; `podcast init` makes a new one here."
    )


@contextmanager
def _session(
    *, hand_jobs_to_queue: bool = False, create: bool = False
) -> Iterator[tuple[Settings, Session]]:
    """The command's unit of work. Jobs it commits wait in the table for a worker's sweeper,
    unless ``hand_jobs_to_queue``: then they reach the queue on commit, as the app's do, and a
    running worker starts them at once. Only ``create`` (``podcast init``) may start a new
    database; every other command needs an existing one."""
    settings = Settings()
    announce_installation(settings)
    if not create:
        require_database(settings)
    runtime = prepare(settings, SystemClock())
    try:
        if hand_jobs_to_queue:
            open_jobs(settings, runtime.sessionmaker, SystemClock())
        with session_scope(runtime.sessionmaker) as session:
            yield settings, session
    finally:
        runtime.engine.dispose()


def _fail(message: str) -> NoReturn:
    errors.print(f"[red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(1)
