"""``podcast transcript`` and ``podcast search``: transcripts and the search index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from podcast.cli.common import _fail, _session, console, errors
from podcast.core.clock import SystemClock
from podcast.core.errors import DomainError
from podcast.shows.service import get_default_show
from transcripts.formats import listed, upload_formats

transcript_app = typer.Typer(help="Episode transcripts.", no_args_is_help=True)
search_app = typer.Typer(help="The search index.", no_args_is_help=True)


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


@search_app.command("reindex")
def search_reindex() -> None:
    """Rebuild the search index from the tables (writes keep it current by themselves)."""
    from transcripts.search import rebuild_index

    with _session() as (_settings, session):
        console.print(rebuild_index(session).capitalize() + ".")
