"""Benchmark: serving a 50 MiB episode MP3 from our app vs nginx serving the same bytes.

Run: ``.venv/bin/python bench/media.py`` from the repository root (about 1.5 minutes with the
default 5 s runs; ``--duration 10`` gives the 10 s runs of docs/performance.md in about 2.5
minutes).

A fresh installation in a temp folder gets one episode: a valid 50 MiB MP3 (the fixture's MPEG
frames repeated) uploaded with ``PUT /api/episodes/{id}/audio`` and published. ``podcast serve``
(its defaults: 1 worker, uvloop, httptools, no access log) serves its enclosure URL
``/media/{slug}.mp3``; nginx (1 worker, sendfile, ``access_log off``, ``keepalive_requests
1000000``) serves a copy of the stored file. Both are checked before timing: the full body is
identical to the file, and Range requests return 206 with the right ``Content-Range`` and bytes.

A second installation serves the same file with listener analytics off
(``PODCAST_ANALYTICS=false``): the cost of recording every enclosure request on the hot path is
the ratio of the two (issue target: on >= 0.95 of off).

Loads (``wrk -t1 -c4 --latency``): full downloads (MiB/s) and random 1 MiB-aligned 1 MiB ranges
(req/s, p99). After a 2 s warm-up per server and load, runs are interleaved ours/nginx,
nginx/ours, ours/nginx; medians are printed with the ratio ours/nginx next to the targets.
Server CPU comes from ``/proc/PID/stat`` (nginx: its worker), wrk's from its rusage.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    MIB,
    Podcast,
    Server,
    Table,
    WrkResult,
    add_load_options,
    build_mp3,
    fail,
    free_port,
    interleaved,
    machine_line,
    median,
    nginx,
    podcast_serve,
    require_tools,
    run_main,
    run_wrk,
    sha256_file,
    temp_dir,
    verdict,
    write_wrk_scripts,
)

TARGET_FULL = 0.90  # ours / nginx MiB/s
TARGET_RANGE = 0.40  # ours / nginx req/s
TARGET_ANALYTICS = 0.95  # analytics on / off, both loads
SERVERS = ("ours", "nginx", "off")  # off: ours with analytics off


@dataclass(frozen=True)
class Load:
    key: str
    label: str
    script: Path


def upload_episode(podcast: Podcast, server: Server, source: Path) -> str:
    """Create, upload and publish; returns the public media path."""
    import httpx

    episode = podcast.create_episode(server, "Media benchmark")
    resp = httpx.put(
        server.url(f"/api/episodes/{episode['id']}/audio"),
        content=source.read_bytes(),
        headers={**podcast.auth, "Content-Type": "audio/mpeg"},
        timeout=120,
    )
    if resp.status_code != 200:
        fail(f"upload refused: {resp.status_code} {resp.text[:300]}")
    podcast.publish(server, episode["id"])
    url = str(resp.json()["audio"]["url"])
    return url[url.index("/media/") :]


def verify(name: str, url: str, source: Path, size: int, sha256: str) -> None:
    """Full body identical to the file; ranges 206 with the right Content-Range and bytes."""
    import httpx

    data = source.read_bytes()
    problems: list[str] = []
    with httpx.Client(timeout=60) as client:
        digest, length = hashlib.sha256(), 0
        with client.stream("GET", url) as resp:
            if resp.status_code != 200:
                problems.append(f"GET: {resp.status_code}")
            if resp.headers.get("content-length") != str(size):
                problems.append(f"Content-Length {resp.headers.get('content-length')}")
            if "content-encoding" in resp.headers:
                problems.append(f"Content-Encoding {resp.headers['content-encoding']}")
            for chunk in resp.iter_raw():
                digest.update(chunk)
                length += len(chunk)
        if length != size or digest.hexdigest() != sha256:
            problems.append(f"full body differs ({length} bytes, sha256 {digest.hexdigest()})")
        # The aligned 1 MiB ranges wrk asks for, an unaligned one, and the last byte.
        for start, end in ((MIB, 2 * MIB - 1), (1_234_567, 3_456_789), (size - 1, size - 1)):
            resp = client.get(url, headers={"Range": f"bytes={start}-{end}"})
            expected_range = f"bytes {start}-{end}/{size}"
            if resp.status_code != 206:
                problems.append(f"Range {start}-{end}: {resp.status_code}, not 206")
            elif resp.headers.get("content-range") != expected_range:
                problems.append(f"Content-Range {resp.headers.get('content-range')!r}")
            elif resp.content != data[start : end + 1]:
                problems.append(f"Range {start}-{end}: wrong bytes")
    if problems:
        fail(f"{name} ({url}) does not serve the file correctly: " + "; ".join(problems))
    print(f"  {name:<6} {url}: full body identical (sha256), 3 Range requests 206 + right bytes")


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_load_options(parser, connections=4, runs_help="runs per server and load")
    parser.add_argument("--size-mib", type=int, default=50, help="file size (50)")
    args = parser.parse_args()
    tools = require_tools("nginx", "wrk")

    workdir = temp_dir(stack, "podcast-bench-media-")
    source = workdir / "audio.mp3"
    size = build_mp3(source, args.size_mib * MIB)
    sha = sha256_file(source)
    full_lua, range_lua = write_wrk_scripts(workdir, size)

    port = free_port()
    podcast = Podcast(workdir / "data", f"http://127.0.0.1:{port}")
    podcast.init()
    ours = stack.enter_context(
        podcast_serve(port=port, workdir=workdir, env=podcast.env, workers=args.workers)
    )
    media_path = upload_episode(podcast, ours, source)
    stored = podcast.stored_path(sha)
    www = workdir / "www"
    www.mkdir()
    shutil.copyfile(stored, www / "audio.mp3")
    ngx = stack.enter_context(nginx(www, port=free_port(), workdir=workdir, binary=tools["nginx"]))
    off_port = free_port()
    quiet = Podcast(workdir / "data-off", f"http://127.0.0.1:{off_port}")
    quiet.init()
    off_env = {**quiet.env, "PODCAST_ANALYTICS": "false"}
    off = stack.enter_context(
        podcast_serve(
            port=off_port,
            workdir=workdir,
            env=off_env,
            name="analytics-off",
            workers=args.workers,
        )
    )
    off_path = upload_episode(quiet, off, source)
    servers = {"ours": ours, "nginx": ngx, "off": off}
    urls = {"ours": ours.url(media_path), "nginx": ngx.url("/audio.mp3"), "off": off.url(off_path)}

    print(f"bench/media.py: {machine_line()}")
    print(f"file: {size:,} B ({size / MIB:.1f} MiB), stored by the app as {stored.name[:12]}...")
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s --latency (docs/performance.md: -d10s);"
        f" {args.warmup} s warm-up per server and load; {args.runs} interleaved runs\n"
    )
    print("Checks before timing:")
    for name in SERVERS:
        verify(name, urls[name], source, size, sha)

    loads = [
        Load("full", "full file", full_lua),
        Load("range", "1 MiB Range", range_lua),
    ]

    def run(load: Load, name: str, duration: int) -> WrkResult:
        return run_wrk(
            urls[name],
            script=load.script,
            duration=duration,
            connections=args.connections,
            cpu_pid=servers[name].cpu_pid,
            wrk=tools["wrk"],
        )

    print("\nRuns:")
    started = time.monotonic()
    for load in loads:
        for name in SERVERS:
            run(load, name, args.warmup)
    results: dict[tuple[str, str], list[WrkResult]] = {
        (load.key, name): [] for load in loads for name in SERVERS
    }
    for round_no, order in enumerate(interleaved(SERVERS, args.runs)):
        for load in loads:
            for name in order:
                result = run(load, name, args.duration)
                results[load.key, name].append(result)
                errors = f"  errors {result.errors}" if result.error_count else ""
                print(
                    f"  round {round_no + 1}  {load.label:<12} {name:<6} {result.rps:8.1f} req/s"
                    f"  {result.mib_s:7.0f} MiB/s  p99 {result.p99_ms:7.2f} ms  "
                    f"srv {result.srv_cores:.2f} / wrk {result.wrk_cores:.2f} cores{errors}",
                    flush=True,
                )
    print(f"\n({time.monotonic() - started:.0f} s of wrk)\n")
    report(loads, results, args.connections)


def report(loads: list[Load], results: dict[tuple[str, str], list[WrkResult]], conns: int) -> None:
    table = Table(
        [
            "load",
            "server",
            "req/s",
            "runs (req/s)",
            "MiB/s",
            "p50",
            "p99",
            "srv cores",
            "srv µs/req",
            "wrk cores",
            "errors",
        ],
        right={2, 4, 5, 6, 7, 8, 9, 10},
    )
    med: dict[tuple[str, str], dict[str, float]] = {}
    for load in loads:
        for name in SERVERS:
            runs = results[load.key, name]
            m = {
                "rps": median([r.rps for r in runs]),
                "mib_s": median([r.mib_s for r in runs]),
                "p50": median([r.p50_ms for r in runs]),
                "p99": median([r.p99_ms for r in runs]),
                "srv": median([r.srv_cores for r in runs]),
                "srv_us": median([r.srv_us_per_request for r in runs]),
                "wrk": median([r.wrk_cores for r in runs]),
            }
            med[load.key, name] = m
            table.add(
                f"{load.label}, c{conns}",
                name,
                f"{m['rps']:.1f}",
                "/".join(f"{r.rps:.0f}" for r in runs),
                f"{m['mib_s']:.0f}",
                f"{m['p50']:.2f} ms",
                f"{m['p99']:.2f} ms",
                f"{m['srv']:.2f}",
                f"{m['srv_us']:,.0f}",
                f"{m['wrk']:.2f}",
                sum(r.error_count for r in runs),
            )
    print(table.render())
    print("(each column is the median of its own runs)")

    full_ratio = med["full", "ours"]["mib_s"] / med["full", "nginx"]["mib_s"]
    range_ratio = med["range", "ours"]["rps"] / med["range", "nginx"]["rps"]
    p99_ratio = med["range", "ours"]["p99"] / med["range", "nginx"]["p99"]
    print("\nRatios ours / nginx:")
    print(
        f"  full downloads, MiB/s        {full_ratio:6.0%}   target >= {TARGET_FULL:.0%}: "
        f"{verdict(full_ratio >= TARGET_FULL)}"
    )
    print(
        f"  1 MiB ranges, req/s          {range_ratio:6.0%}   target >= {TARGET_RANGE:.0%}: "
        f"{verdict(range_ratio >= TARGET_RANGE)}"
    )
    print(f"  1 MiB ranges, p99 latency    {p99_ratio:5.1f}x   (docs/performance.md: <= 4x nginx)")
    full_on = med["full", "ours"]["mib_s"] / med["full", "off"]["mib_s"]
    range_on = med["range", "ours"]["rps"] / med["range", "off"]["rps"]
    print("Ratios analytics on / off (ours, the cost of recording each request):")
    print(
        f"  full downloads, MiB/s        {full_on:6.0%}   target >= {TARGET_ANALYTICS:.0%}: "
        f"{verdict(full_on >= TARGET_ANALYTICS)}"
    )
    print(
        f"  1 MiB ranges, req/s          {range_on:6.0%}   target >= {TARGET_ANALYTICS:.0%}: "
        f"{verdict(range_on >= TARGET_ANALYTICS)}"
    )
    print(
        "\nWhen nginx's srv cores are well below 1.0 and wrk's are near 1.0, the client/loopback"
        " is the ceiling,\nnot nginx (docs/performance.md, 'Reading the numbers')."
    )


if __name__ == "__main__":
    sys.exit(run_main(main))
