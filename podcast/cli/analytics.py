"""``podcast analytics``: count now, and refresh the user-agents list from a newer copy."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer

from podcast.cli.common import _fail, _session, console

analytics_app = typer.Typer(help="Listener analytics (docs/analytics.md).", no_args_is_help=True)


@analytics_app.command("count")
def analytics_count() -> None:
    """Count the recorded requests now instead of waiting for the background job."""
    from podcast.analytics.job import count_requests
    from podcast.core.clock import SystemClock

    with _session() as (_settings, session):
        result = count_requests(session, SystemClock().now())
    ignored = ", ".join(
        f"{n} {why}" for why, n in result.items() if why not in {"requests", "downloads"}
    )
    console.print(
        f"{result['requests']} request(s) counted: {result['downloads']} new download(s)"
        + (f"; not counted: {ignored}" if ignored else "")
    )


@analytics_app.command("agents-update")
def agents_update(
    source: Annotated[
        Path,
        typer.Argument(
            help="A folder with a newer copy of the OPAWG user-agents-v2 src/*.json and LICENSE."
        ),
    ],
) -> None:
    """Replace the vendored user-agents list with a newer copy, after checking every pattern
    compiles and matches its own examples (a bad copy changes nothing)."""
    from podcast.analytics.agents import DATA_FILES, UPDATED_DIR, AgentListError, check_copy
    from podcast.core.settings import Settings

    try:
        check_copy(source)
    except AgentListError as exc:
        _fail(f"{source} was not used: {exc}")
    target = Settings().data_dir / UPDATED_DIR
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in (*DATA_FILES, "LICENSE", "SOURCE.md"):
        if (source / name).is_file():
            shutil.copyfile(source / name, staging / name)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)  # the whole copy at once: a half-copied list is never read
    console.print(
        f"user-agents list updated from {source} into {target}; "
        "restart `podcast serve` and the workers to use it"
    )
