"""Benchmark: what one request of each common kind costs the server, for capacity planning
(docs/scaling.md).

Run: ``.venv/bin/python bench/costs.py`` from the repository root (about 1.5 minutes;
``--duration 10`` for longer runs). Needs ``wrk``, and moto (``.[test]``) for the redirect
row. Figures and what they mean for capacity: docs/scaling.md.

``podcast serve`` exactly as the README starts it (1 worker, uvloop, httptools, no access log,
SQLite and the local media folder), on a show the size of an average one in docs/scaling.md:
``--episodes`` (25) published episodes with ~1 KB of notes, audio and a 20-minute transcript
(600 cues), plus one with a 4 MiB MP3. Then, for each load, ``wrk -t1 -c10`` for
``--duration`` seconds after a 1 s warm-up:

* the feed from the cache (200, no gzip), and a 304 (``If-None-Match``);
* media: a 1 MiB range of the 4 MiB file, **proxied** (read from the local folder and sent by
  the app), and, on a second installation with media in S3 (moto's server, in this process),
  the **redirect** (302 to a presigned URL; the app never touches the bytes);
* the episode page (``/episodes/{slug}``: player, notes, the first 200 cues);
* a search (``/api/search?q=compassion culture``: two words found in every transcript).

Per load: requests/s and latency as wrk saw them, and the server's CPU (user + system from
``/proc``) divided by the requests it answered: CPU ms per request, the figure that scales
(requests/s per core = 1000 / CPU ms). wrk shares the machine's cores with the server, so
requests/s is a floor; CPU ms per request is steadier, but on a busy machine both are worse
than on a quiet one.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    FIXTURE_MP3,
    MIB,
    WRK_DONE,
    Podcast,
    Server,
    Table,
    WrkResult,
    build_mp3,
    fail,
    free_port,
    machine_line,
    podcast_serve,
    require_tools,
    run_main,
    run_wrk,
    temp_dir,
    write_wrk_scripts,
)
from bench.pages import big_vtt

NOTES = (
    "<p>In this episode we talk about compassionate leadership in the NHS: how teams build "
    "psychological safety, what listening looks like on a busy ward, and why kindness is a "
    "clinical intervention. Our guests share what changed in their trusts and what did not.</p>"
) * 3
QUERY = "compassion culture"


@dataclass
class Load:
    label: str
    path: str
    script: Path
    expect: int  # the status of a first request, checked before wrk runs
    headers: dict[str, str] = field(default_factory=dict)  # of that first request


def seed(podcast: Podcast, server: Server, episodes: int, rnd: random.Random) -> dict[str, Any]:
    """``episodes`` published episodes with audio and a transcript; returns the last one."""
    import httpx

    audio = FIXTURE_MP3.read_bytes()
    last: dict[str, Any] = {}
    with httpx.Client(headers=podcast.auth, timeout=60) as api:
        for n in range(1, episodes + 1):
            created = api.post(
                server.url("/api/episodes"),
                json={"title": f"Episode {n}: leading with compassion", "show_notes": NOTES},
            )
            if created.status_code != 201:
                fail(f"POST /api/episodes: {created.status_code} {created.text[:300]}")
            last = created.json()
            put = api.put(
                server.url(f"/api/episodes/{last['id']}/audio"),
                content=audio,
                headers={"Content-Type": "audio/mpeg"},
            )
            if put.status_code != 200:
                fail(f"audio upload: {put.status_code} {put.text[:300]}")
            transcript = api.put(
                server.url(f"/api/episodes/{last['id']}/transcript"),
                content=big_vtt(600, rnd),
                headers={"Content-Type": "text/vtt"},
            )
            if transcript.status_code != 201:
                fail(f"transcript upload: {transcript.status_code} {transcript.text[:300]}")
            podcast.publish(server, last["id"])
    return last


def big_episode(podcast: Podcast, server: Server, mp3: Path) -> str:
    """An episode with ``mp3`` as its audio, published; returns its media path."""
    import httpx

    episode = podcast.create_episode(server, "The long one")
    with mp3.open("rb") as body:
        put = httpx.put(
            server.url(f"/api/episodes/{episode['id']}/audio"),
            content=body,
            headers={**podcast.auth, "Content-Type": "audio/mpeg"},
            timeout=120,
        )
    if put.status_code != 200:
        fail(f"audio upload: {put.status_code} {put.text[:300]}")
    published = podcast.publish(server, episode["id"])
    url: str = published["audio"]["url"]
    return url.removeprefix(podcast.base_url)


def header_script(workdir: Path, name: str, headers: dict[str, str]) -> Path:
    path = workdir / f"{name}.lua"
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return path


def measure(server: Server, loads: list[Load], duration: int, table: Table) -> None:
    import httpx

    for load in loads:
        probe = httpx.get(server.url(load.path), headers=load.headers, timeout=30)
        if probe.status_code != load.expect:
            fail(f"{load.label}: expected {load.expect}, got {probe.status_code}")
        run_wrk(
            server.url(load.path),
            script=load.script,
            duration=1,
            connections=10,
            cpu_pid=server.pid,
        )
        result = run_wrk(
            server.url(load.path),
            script=load.script,
            duration=duration,
            connections=10,
            cpu_pid=server.pid,
        )
        add_row(table, load, result, len(probe.content))


def add_row(table: Table, load: Load, result: WrkResult, size: int) -> None:
    if result.error_count:
        fail(f"{load.label}: wrk saw errors {result.errors}")
    cpu_ms = result.srv_us_per_request / 1000
    table.add(
        load.label,
        f"{size:,}",
        f"{result.rps:,.0f}",
        f"{cpu_ms:.2f}",
        f"{1000 / cpu_ms:,.0f}",
        f"{result.p50_ms:.1f}",
        f"{result.p99_ms:.1f}",
        f"{result.srv_cores:.2f}",
    )


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per load (5)")
    parser.add_argument("--episodes", type=int, default=25, help="episodes in the show (25)")
    args = parser.parse_args()
    tools = require_tools("wrk")
    rnd = random.Random(7)
    workdir = temp_dir(stack, "podcast-bench-costs-")
    print(f"bench/costs.py: {machine_line()}; load average {os.getloadavg()[0]:.1f}")

    port = free_port()
    podcast = Podcast(workdir / "data", f"http://127.0.0.1:{port}")
    podcast.init()
    server = stack.enter_context(podcast_serve(port=port, workdir=workdir, env=podcast.env))
    episode = seed(podcast, server, args.episodes, rnd)
    mp3 = workdir / "long.mp3"
    size = build_mp3(mp3, 4 * MIB)
    media = big_episode(podcast, server, mp3)
    mp3.unlink()

    import httpx

    etag = httpx.get(server.url("/feed.xml"), timeout=30).headers["ETag"]
    _, ranges = write_wrk_scripts(workdir, size)
    plain = header_script(workdir, "plain", {})
    table = Table(
        [
            "request",
            "bytes",
            "req/s",
            "CPU ms/req",
            "req/s/core",
            "p50 ms",
            "p99 ms",
            "server cores",
        ]
    )
    table.right = {1, 2, 3, 4, 5, 6, 7}
    measure(
        server,
        [
            Load("feed from the cache (200)", "/feed.xml", plain, 200),
            Load(
                "feed, 304 (If-None-Match)",
                "/feed.xml",
                header_script(workdir, "etag", {"If-None-Match": etag.replace('"', '\\"')}),
                304,
                {"If-None-Match": etag},
            ),
            Load("media, proxied 1 MiB range", media, ranges, 206, {"Range": f"bytes=0-{MIB - 1}"}),
            Load("episode page", f"/episodes/{episode['slug']}", plain, 200),
            Load("search (API)", f"/api/search?q={QUERY.replace(' ', '%20')}", plain, 200),
        ],
        args.duration,
        table,
    )
    redirect(stack, workdir, args.duration, table)
    print(f"\nOne `podcast serve` worker, wrk -t1 -c10, {args.duration} s per load:\n")
    print(table.render())
    print(f"\n(wrk is {tools['wrk']}; req/s/core = 1000 / CPU ms per request.)")


def redirect(stack: contextlib.ExitStack, workdir: Path, duration: int, table: Table) -> None:
    """The media redirect: the same app with media in S3 (moto's server), 302s measured."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        print("(no moto: the redirect row is skipped; pip install -e '.[test]')")
        return
    import boto3

    s3_port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=s3_port, verbose=False)
    moto.start()
    stack.callback(moto.stop)
    endpoint = f"http://127.0.0.1:{s3_port}"
    keys = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench-secret"}
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", **_lower(keys)
    ).create_bucket(Bucket="bench")
    port = free_port()
    podcast = Podcast(workdir / "s3-data", f"http://127.0.0.1:{port}")
    podcast.init()
    env = (
        podcast.env
        | keys
        | {
            "AWS_DEFAULT_REGION": "us-east-1",
            "PODCAST_STORAGE": "s3",
            "PODCAST_S3_BUCKET": "bench",
            "PODCAST_S3_ENDPOINT_URL": endpoint,
            "PODCAST_SECRET_KEY": secrets.token_urlsafe(32),
            "PODCAST_MEDIA_DELIVERY": "redirect",
        }
    )
    server = stack.enter_context(podcast_serve(port=port, workdir=workdir, env=env, name="s3"))
    media = big_episode(podcast, server, FIXTURE_MP3)
    plain = header_script(workdir, "plain", {})
    measure(server, [Load("media, redirect to S3 (302)", media, plain, 302)], duration, table)


def _lower(keys: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in keys.items()}


if __name__ == "__main__":
    sys.exit(run_main(main))
