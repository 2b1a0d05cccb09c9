"""Benchmark: a 200 MiB MP3 uploaded raw (PUT) and multipart (POST) against a bare endpoint.

Run: ``.venv/bin/python bench/upload.py`` from the repository root (about a minute; needs curl).

Each upload gets a freshly started ``podcast serve`` (1 worker, uvloop, httptools, no access
log), so the peak RSS (``VmHWM``) read after it belongs to that upload alone. Before the timed
upload one small warm-up upload runs through the same path (imports, threads, database), then
``VmHWM``, ``/proc/PID/io`` ``wchar`` and CPU are read; they are read again after the response.

References, measured in the same run with the same uvicorn flags: ``bare_app`` below, which
only streams ``request.stream()`` into a file on the same filesystem (no hashing, no parsing,
no fsync), fed with the same two curl bodies; and the same endpoint with an ``fsync`` before it
answers, because our upload makes the file durable before committing it (context only; the
target is against the plain bare stream). Cases run in alternating order, 3 runs each, medians
are printed. The bench prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    FIXTURE_MP3,
    MIB,
    Podcast,
    Table,
    build_mp3,
    cpu_seconds,
    fail,
    free_port,
    io_counters,
    machine_line,
    median,
    podcast_serve,
    require_tools,
    run_main,
    sha256_file,
    status_kib,
    temp_dir,
    uvicorn,
    verdict,
)

TARGET_TIME_RATIO = 1.5
TARGET_RSS_GROWTH_MIB = 8.0
TARGET_WRITE_RATIO = 1.1  # "written once": ~1.0x the file, never ~2x

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


# --------------------------------------------------------------------------------------------
# The reference: a bare ASGI endpoint that only streams the body to a file
# --------------------------------------------------------------------------------------------


async def bare_app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Any request: body -> ``$BENCH_BARE_DEST``; ``?fsync=1`` fsyncs before answering."""
    from starlette.requests import Request

    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    request = Request(scope, receive)
    size = 0
    with open(os.environ["BENCH_BARE_DEST"], "wb") as out:
        async for chunk in request.stream():
            out.write(chunk)
            size += len(chunk)
        if request.query_params.get("fsync"):
            out.flush()
            os.fsync(out.fileno())
    body = json.dumps({"bytes": size}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


# --------------------------------------------------------------------------------------------
# One upload through a fresh server
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    key: str
    label: str
    ours: bool
    multipart: bool
    fsync: bool = False


CASES = [
    Case("ours-raw", "ours: PUT raw body", ours=True, multipart=False),
    Case("ours-multipart", "ours: POST multipart", ours=True, multipart=True),
    Case("bare-raw", "bare: raw body -> file", ours=False, multipart=False),
    Case("bare-multipart", "bare: multipart body -> file", ours=False, multipart=True),
    Case(
        "bare-raw-fsync", "bare: raw body -> file + fsync", ours=False, multipart=False, fsync=True
    ),
]


@dataclass
class Upload:
    seconds: float
    hwm_before_kib: int
    hwm_after_kib: int
    wchar: int
    cpu_s: float
    check: str  # "sha256 ok" or what is wrong

    @property
    def growth_mib(self) -> float:
        return (self.hwm_after_kib - self.hwm_before_kib) / 1024


@dataclass
class Context:
    workdir: Path
    source: Path
    size: int
    sha256: str
    podcast: Podcast
    bare_dest: Path
    curl: str


def curl_upload(
    ctx: Context, url: str, path: Path, multipart: bool, headers: dict[str, str]
) -> tuple[int, float, bytes]:
    out = ctx.workdir / "response.json"
    cmd = [ctx.curl, "-s", "-o", str(out), "-w", "%{http_code} %{time_total}"]
    for name, value in headers.items():
        cmd += ["-H", f"{name}: {value}"]
    if multipart:
        cmd += ["-F", f"file=@{path};type=audio/mpeg"]
    else:
        cmd += ["-X", "PUT", "-H", "Content-Type: audio/mpeg", "--data-binary", f"@{path}"]
    cmd.append(url)
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    code, _, seconds = proc.stdout.strip().partition(" ")
    if proc.returncode != 0 or not seconds:
        fail(f"curl failed ({proc.returncode}): {proc.stdout} {proc.stderr}")
    body = out.read_bytes() if out.exists() else b""
    out.unlink(missing_ok=True)
    return int(code), float(seconds), body


def one_upload(ctx: Context, case: Case) -> Upload:
    os.sync()  # the previous upload's dirty pages must not be flushed during this one
    port = free_port()
    if case.ours:
        server = podcast_serve(port=port, workdir=ctx.workdir, env=ctx.podcast.env)
    else:
        env = {"BENCH_BARE_DEST": str(ctx.bare_dest)}
        server = uvicorn("bench.upload:bare_app", port=port, workdir=ctx.workdir, env=env)
    with server as srv:
        if case.ours:
            warm = ctx.podcast.create_episode(srv, f"warm-up {case.key}")
            url = srv.url(f"/api/episodes/{warm['id']}/audio")
            code, _, body = curl_upload(ctx, url, FIXTURE_MP3, case.multipart, ctx.podcast.auth)
            if code != 200:
                fail(f"warm-up upload: {code} {body[:300]!r}")
            episode = ctx.podcast.create_episode(srv, f"bench {case.key}")
            url = srv.url(f"/api/episodes/{episode['id']}/audio")
            headers = ctx.podcast.auth
        else:
            url = srv.url("/upload?fsync=1" if case.fsync else "/upload")
            code, _, _ = curl_upload(ctx, url, FIXTURE_MP3, case.multipart, {})
            headers = {}
        hwm0, io0, cpu0 = status_kib(srv.pid, "VmHWM"), io_counters(srv.pid), cpu_seconds(srv.pid)
        code, seconds, body = curl_upload(ctx, url, ctx.source, case.multipart, headers)
        hwm1, io1, cpu1 = status_kib(srv.pid, "VmHWM"), io_counters(srv.pid), cpu_seconds(srv.pid)
        log = srv.log
    check = check_result(ctx, case, code, body, log)
    return Upload(seconds, hwm0, hwm1, io1["wchar"] - io0["wchar"], cpu1 - cpu0, check)


def check_result(ctx: Context, case: Case, code: int, body: bytes, log: Path) -> str:
    """Is what was stored byte-identical to the upload? Then remove it for the next run."""
    if code != 200:
        return f"HTTP {code}: {body[:200]!r} (log {log})"
    if not case.ours:
        stored = ctx.bare_dest.stat().st_size
        ctx.bare_dest.unlink()
        expected = ctx.size if not case.multipart else None
        if expected is not None and stored != expected:
            return f"bare wrote {stored} bytes, expected {expected}"
        return "size ok"
    audio = (json.loads(body).get("audio") or {}) if body else {}
    if audio.get("sha256") != ctx.sha256:
        return f"response sha256 {audio.get('sha256')} != uploaded {ctx.sha256}"
    stored = ctx.podcast.stored_path(ctx.sha256)
    if not stored.is_file():
        return f"stored file {stored} missing"
    actual = sha256_file(stored)
    # Removed so the next upload stores it again (an existing file would skip fsync + rename).
    stored.unlink()
    leftovers = list((ctx.podcast.media_dir / ".incoming").glob("*"))
    if actual != ctx.sha256:
        return f"stored sha256 {actual} != uploaded {ctx.sha256}"
    if leftovers:
        return f"sha256 ok, but temp files left: {leftovers}"
    return "sha256 ok"


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=200, help="upload size (default 200)")
    parser.add_argument("--runs", type=int, default=3, help="runs per case (default 3)")
    args = parser.parse_args()
    tools = require_tools("curl")

    workdir = temp_dir(stack, "podcast-bench-upload-")
    source = workdir / "upload.mp3"
    size = build_mp3(source, args.size_mib * MIB)
    sha = sha256_file(source)
    podcast = Podcast(workdir / "data", f"http://127.0.0.1:{free_port()}")
    podcast.init()
    ctx = Context(workdir, source, size, sha, podcast, workdir / "bare-dest.bin", tools["curl"])

    print(f"bench/upload.py: {machine_line()}")
    print(f"file: {size:,} B ({size / MIB:.1f} MiB) of MPEG frames from {FIXTURE_MP3.name}")
    print(f"temp folder: {workdir} (same filesystem for our media store and the bare file)")
    print(f"{args.runs} runs per case, alternating order, fresh uvicorn per upload\n")

    results: dict[str, list[Upload]] = {c.key: [] for c in CASES}
    started = time.monotonic()
    for round_no in range(args.runs):
        order = CASES if round_no % 2 == 0 else list(reversed(CASES))
        for case in order:
            upload = one_upload(ctx, case)
            results[case.key].append(upload)
            print(
                f"  round {round_no + 1}  {case.label:<32} {upload.seconds:6.3f} s  "
                f"peak RSS {upload.hwm_before_kib / 1024:6.1f} -> "
                f"{upload.hwm_after_kib / 1024:6.1f} MiB (+{upload.growth_mib:.1f})  "
                f"wrote {upload.wchar / size:4.2f}x  "
                f"cpu {upload.cpu_s:5.2f} s  {upload.check}",
                flush=True,
            )
    print(f"\n({time.monotonic() - started:.0f} s of uploads)\n")
    report(results, size)


