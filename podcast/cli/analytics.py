"""``podcast analytics``: count now, and refresh the user-agents list from a newer copy."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from podcast.cli.common import _fail, _session, console

IGNORED = ("bot", "probe", "flood")  # count_requests' reasons for not counting a request

analytics_app = typer.Typer(help="Listener analytics (docs/analytics.md).", no_args_is_help=True)


@analytics_app.command("count")
def analytics_count() -> None:
    """Count the recorded requests now instead of waiting for the background job."""
    from podcast.analytics.job import count_requests
    from podcast.core.clock import SystemClock

    with _session() as (settings, session):
        settle = settings.analytics_settle_seconds
        result = count_requests(session, SystemClock().now(), settle)
    console.print(count_summary(result, settle))


def count_summary(result: dict[str, Any], settle_seconds: float) -> str:
    """What a count did, in a line: counted, not counted and why, and what it left for later
    (requests younger than the minimum age, which the background job counts once old enough)."""
    ignored = ", ".join(f"{result[why]} {why}" for why in IGNORED if result.get(why))
    line = f"{result['requests']} request(s) counted: {result['downloads']} new download(s)" + (
        f"; not counted: {ignored}" if ignored else ""
    )
    if result["waiting"]:
        line += (
            f"; {result['waiting']} request(s) left for later: younger than the minimum age"
            f" of {settle_seconds:g} s (countable in {math.ceil(result['due_in_seconds'])} s)"
        )
    return line


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
