"""``podcast transcript`` and ``podcast search``: transcripts and the search index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn

from podcast.bootstrap import prepare
from podcast.cli.common import _fail, _session, console, errors
from podcast.core.clock import SystemClock
from podcast.core.db import session_scope
from podcast.core.errors import DomainError
from podcast.core.settings import Settings
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


def transcribe_command(
    episode: Annotated[str, typer.Argument(help="Episode id or slug.")],
    language: Annotated[
        str | None,
        typer.Option(help="BCP 47 tag, e.g. en-GB or cy, or auto to detect (default: the show's)."),
    ] = None,
) -> None:
    """Make an automatic draft transcript of an episode's audio now, on this machine, with a
    progress bar. It is saved unreviewed; a transcript a producer uploaded or edited is never
    replaced.
    \f
    The ``transcribe`` job's own handler, run here (source automatic)."""
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
