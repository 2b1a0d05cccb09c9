"""``podcast episode``: list episodes and add one from an audio file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import BaseModel, ValidationError
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.table import Table

from episodes import ingest
from episodes import repository as episode_repository
from episodes import service as episode_service
from episodes.models import Status
from episodes.schemas import EpisodeCreate
from episodes.urls import enclosure_url
from podcast.cli.common import _fail, _session, console, errors
from podcast.core.clock import SystemClock
from podcast.core.errors import DomainError
from podcast.core.http_errors import validation_errors
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
    publish: Annotated[bool, typer.Option(help="Publish at once (or at --at).")] = False,
    at: Annotated[
        str | None,
        typer.Option(
            help="With --publish: when, as ISO 8601 (2026-12-01T07:00, read as UTC without a "
            "zone, or 2026-12-01T08:00+01:00). A future time schedules it; a past one needs "
            "--backdate."
        ),
    ] = None,
    backdate: Annotated[
        bool, typer.Option(help="Confirm that a past --at is meant: the episode is back-dated.")
    ] = False,
) -> None:
    """Create an episode from an audio file; its tags fill in what the options leave out."""
    if not file.is_file():
        _fail(f"{file} is not a file")
    when = _parse_at(at) if at is not None else None
    if when is not None and not publish:
        _fail("--at is when to publish: add --publish")
    clock = SystemClock()
    # What can be refused without the audio is refused before copying it.
    if title is not None:
        _check(EpisodeCreate, {"title": title}, "--title")
    if when is not None and when < clock.now() and not backdate:
        _past_at(at)
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
            try:
                episode_service.publish(episode, when, clock.now(), backdate=backdate)
            except episode_service.BackdateUnconfirmed:
                _past_at(at)
        audio = episode.audio
        assert audio is not None
        now = clock.now()
        status = episode.status_at(now)
        console.print(
            f"Episode [bold]{episode.id}[/] {episode.title!r} ({audio.extension}, "
            f"{audio.duration:.1f} s) is {status.value}"
        )
        urls = settings.public_urls
        if status is Status.PUBLISHED:
            console.print(f"Page: {urls.episode_page(episode.slug)}")
            console.print(f"Audio: {enclosure_url(urls, episode)}")
            return
        preview = f"{urls.base_url}/admin/episodes/{episode.id}"
        if status is Status.SCHEDULED:
            assert episode.publish_at is not None
            console.print(
                f"It goes public at {episode.publish_at:%Y-%m-%d %H:%M} UTC, at "
                f"{urls.episode_page(episode.slug)}; until then only producers see it: {preview}",
                soft_wrap=True,
            )
        else:
            console.print(
                f"It is a draft: only producers see it, at {preview}. Publish it there, or "
                f"with POST /api/episodes/{episode.id}/publish.",
                soft_wrap=True,
            )


def _past_at(at: str | None) -> NoReturn:
    _fail(
        f"--at {at} is in the past: add --backdate to publish the episode at that date (it "
        "appears below newer ones), or give a later time"
    )


def _check(schema: type[BaseModel], values: dict[str, object], option: str) -> None:
    """Refuse an option's value as the API would, in words (not Pydantic's traceback)."""
    try:
        schema.model_validate(values)
    except ValidationError as exc:
        own = [e for e in exc.errors() if e["loc"][:1] == tuple(values)]
        if own:
            _fail(f"{option}: {validation_errors(own)[0]['message']}")


def _parse_at(text: str) -> datetime:
    """ISO 8601; without a zone, UTC (as ``podcast episode list`` shows times)."""
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        _fail(f"--at {text!r} is not a date and time like 2026-12-01T07:00 or 2026-12-01")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
