"""``podcast check`` (the feed) and ``podcast doctor`` (the configuration)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from podcast.cli.common import _session, console
from podcast.core.clock import SystemClock
from podcast.core.settings import Settings
from podcast.media import open_storage


def check() -> None:
    """Lint the feed as podcast directories will see it; exit code 1 if anything is an error."""
    from podcast.feed.data import load_feed_data
    from podcast.feed.lint import Severity, has_errors, lint

    with _session() as (settings, session):
        data = load_feed_data(session, settings, SystemClock().now())
        findings = lint(data, open_storage(settings), base_url=settings.base_url)
    title = f"Feed check: {settings.feed_url}"
    table = Table("severity", "rule", "episode", "message (and where to fix it)", title=title)
    admin = settings.base_url.rstrip("/")
    for finding in findings:
        colour = "red" if finding.severity is Severity.ERROR else "yellow"
        ref = finding.episode
        table.add_row(
            f"[{colour}]{finding.severity.value}[/]",
            finding.rule,
            "" if ref is None else f"{ref.id} {ref.slug}",
            finding.message + (f"\nFix: {admin}{finding.fix}" if finding.fix else ""),
        )
    if findings:
        console.print(table)
    errors_found = sum(f.severity is Severity.ERROR for f in findings)
    console.print(
        f"{len(data.items)} episode(s) in the feed: {errors_found} error(s), "
        f"{len(findings) - errors_found} warning(s)"
    )
    if has_errors(findings):
        raise typer.Exit(1)


def doctor(
    replicas: Annotated[
        int,
        typer.Option(
            min=1,
            help="Replicas (machines or containers) that will serve this installation; "
            "with more than one they must share PODCAST_SECRET_KEY.",
        ),
    ] = 1,
) -> None:
    """Check the configuration and what it points at; print what to fix (exit code 1 on a
    failure, 0 with warnings only)."""
    from podcast.doctor import Level, diagnose

    findings = diagnose(Settings(), replicas=replicas)
    colours = {Level.OK: "green", Level.WARN: "yellow", Level.FAIL: "red"}
    for finding in findings:
        colour = colours[finding.level]
        console.print(
            f"[{colour}]{finding.level.value:<4}[/] [bold]{finding.check}[/]: {finding.message}",
            soft_wrap=True,
            highlight=False,
        )
        if finding.fix:
            console.print(f"     fix: {finding.fix}", soft_wrap=True, highlight=False)
    failed = sum(f.level is Level.FAIL for f in findings)
    warned = sum(f.level is Level.WARN for f in findings)
    console.print(f"{failed} failure(s), {warned} warning(s)")
    if failed:
        raise typer.Exit(1)
