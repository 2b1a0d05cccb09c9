"""``podcast import FEED_URL``: move a show here from another host, with a progress bar and a
report of every item."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from podcast.bootstrap import prepare
from podcast.consoles import console, errors
from podcast.core.clock import SystemClock
from podcast.core.errors import Invalid
from podcast.core.settings import Settings
from podcast.imports.fetch import Fetcher, FetchError, FetchPolicy
from podcast.imports.importer import Importer, ImportOptions, ImportReport, Outcome, unreadable
from podcast.imports.importer import Progress as ImportProgress
from podcast.imports.parse import FeedParseError
from podcast.media import open_storage
from podcast.shows.service import require_show_slug


def import_command(
    url: Annotated[str, typer.Argument(help="The show's current RSS or Atom feed URL.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read the feed and print the report; write nothing.")
    ] = False,
    since: Annotated[
        str | None, typer.Option(help="Only episodes published on or after this date (YYYY-MM-DD).")
    ] = None,
    media: Annotated[
        bool,
        typer.Option("--media/--no-media", help="--no-media: metadata only; episodes stay drafts."),
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    show: Annotated[
        str | None,
        typer.Option(
            help="The show to import into, by slug: this installation's (PODCAST_SHOW_SLUG, "
            "created if it does not exist yet); another is refused."
        ),
    ] = None,
) -> None:
    """Import a show from its current host: every episode with its GUID, date, audio and
    chapters. Safe to run again: it updates what changed and downloads only what is missing."""
    since_at = None
    if since is not None:
        try:
            since_at = datetime.strptime(since, "%Y-%m-%d").replace(tzinfo=UTC)
        except ValueError:
            errors.print(f"[red]error:[/] --since {since!r} is not a date like 2024-01-31")
            raise typer.Exit(2) from None
    from podcast.cli.common import announce_installation

    settings = Settings()
    announce_installation(settings)
    try:
        require_show_slug(settings, show)
    except Invalid as exc:
        errors.print(f"[red]error:[/] --show: {exc.message}")
        raise typer.Exit(2) from None
    clock = SystemClock()
    runtime = prepare(settings, clock)
    policy = FetchPolicy(allow_private=settings.import_allow_private)
    try:
        with (
            Fetcher(policy) as fetcher,
            Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[mib]:.1f} MiB"),
                console=errors,
                disable=as_json,
            ) as bar,
        ):
            task = bar.add_task("Importing", total=None, mib=0.0)

            def progress(p: ImportProgress) -> None:
                bar.update(task, total=p.items_total, completed=p.items_done, mib=p.bytes / 2**20)

            importer = Importer(
                sessions=runtime.sessionmaker,
                storage=open_storage(settings),
                settings=settings,
                clock=clock,
                fetcher=fetcher,
                progress=progress,
            )
            options = ImportOptions(dry_run=dry_run, since=since_at, media=media, show=show)
            report = importer.run(url, options)
    except (FetchError, FeedParseError) as exc:
        errors.print(f"[red]error:[/] {unreadable(exc)}")
        raise typer.Exit(1) from None
    finally:
        runtime.engine.dispose()
    if as_json:
        console.print_json(json.dumps(report.to_dict()))
    else:
        print_report(report, settings.feed_url)


def print_report(report: ImportReport, feed_url: str) -> None:
    heading = "Dry run: nothing was written." if report.dry_run else "Import finished."
    console.print(f"[bold]{heading}[/] {report.show_title!r} from {report.url}")
    if report.show_changes:
        console.print("Show: " + ", ".join(report.show_changes) + " taken from the old feed.")
    for note in report.show_notes + report.warnings:
        console.print(f"  [yellow]note:[/] {note}")
    table = Table("#", "outcome", "title", "why / notes", "MiB")
    for item in report.items:
        why = "; ".join(filter(None, [item.reason, *item.notes]))
        colour = {"skipped": "red", "imported": "green", "updated": "cyan"}.get(item.outcome, "")
        outcome = f"[{colour}]{item.outcome}[/]" if colour else item.outcome.value
        table.add_row(str(item.position), outcome, item.title, why, f"{item.bytes / 2**20:.1f}")
    console.print(table)
    counts = ", ".join(f"{report.count(o)} {o.value}" for o in Outcome)
    console.print(f"{counts}; {report.bytes / 2**20:.1f} MiB in {report.seconds:.1f} s")
    if not report.dry_run and report.count(Outcome.IMPORTED):
        console.print(
            "\n[bold]Leaving the old host[/] (docs/imports.md):\n"
            f"  1. On the old host, set itunes:new-feed-url to {feed_url}, or a 301 redirect "
            "from the old feed URL to it; keep it for months, as apps move when they next "
            "check.\n"
            "  2. Check with `podcast check` that directories will take this feed.\n"
            "  3. From now on our enclosure URLs are used; the old ones may stop working."
        )
