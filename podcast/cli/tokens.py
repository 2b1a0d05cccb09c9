"""``podcast token``: producer tokens for the API."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from podcast.cli.common import _session, console, database_label, errors
from podcast.core import tokens
from podcast.core.clock import SystemClock

token_app = typer.Typer(help="Producer tokens for the API.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who or what the token is for.")],
) -> None:
    """Create a token and print it once; only its SHA-256 is kept."""
    with _session() as (settings, session):
        try:
            secret = tokens.create_token(session, name, SystemClock().now())
        except ValueError as exc:
            errors.print(f"[red]error:[/] {exc}")
            raise typer.Exit(1) from None
    errors.print(
        f"Token [bold]{name}[/] created in {escape(database_label(settings))}: it works with "
        "the server using that database. It is shown once; store it now:",
        soft_wrap=True,
    )
    print(secret)


@token_app.command("list")
def token_list() -> None:
    """List token names (the secrets themselves are not stored)."""
    with _session() as (settings, session):
        rows = tokens.list_tokens(session)
        table = Table("name", "created (UTC)")
        for row in rows:
            table.add_row(row.name, row.created_at.strftime("%Y-%m-%d %H:%M"))
        console.print(table if rows else "No tokens yet: podcast token create NAME")
        errors.print(f"Tokens of {escape(database_label(settings))}", soft_wrap=True)


@token_app.command("revoke")
def token_revoke(name: str) -> None:
    """Revoke a token at once; requests using it get 401."""
    with _session() as (settings, session):
        if not tokens.revoke_token(session, name):
            errors.print(
                f"[red]error:[/] no token named {name!r} in {escape(database_label(settings))}",
                soft_wrap=True,
            )
            raise typer.Exit(1)
    console.print(f"Token [bold]{name}[/] revoked.")
