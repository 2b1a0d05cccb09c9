"""Benchmark: ``podcast import`` of a 300-episode feed against a bare fetch-and-parse of it.

Run: ``.venv/bin/python bench/import.py`` from the repository root (under a minute).

A feed of ``--episodes`` items is generated, each with its own small MP3 (the frames of
``tests/fixtures/plain.mp3``, about 31 KB and 5 s, behind a distinct ID3 title, so every file has
its own digest and is stored on its own), and served by ``python -m http.server`` on
127.0.0.1. Then, in the same run:

* **ours**: ``podcast import URL --json`` as the README says, as a subprocess, into a fresh
  SQLite installation (``PODCAST_IMPORT_ALLOW_PRIVATE=true`` for loopback); wall time and the
  process's peak RSS (``ru_maxrss`` from ``wait4``), and the report's counts;
* **ours, a third as many**: the same into another fresh installation, for memory;
* **ours again**: the same command a second time (nothing to download: the idempotent re-run);
* **bare fetch + parse**: httpx fetches the feed and podcastparser parses it, in-process;
* **bare fetch + parse + download**: the same, then every enclosure streamed to one scratch file
  with the same concurrency as the importer (4 threads), which is what an import cannot beat;
* **CLI start**: ``podcast --help``, the interpreter and import cost inside "ours".

Printed: seconds, episodes/s, ours against the bare download (context: ours also checks every
file, stores it content-addressed with fsync and writes each episode in its own transaction),
and the peak RSS of an import of ``--episodes`` against one of a third as many. Targets: peak
RSS under 200 MiB and within 16 MiB between the two (memory independent of the number of
episodes: audio is streamed, never held). The bench prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    FIXTURE_MP3,
    HOST,
    MIB,
    REPO,
    Table,
    fail,
    free_port,
    machine_line,
    mpeg_frames,
    run_main,
    spawn,
    stop,
    temp_dir,
    verdict,
    wait_port,
)

CONCURRENCY = 4  # the importer's default (PODCAST_IMPORT_CONCURRENCY)


def id3_title(title: str) -> bytes:
    """A minimal ID3v2.3 tag holding one TIT2 (title) frame."""
    text = b"\x00" + title.encode("latin-1")
    frame = b"TIT2" + len(text).to_bytes(4, "big") + b"\x00\x00" + text
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x03\x00\x00" + syncsafe + frame


def write_feed(root: Path, base: str, episodes: int, name: str = "feed") -> int:
    """``name``.xml and its audio under ``root``; returns the audio's total bytes."""
    frames = mpeg_frames(FIXTURE_MP3.read_bytes())
    (root / name).mkdir()
    items = []
    total = 0
    start = datetime(2020, 1, 6, 7, 0, tzinfo=UTC)
    for n in range(1, episodes + 1):
        data = id3_title(f"{name} episode {n}") + frames
        (root / name / f"ep{n}.mp3").write_bytes(data)
        total += len(data)
        items.append(
            f"<item><title>Bench episode {n}</title>"
            f'<guid isPermaLink="false">{name}-{n:04d}</guid>'
            f"<pubDate>{format_datetime(start + timedelta(days=7 * n))}</pubDate>"
            f"<description><![CDATA[<p>Episode {n} of the import bench.</p>]]></description>"
            f'<enclosure url="{base}/{name}/ep{n}.mp3" length="{len(data)}" type="audio/mpeg"/>'
            f"<itunes:episode>{n}</itunes:episode><itunes:duration>5</itunes:duration></item>"
        )
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        "<channel><title>Import bench</title><link>https://bench.example.org</link>"
        "<description>A generated feed.</description><language>en-GB</language>"
        + "".join(reversed(items))
        + "</channel></rss>"
    )
    (root / f"{name}.xml").write_text(feed)
    return total


