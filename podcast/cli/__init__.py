"""The ``podcast`` command: run the service and look after an installation.

One module per command group; this one assembles them into ``app`` (the console script).
A new command goes in its group's module, or a new module registered here.

``--help`` is built from each command's docstring, read as Markdown (``rich_markup_mode``):
its paragraphs are reflowed to the terminal, so the line breaks of the source never show, and
`code` is set as code instead of showing its backticks. The first paragraph is the command's
summary in the listing: write it, and any paragraph after it, for the people who run the
command; detail for developers goes after a ``\\f`` line, which help leaves out
(tests/app/test_cli_help.py reads every command's help).
"""

from __future__ import annotations

import typer

from podcast.cli.analytics import analytics_app
from podcast.cli.checks import check, doctor
from podcast.cli.database import db_app, init
from podcast.cli.episodes import episode_app
from podcast.cli.jobs import jobs_app
from podcast.cli.media import media_app
from podcast.cli.serve import log_config, serve, worker
from podcast.cli.tokens import token_app
from podcast.cli.transcripts import search_app, transcribe_command, transcript_app
from podcast.imports.cli import import_command

__all__ = ["app", "log_config"]

app = typer.Typer(
    help="Leadership Live podcast platform.", no_args_is_help=True, rich_markup_mode="markdown"
)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(episode_app, name="episode")
app.add_typer(media_app, name="media")
app.add_typer(transcript_app, name="transcript")
app.add_typer(search_app, name="search")
app.add_typer(jobs_app, name="jobs")
app.add_typer(analytics_app, name="analytics")

app.command("import")(import_command)
app.command("transcribe")(transcribe_command)
app.command()(serve)
app.command()(init)
app.command()(check)
app.command()(doctor)
app.command()(worker)
