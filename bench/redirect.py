"""Benchmark: the 302 our app answers for an enclosure on S3 vs nginx answering the same 302.

Run: ``.venv/bin/python bench/redirect.py`` from the repository root (about a minute; needs
nginx, wrk and the ``weed`` binary of ``.[test]``).

SeaweedFS is started in a temp folder (as the tests start it: signatures checked) with a fresh
bucket; ``podcast serve`` (its defaults: 1 worker, uvloop, httptools, no access log) runs with
``PODCAST_STORAGE=s3`` on it and ``PODCAST_MEDIA_DELIVERY=redirect`` (presigned URLs). One
episode gets a real 4 MiB MP3 (the fixture's MPEG frames repeated), uploaded through the API and
published. Checked before timing: ``/media/{slug}.mp3`` answers 302 with no body and a
``private`` Cache-Control; followed, GET returns the uploaded bytes, HEAD the right length and
type, and a Range request 206 with the right bytes.

nginx (1 worker, ``access_log off``, ``keepalive_requests 1000000``) answers the reference:
``return 302 <the Location our app gave>;`` with the same Cache-Control and Accept-Ranges.
Load: ``wrk -t1 -c4 --latency`` on the enclosure URL (wrk does not follow redirects: each
request is one 302). 2 s warm-up per server, then runs interleaved ours/nginx, nginx/ours,
ours/nginx; medians and the ratio ours/nginx are printed, with the server CPU per request
(``/proc/PID/stat``; nginx: its worker), the figure to compare on a busy machine.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    MIB,
    WRK_DONE,
    Podcast,
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
    seaweedfs,
    temp_dir,
)
from bench.media import upload_episode

SERVERS = ("ours", "nginx")


def verify(url: str, source: Path) -> tuple[str, str]:
    """The 302 and what following it gives; returns (Location, Cache-Control)."""
    import httpx

    data = source.read_bytes()
    problems: list[str] = []
    with httpx.Client(timeout=30) as client:
        moved = client.get(url)
        location = moved.headers.get("location", "")
        cache_control = moved.headers.get("cache-control", "")
        if moved.status_code != 302 or moved.content or not location:
            problems.append(f"GET: {moved.status_code}, {len(moved.content)} B, {location!r}")
        if not cache_control.startswith("private, max-age="):
            problems.append(f"Cache-Control {cache_control!r}")
        whole = client.get(url, follow_redirects=True)
        if whole.status_code != 200 or whole.content != data:
            problems.append(f"followed GET: {whole.status_code}, {len(whole.content)} B")
        head = client.head(url, follow_redirects=True)
        if head.status_code != 200 or head.headers.get("content-length") != str(len(data)):
            problems.append(f"followed HEAD: {head.status_code} {dict(head.headers)}")
        if head.headers.get("content-type") != "audio/mpeg":
            problems.append(f"followed HEAD: Content-Type {head.headers.get('content-type')}")
        part = client.get(url, headers={"Range": "bytes=100-199"}, follow_redirects=True)
        if part.status_code != 206 or part.content != data[100:200]:
            problems.append(f"followed Range: {part.status_code}")
    if problems:
        fail(f"{url} does not redirect correctly: " + "; ".join(problems))
    print(f"  ours   {url}: 302 ({cache_control}), followed: GET bytes identical, HEAD, Range 206")
    return location, cache_control


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_load_options(parser, connections=4, runs_help="runs per server", workers=False)
    args = parser.parse_args()
    tools = require_tools("nginx", "wrk")

    workdir = temp_dir(stack, "podcast-bench-redirect-")
    s3 = stack.enter_context(seaweedfs(workdir))
    source = workdir / "audio.mp3"
    build_mp3(source, 4 * MIB)
    port = free_port()
    podcast = Podcast(workdir / "data", f"http://127.0.0.1:{port}")
    podcast.init()
    env = {**podcast.env, **s3.env(), "PODCAST_MEDIA_DELIVERY": "redirect"}
    ours = stack.enter_context(podcast_serve(port=port, workdir=workdir, env=env))
    media_path = upload_episode(podcast, ours, source)

    print(f"bench/redirect.py: {machine_line()}")
    print(f"SeaweedFS at {s3.endpoint_url}, bucket {s3.bucket}; presigned URLs")
    print(
        f"wrk -t1 -c{args.connections} -d{args.duration}s --latency; {args.warmup} s warm-up"
        f" per server; {args.runs} interleaved runs\n"
    )
    print("Checks before timing:")
    location, cache_control = verify(ours.url(media_path), source)
    reference = (
        f'location = {media_path} {{ add_header Cache-Control "{cache_control}";'
        f' add_header Accept-Ranges bytes; return 302 "{location}"; }}'
    )
    www = temp_dir(stack, "podcast-bench-redirect-www-")
    ngx = stack.enter_context(
        nginx(
            www,
            port=free_port(),
            workdir=workdir,
            binary=tools["nginx"],
            server_directives=(reference,),
        )
    )
    import httpx

    answer = httpx.get(ngx.url(media_path))
    if answer.status_code != 302 or answer.headers.get("location") != location:
        fail(f"nginx reference: {answer.status_code} {answer.headers}")
    print(f"  nginx  {ngx.url(media_path)}: 302 to the same Location")

    servers = {"ours": ours, "nginx": ngx}
    script = workdir / "done.lua"
    script.write_text(WRK_DONE)

    def run(name: str, duration: int) -> WrkResult:
        return run_wrk(
            servers[name].url(media_path),
            script=script,
            duration=duration,
            connections=args.connections,
            cpu_pid=servers[name].cpu_pid,
            wrk=tools["wrk"],
        )

    print("\nRuns:")
    started = time.monotonic()
    for name in SERVERS:
        run(name, args.warmup)
    results: dict[str, list[WrkResult]] = {name: [] for name in SERVERS}
    for round_no, order in enumerate(interleaved(SERVERS, args.runs)):
        for name in order:
            result = run(name, args.duration)
            results[name].append(result)
            # wrk counts answers of 400 and above as "status" errors: none are expected.
            others = {k: v for k, v in result.errors.items() if v}
            print(
                f"  round {round_no + 1}  {name:<6} {result.rps:9.1f} req/s"
                f"  p99 {result.p99_ms:6.2f} ms  srv {result.srv_cores:.2f} /"
                f" wrk {result.wrk_cores:.2f} cores{f'  errors {others}' if others else ''}",
                flush=True,
            )
            if others:
                fail(f"{name}: errors during the run: {others}")
    print(f"\n({time.monotonic() - started:.0f} s of wrk)\n")

    table = Table(
        ["server", "req/s", "p50 ms", "p99 ms", "srv µs/req", "srv cores", "wrk cores"],
        right={1, 2, 3, 4, 5, 6},
    )
    rps = {}
    for name in SERVERS:
        runs = results[name]
        rps[name] = median([r.rps for r in runs])
        table.add(
            name,
            f"{rps[name]:,.0f}",
            f"{median([r.p50_ms for r in runs]):.2f}",
            f"{median([r.p99_ms for r in runs]):.2f}",
            f"{median([r.srv_us_per_request for r in runs]):,.0f}",
            f"{median([r.srv_cores for r in runs]):.2f}",
            f"{median([r.wrk_cores for r in runs]):.2f}",
        )
    print(table.render())
    print("(each column is the median of its own runs)")
    print(f"\n302s per second, ours / nginx: {rps['ours'] / rps['nginx']:.0%}")


if __name__ == "__main__":
    sys.exit(run_main(main))
