"""``podcast media``: collect unused files, copy them all to another storage."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from podcast.cli.common import _fail, _session, console, errors
from podcast.core.settings import Settings
from podcast.media import migrate as media_migration
from podcast.media import open_storage
from podcast.media.store import GC_MIN_AGE_SECONDS, collect_garbage, referenced_keys

media_app = typer.Typer(help="Stored media files.", no_args_is_help=True)


@media_app.command("gc")
def media_gc(
    min_age: Annotated[
        float,
        typer.Option(help="Leave files younger than this many minutes (a safety margin)."),
    ] = GC_MIN_AGE_SECONDS / 60,
    partial_age: Annotated[
        float,
        typer.Option(help="Leave partial uploads touched within this many minutes."),
    ] = 60,
) -> None:
    """Delete stored files that no episode or show uses, and abandoned partial uploads
    (with S3: unfinished multipart uploads and staging objects too).

    Safe while the service runs: each file is checked again under its lock before it goes.
    """
    with _session() as (settings, session):
        result = collect_garbage(
            session,
            open_storage(settings),
            min_age_seconds=min_age * 60,
            temp_age_seconds=partial_age * 60,
        )
    for key in result.removed:
        console.print(f"removed {key}")
    console.print(
        f"{len(result.removed)} unreferenced file(s) and {len(result.temps)} partial upload(s)"
        f" removed; {result.too_young} unreferenced file(s) younger than {min_age:g} min kept"
    )


@media_app.command("migrate")
def media_migrate(
    to: Annotated[str, typer.Option("--to", help="Where to copy the files: s3 or local.")],
    verify: Annotated[
        bool, typer.Option(help="Also re-read and hash the files the target already has.")
    ] = False,
) -> None:
    """Copy every file a row uses from the current storage to another, checking size and
    SHA-256. Resumable: run it again after an interruption, and once more just before
    switching. Switches nothing: it prints the settings to change."""
    if to not in ("s3", "local"):
        _fail("--to is s3 or local")
    with _session() as (settings, session):
        keys = referenced_keys(session)
    if to == settings.storage:
        _fail(f"the current storage is already {to} (PODCAST_STORAGE)")
    if to == "s3" and not settings.s3_bucket:
        _fail("set PODCAST_S3_BUCKET (and PODCAST_S3_ENDPOINT_URL etc.) to the target bucket")
    source = open_storage(settings)
    target_settings = settings.model_copy(update={"storage": to})
    target = open_storage(target_settings)
    sizes, missing = media_migration.plan(source, keys)
    with Progress(
        TextColumn("[bold]copying[/]"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
        console=console,
    ) as progress:  # fmt: skip
        task = progress.add_task("copy", total=sum(sizes.values()))
        result = media_migration.migrate(
            source,
            target,
            sizes,
            verify_present=verify,
            advance=lambda n: progress.advance(task, n),
        )
    for key in missing:
        errors.print(f"[red]missing[/] {key}: a row names it but the current storage lacks it")
    for key, problem in result.failed.items():
        errors.print(f"[red]failed[/] {key}: {problem}")
    console.print(
        f"{len(result.copied)} file(s) copied and checked, {len(result.present)} already there,"
        f" {len(result.failed) + len(missing)} problem(s); target: {target!r}"
    )
    if missing or not result.ok:
        _fail("not everything was copied: nothing to switch yet (run it again once fixed)")
    console.print("Every referenced file is in the target. Nothing was switched; to serve from it,")
    console.print("stop uploads, run this once more, then set (and restart):")
    for line in _storage_env(target_settings):
        console.print(f"  {line}", highlight=False)


def _storage_env(settings: Settings) -> list[str]:
    if settings.storage == "local":
        return ["PODCAST_STORAGE=local", f"PODCAST_DATA_DIR={settings.data_dir}"]
    values = {
        "PODCAST_STORAGE": "s3",
        "PODCAST_S3_BUCKET": settings.s3_bucket,
        "PODCAST_S3_PREFIX": settings.s3_prefix,
        "PODCAST_S3_ENDPOINT_URL": settings.s3_endpoint_url,
        "PODCAST_S3_REGION": settings.s3_region,
    }
    return [f"{name}={value}" for name, value in values.items() if value]