def run_cli(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) and stdout of one ``podcast`` command."""
    podcast = Path(sys.executable).parent / "podcast"
    out = cwd / "cli.out"
    started = time.monotonic()
    with open(out, "wb") as stdout:
        proc = subprocess.Popen(
            [str(podcast), *args], env=env, cwd=cwd, stdout=stdout, stderr=subprocess.DEVNULL
        )
        _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = out.read_text()
    if proc.returncode != 0:
        fail(f"podcast {' '.join(args)} exited {proc.returncode}:\n{text[-2000:]}")
    return seconds, int(usage.ru_maxrss), text


def bare(url: str, download: bool, scratch: Path) -> tuple[float, int]:
    """Fetch and parse the feed (and download every enclosure): seconds and episodes."""
    import httpx
    import podcastparser

    started = time.monotonic()
    with httpx.Client(timeout=60) as client:
        feed = client.get(url).content
        episodes = podcastparser.parse(url, io.BytesIO(feed))["episodes"]
        if download:
            urls = [e["enclosures"][0]["url"] for e in episodes]

            def fetch(enclosure: str) -> int:
                with (
                    client.stream("GET", enclosure) as response,
                    open(scratch, "ab") as sink,
                ):
                    for chunk in response.iter_bytes(64 * 1024):
                        sink.write(chunk)
                return 1

            with ThreadPoolExecutor(CONCURRENCY) as pool:
                list(pool.map(fetch, urls))
    return time.monotonic() - started, len(episodes)


def main(stack: contextlib.ExitStack, episodes: int) -> None:
    work = temp_dir(stack, "bench-import-")
    site = work / "site"
    site.mkdir()
    port = free_port()
    base = f"http://{HOST}:{port}"
    audio_bytes = write_feed(site, base, episodes)
    small = max(1, episodes // 3)
    write_feed(site, base, small, "small")
    log = work / "http.log"
    server = spawn(
        [sys.executable, "-m", "http.server", "--bind", HOST, str(port)],
        env=dict(os.environ),
        cwd=site,
        log=log,
    )
    stack.callback(stop, server)
    wait_port(port, server, log)
    url = f"{base}/feed.xml"

    def installation(name: str) -> dict[str, str]:
        data_dir = work / name
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODCAST_")}
        return env | {
            "PODCAST_DATA_DIR": str(data_dir),
            "PODCAST_DATABASE_URL": f"sqlite:///{data_dir / 'podcast.db'}",
            "PODCAST_BASE_URL": "https://podcast.example.org",
            "PODCAST_IMPORT_ALLOW_PRIVATE": "true",
            "PYTHONPATH": str(REPO),
        }

    env = installation("data")
    print(machine_line())
    print(f"{episodes} episodes, {audio_bytes / MIB:.1f} MiB of audio, served by http.server\n")

    start_s, _rss, _ = run_cli(["--help"], env, work)
    bare_parse_s, parsed = bare(url, False, work / "scratch")
    bare_all_s, _ = bare(url, True, work / "scratch")
    ours_s, ours_rss, out = run_cli(["import", url, "--json"], env, work)
    report: dict[str, Any] = json.loads(out)
    again_s, again_rss, out_again = run_cli(["import", url, "--json"], env, work)
    small_args = ["import", f"{base}/small.xml", "--json"]
    small_s, small_rss, _ = run_cli(small_args, installation("data-small"), work)
    again: dict[str, Any] = json.loads(out_again)
    if parsed != episodes or report["counts"]["imported"] != episodes:
        fail(f"expected {episodes} episodes: parsed {parsed}, report {report['counts']}")

    table = Table(["case", "seconds", "episodes/s", "peak RSS"], right={1, 2, 3})
    table.add("CLI start (podcast --help)", f"{start_s:.2f}", "", "")
    table.add("bare fetch + parse", f"{bare_parse_s:.2f}", f"{episodes / bare_parse_s:.0f}", "")
    table.add(
        "bare fetch + parse + download", f"{bare_all_s:.2f}", f"{episodes / bare_all_s:.0f}", ""
    )
    table.add(
        "ours: podcast import",
        f"{ours_s:.2f}",
        f"{episodes / ours_s:.0f}",
        f"{ours_rss / 1024:.0f} MiB",
    )
    table.add(
        f"ours: podcast import, {small} episodes",
        f"{small_s:.2f}",
        f"{small / small_s:.0f}",
        f"{small_rss / 1024:.0f} MiB",
    )
    table.add(
        "ours again (nothing new)",
        f"{again_s:.2f}",
        f"{episodes / again_s:.0f}",
        f"{again_rss / 1024:.0f} MiB",
    )
    print(table.render())
    growth = (ours_rss - small_rss) / 1024
    print(
        f"\nours / bare fetch + parse + download: {ours_s / bare_all_s:.1f}x (context, no "
        f"target yet); peak RSS {ours_rss / 1024:.0f} MiB (target < 200 MiB): "
        f"{verdict(ours_rss / 1024 < 200)}; {episodes} vs {small} episodes: "
        f"{growth:+.0f} MiB (target: within 16 MiB, memory independent of the number of "
        f"episodes): {verdict(abs(growth) <= 16)}"
    )
    print(
        f"report: {report['counts']}, {report['bytes'] / MIB:.1f} MiB in {report['seconds']} s "
        f"(inside the process); again: {again['counts']}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--episodes", type=int, default=300)
    options = parser.parse_args()
    raise SystemExit(run_main(lambda stack: main(stack, options.episodes)))
