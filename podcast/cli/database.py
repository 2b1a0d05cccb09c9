"""``podcast init`` and ``podcast db``: the data folder, the schema and the default show."""

from __future__ import annotations

from typing import Annotated

import typer

from podcast.cli.common import _session, announce_installation, console
from podcast.core.settings import Settings
from podcast.migrate import current_revision, upgrade
from podcast.shows.service import get_default_show

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)


def init() -> None:
    """Create the data folder, the database schema and the default show."""
    with _session(create=True) as (settings, session):
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
    announce_installation(settings)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine, revision)
        console.print(f"Database at revision [bold]{current_revision(engine)}[/]")
    finally:
        engine.dispose()
