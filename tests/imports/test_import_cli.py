"""``podcast import`` as a producer runs it: a report, the next steps, clear refusals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.imports.oldhost import OldHost

PODCAST = Path(sys.executable).parent / "podcast"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PODCAST_")}
    clean["PODCAST_DATA_DIR"] = str(tmp_path / "data")
    clean["PODCAST_IMPORT_ALLOW_PRIVATE"] = "true"
    clean["PODCAST_AUTO_TRANSCRIBE"] = "false"  # imported audio would be transcribed
    clean["COLUMNS"] = "250"  # rich wraps at 80 columns without a terminal
    yield clean


def podcast(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PODCAST), *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_import_then_again(env: dict[str, str], old_host: OldHost) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    dry = podcast(env, "import", url, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert report["dry_run"] and report["counts"]["imported"] == 2
    assert old_host.requests["/audio/anti-racist.mp3"] == 0

    done = podcast(env, "import", url)
    assert done.returncode == 0, done.stderr
    assert "2 imported" in done.stdout
    assert "Leaving the old host" in done.stdout and "itunes:new-feed-url" in done.stdout
    # `podcast check` keeps saying it until a producer clears it in show settings.
    checked = podcast(env, "check")
    assert "show-old-host" in checked.stdout and url in checked.stdout, checked.stdout

    again = podcast(env, "import", url, "--json")
    assert json.loads(again.stdout)["counts"] == {
        "imported": 0,
        "updated": 0,
        "unchanged": 2,
        "skipped": 0,
    }
    listed = podcast(env, "episode", "list")
    assert "Building anti-racist leadership in the NHS" in listed.stdout


def test_show_names_the_installations_show(env: dict[str, str], old_host: OldHost) -> None:
    env = {**env, "PODCAST_SHOW_SLUG": "staff-voices"}
    url = old_host.feed("buzzsprout-podcasting20.xml")
    other = podcast(env, "import", url, "--show", "leadership-live")
    assert other.returncode == 2
    assert "--show: this installation's show is 'staff-voices', not 'leadership-live'" in (
        " ".join(other.stderr.split())
    )
    assert sum(old_host.requests.values()) == 0

    done = podcast(env, "import", url, "--show", "staff-voices", "--no-media", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["counts"]["imported"] == 2
    listed = podcast(env, "episode", "list")
    assert "Building anti-racist leadership in the NHS" in listed.stdout


def test_refusals_are_clear(env: dict[str, str], tmp_path: Path) -> None:
    refused = podcast(env, "import", "file:///etc/passwd")
    assert refused.returncode == 1
    assert "only http and https URLs are fetched, not 'file'" in refused.stderr
    private = podcast(
        {**env, "PODCAST_IMPORT_ALLOW_PRIVATE": "false"}, "import", "http://127.0.0.1:9/feed"
    )
    assert private.returncode == 1 and "PODCAST_IMPORT_ALLOW_PRIVATE" in private.stderr
    bad_date = podcast(env, "import", "http://127.0.0.1:9/feed", "--since", "last week")
    assert bad_date.returncode == 2 and "not a date like" in bad_date.stderr


def test_an_import_killed_mid_download_leaves_nothing_half_and_resumes(
    env: dict[str, str],
    old_host: OldHost,
) -> None:
    url = old_host.feed("buzzsprout-podcasting20.xml")
    old_host.slow.add("/audio/anti-racist.mp3")  # ~3 s to download
    process = subprocess.Popen(
        [str(PODCAST), "import", url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while old_host.requests["/audio/anti-racist.mp3"] == 0:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.05)
    time.sleep(0.5)  # mid-download
    process.kill()  # SIGKILL: no clean-up runs
    process.wait()

    listed = podcast(env, "episode", "list")
    assert "Building anti-racist" not in listed.stdout  # not there at all, not half there

    old_host.slow.clear()
    resumed = podcast(env, "import", url, "--json")
    counts = json.loads(resumed.stdout)["counts"]
    assert counts["imported"] + counts["unchanged"] == 2 and counts["skipped"] == 0
    listed = podcast(env, "episode", "list")
    assert "Building anti-racist" in listed.stdout and "published" in listed.stdout
    # What the killed run had staged is garbage for gc, not a stored file.
    gc = podcast(env, "media", "gc", "--min-age", "0")
    assert gc.returncode == 0, gc.stderr
