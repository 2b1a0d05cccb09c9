"""podcast.media knows no model: the domains register the columns that name stored files."""

from __future__ import annotations

import subprocess
import sys

from podcast.media.store import key_columns
from podcast.models import metadata

# Named like a storage key, but not one: a job's deduplication key.
NOT_STORAGE = {("jobs", "dedupe_key")}


def _storage_columns() -> set[tuple[str, str]]:
    return {
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if (column.name == "key" or column.name.endswith("_key"))
        and (table.name, column.name) not in NOT_STORAGE
    }


def test_every_column_naming_a_stored_file_is_registered() -> None:
    registered = {(column.class_.__tablename__, column.key) for column in key_columns()}
    assert registered == _storage_columns()


def test_the_cli_registers_them_all_before_gc() -> None:
    """``podcast media gc`` must never run knowing only some of the columns."""
    code = (
        "import podcast.cli\n"
        "from podcast.media.store import key_columns\n"
        "print(sorted((c.class_.__tablename__, c.key) for c in key_columns()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(sorted(_storage_columns()))
