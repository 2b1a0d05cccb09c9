"""Benchmark: counting one million recorded enclosure requests into downloads.

Run: ``.venv/bin/python bench/analytics.py [--requests 1000000]`` from the repository root.

A fresh installation in a temp folder (SQLite, as the README's Quick start) gets 200 published
episodes and ``--requests`` recorded requests over the last 20 hours, shaped like real traffic
(docs/analytics.md): Apple Podcasts' probe then three ranges, full downloads, browsers
streaming in 64 KiB ranges, bots, the same listeners coming back. They are written straight
into ``media_requests`` as the recorder would (keys already hashed: producing them is the
recorder's cost, paid a flush at a time, not the counter's). Then ``podcast analytics count``
runs as a producer would run it, timed from outside. The reference, in the same run, is the
floor any counter pays: reading the same rows from the same database file into Python tuples.
Goal (issue 16): under a minute for a million requests on this 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import REPO, Podcast, fail, machine_line, run_main, temp_dir, verdict

GOAL_SECONDS = 60.0
EPISODES = 200
SIZE, DURATION = 40_000_000, 2400.0
APPS = [
    ("Apple Podcasts", "Apple iPhone", "mobile", 0.40),
    ("Spotify", "Android Phone", "mobile", 0.20),
    ("Overcast", "Apple iPhone", "mobile", 0.10),
    ("Chrome", "Windows Computer", "computer", 0.20),
    ("Googlebot", "Unknown", "Unknown", 0.10),
]


def _pattern(rng: random.Random, app: str) -> list[tuple[int, int]]:
    """The byte ranges one visit asks for."""
    if app == "Apple Podcasts":
        return [(0, 1), (0, 65_535), (65_536, 2_000_000), (2_000_001, SIZE - 1)]
    if app == "Chrome":
        start = rng.randrange(0, SIZE // 2)
        return [(start + n * 65_536, start + (n + 1) * 65_536 - 1) for n in range(12)]
    return [(0, SIZE - 1)]


def seed(database: Path, count: int, now: datetime) -> int:
    rng = random.Random(16)
    connection = sqlite3.connect(database)
    episodes = [row[0] for row in connection.execute("SELECT id FROM episodes")]
    weights = [w for *_, w in APPS]
    rows: list[tuple[object, ...]] = []
    start = now - timedelta(hours=20)
    listeners = max(1, count // 8)
    while len(rows) < count:
        listener = rng.randrange(listeners)
        app, device, category, _ = rng.choices(APPS, weights)[0]
        episode = rng.choice(episodes)
        at = start + timedelta(seconds=rng.uniform(0, 19.5 * 3600))
        key = f"{listener:032x}"
        for n, (first, last) in enumerate(_pattern(rng, app)):
            when = (at + timedelta(seconds=n)).replace(tzinfo=None).isoformat(" ")
            rows.append(
                (
                    when,
                    episode,
                    key,
                    key[::-1],
                    f"{listener % 5000:032x}",
                    first,
                    last,
                    SIZE,
                    DURATION,
                    app,
                    device,
                    category,
                    app == "Googlebot",
                    False,
                )
            )
    del rows[count:]
    connection.executemany(
        "INSERT INTO media_requests (at, episode_id, listener, listener_prev, client, "
        "range_start, range_end, size, duration, app, device, device_category, bot, processed) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    connection.commit()
    connection.close()
    return len(rows)


def add_episodes(podcast: Podcast, now: datetime) -> None:
    connection = sqlite3.connect(podcast.data_dir / "podcast.db")
    show = connection.execute("SELECT id FROM shows").fetchone()[0]
    stamp = (now - timedelta(days=30)).replace(tzinfo=None).isoformat(" ")
    connection.executemany(
        "INSERT INTO episodes (show_id, guid, slug, title, summary, show_notes, "
        "show_notes_format, show_notes_html, status, publish_at, episode_type, explicit, people, "
        "keywords, created_at, updated_at) VALUES (?, ?, ?, ?, '', '', 'html', '', 'published', "
        "?, 'full', 0, '[]', '[]', ?, ?)",
        [
            (show, f"guid-{n}", f"episode-{n}", f"Episode {n}", stamp, stamp, stamp)
            for n in range(EPISODES)
        ],
    )
    connection.commit()
    connection.close()


def bare_read(database: Path) -> float:
    started = time.perf_counter()
    connection = sqlite3.connect(database)
    rows = connection.execute(
        "SELECT id, at, episode_id, listener, listener_prev, client, range_start, range_end, "
        "size, duration, app, device, device_category, bot FROM media_requests "
        "WHERE processed = 0 ORDER BY at, id"
    ).fetchall()
    connection.close()
    assert rows
    return time.perf_counter() - started


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    args = parser.parse_args()
    workdir = temp_dir(stack, "podcast-bench-analytics-")
    podcast = Podcast(workdir / "data", "http://127.0.0.1:8000")
    podcast.init()
    now = datetime.now(UTC)
    add_episodes(podcast, now)
    print(f"bench/analytics.py: {machine_line()}")
    started = time.perf_counter()
    seeded = seed(podcast.data_dir / "podcast.db", args.requests, now)
    print(f"seeded {seeded:,} recorded requests in {time.perf_counter() - started:.1f} s")
    reference = bare_read(podcast.data_dir / "podcast.db")
    env = {**os.environ, **podcast.env, "PYTHONPATH": str(REPO)}
    command = [str(Path(sys.executable).parent / "podcast"), "analytics", "count"]
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=workdir, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - started
    if done.returncode != 0:
        fail(f"podcast analytics count failed: {done.stderr[-2000:]}")
    print(f"podcast analytics count: {' '.join(done.stdout.split())}")
    connection = sqlite3.connect(podcast.data_dir / "podcast.db")
    downloads = connection.execute("SELECT count(*) FROM downloads").fetchone()[0]
    left = connection.execute("SELECT count(*) FROM media_requests WHERE processed = 0").fetchone()
    connection.close()
    if left[0]:
        fail(f"{left[0]} requests were not counted")
    print(f"\n{'':32}{'seconds':>10}{'requests/s':>14}")
    print(f"{'podcast analytics count':32}{took:10.1f}{seeded / took:14,.0f}")
    print(f"{'reference: bare read of rows':32}{reference:10.1f}{seeded / reference:14,.0f}")
    print(f"\ncounting / bare read: {took / reference:.1f}x; {downloads:,} downloads counted")
    print(
        f"{seeded:,} requests counted in {took:.1f} s; goal < {GOAL_SECONDS:.0f} s for "
        f"1,000,000: {verdict(took * 1_000_000 / seeded < GOAL_SECONDS)}"
    )


if __name__ == "__main__":
    sys.exit(run_main(main))