def report(results: dict[str, list[Upload]], size: int) -> None:
    table = Table(
        [
            "case",
            "time (median)",
            "runs (s)",
            "MiB/s",
            "srv CPU s",
            "peak RSS growth (max)",
            "written / file",
            "stored bytes",
        ],
        right={1, 3, 4, 5, 6},
    )
    med: dict[str, float] = {}
    for case in CASES:
        runs = results[case.key]
        med[case.key] = median([u.seconds for u in runs])
        checks = sorted({u.check for u in runs})
        table.add(
            case.label,
            f"{med[case.key]:.3f} s",
            "/".join(f"{u.seconds:.2f}" for u in runs),
            f"{size / MIB / med[case.key]:.0f}",
            f"{median([u.cpu_s for u in runs]):.2f}",
            f"+{max(u.growth_mib for u in runs):.1f} MiB",
            f"{median([u.wchar / size for u in runs]):.2f}x",
            "; ".join(checks),
        )
    print(table.render())

    def ratio_line(name: str, ours: str, ref: str, target: float | None) -> None:
        ratio = med[ours] / med[ref]
        tail = f"target <= {target:.1f}x: {verdict(ratio <= target)}" if target else "(context)"
        print(f"  {name:<44} {med[ours]:.3f} / {med[ref]:.3f} s = {ratio:4.2f}x   {tail}")

    print("\nTime, ours vs bare stream-to-disk (same curl body):")
    target = TARGET_TIME_RATIO
    ratio_line("raw PUT vs bare raw", "ours-raw", "bare-raw", target)
    ratio_line(
        "multipart POST vs bare multipart", "ours-multipart", "bare-multipart", TARGET_TIME_RATIO
    )
    ratio_line("multipart POST vs bare raw", "ours-multipart", "bare-raw", None)
    ratio_line("raw PUT vs bare raw + fsync", "ours-raw", "bare-raw-fsync", None)
    ratio_line("multipart POST vs bare raw + fsync", "ours-multipart", "bare-raw-fsync", None)
    fsync_cost = med["bare-raw-fsync"] - med["bare-raw"]
    print(f"  (fsync of the {size / MIB:.0f} MiB file costs about {fsync_cost:.3f} s here)")

    print("\nPeak RSS growth during the upload (VmHWM after - before), worst run:")
    for key in ("ours-raw", "ours-multipart"):
        worst = max(u.growth_mib for u in results[key])
        ok = worst < TARGET_RSS_GROWTH_MIB
        label = next(c.label for c in CASES if c.key == key)
        limit = f"target < {TARGET_RSS_GROWTH_MIB:.0f} MiB"
        print(f"  {label:<44} +{worst:.1f} MiB   {limit}: {verdict(ok)}")

    print("\nBytes written by the server process (/proc/PID/io wchar) / file size:")
    for key in ("ours-raw", "ours-multipart"):
        ratio = median([u.wchar / size for u in results[key]])
        label = next(c.label for c in CASES if c.key == key)
        ok = ratio <= TARGET_WRITE_RATIO
        print(f"  {label:<44} {ratio:.3f}x   target ~1.0x (not 2x): {verdict(ok)}")

    print("\nStored file identical to the upload (sha256 of the stored file):")
    for key in ("ours-raw", "ours-multipart"):
        label = next(c.label for c in CASES if c.key == key)
        print(f"  {label:<44} " + ", ".join(u.check for u in results[key]))


if __name__ == "__main__":
    sys.exit(run_main(main))
