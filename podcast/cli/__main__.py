"""``python -m podcast.cli``: the same as the ``podcast`` console script."""

from podcast.cli import app

app()
