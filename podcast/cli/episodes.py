"""``podcast episode``: list episodes and add one from an audio file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from episodes import ingest
from episodes import repository as episode_repository
from episodes import service as episode_service
from episodes.models import Status
from episodes.urls import enclosure_url
from podcast.cli.common import _fail, _session, console, errors
from podcast.core.clock import SystemClock
from podcast.core.errors import DomainError
from podcast.media import open_storage
from podcast.media.uploads import receive_file
from podcast.shows.service import get_default_show

episode_app = typer.Typer(help="Episodes.", no_args_is_help=True)


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
