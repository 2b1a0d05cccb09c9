"""The consoles every ``podcast`` command prints to (Rich).

Written to a pipe or a file (cron, CI, ``| grep``), Rich lays out for 80 columns and cuts
table cells to fit, so a slug or an address came out as ``building-anti-rac…``, useless
exactly where it is copied from. Without a terminal, and unless ``COLUMNS`` says otherwise,
lines are as long as their content.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from rich.console import Console

_NO_TERMINAL_WIDTH = 10_000  # tables size their columns to the content, never wider


def console_for(stream: TextIO) -> Console:
    """A console for ``stream`` (``sys.stdout`` or ``sys.stderr``), wide without a terminal."""
    wide = not stream.isatty() and "COLUMNS" not in os.environ
    return Console(stderr=stream is sys.stderr, width=_NO_TERMINAL_WIDTH if wide else None)


console = console_for(sys.stdout)
errors = console_for(sys.stderr)
