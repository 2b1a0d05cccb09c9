"""Does a transcription stall the web service that runs it? Feed latency idle and during.

    .venv/bin/python bench/asr_load.py [--minutes 2] [--idle-seconds 20]

Needs ``.[asr]``, espeak-ng and ffmpeg.

``podcast serve`` (1 worker, the embedded queue, so the transcription job runs inside the web
process, as on a one-machine install) gets ten published episodes and one with ``--minutes`` of
espeak-ng speech (the script of ``bench/asr.py``). A client then asks for ``/feed.xml`` and
``/api/episodes`` in turn, one request at a time with 50 ms between, for ``--idle-seconds``
with nothing else running, then again from ``POST /api/episodes/{id}/transcript/auto`` until
that job has finished. Reported: p50 and p99 latency of each phase, the transcription's time
and real-time factor (audio seconds per wall second, model load included).

Three configurations, each in a fresh server: the default (the transcription thread niced by
10, ``PODCAST_ASR_THREADS`` unset: every core), niced on one thread (a core left to requests),
and, for reference, the naive one (nice 0, every core), which is what a transcription on a
request-handling process costs when nothing is done about it. The machine
is shared: the load average is printed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path[0] = str(Path(__file__).resolve().parents[1])

import httpx  # noqa: E402

from bench._common import (  # noqa: E402
    FIXTURE_MP3,
    Podcast,
    Server,
    children_of,
    fail,
    free_port,
    machine_line,
    podcast_serve,
    require_tools,
    run_main,
    temp_dir,
)
from bench.asr import english_script, speak  # noqa: E402

PAUSE = 0.05
PATHS = ("/feed.xml", "/api/episodes")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def niced_threads(pid: int) -> set[tuple[int, str, int]]:
    """(thread id, name, nice) of the threads of ``pid`` and its children running below normal
    priority: the transcription thread and those it started (CTranslate2's, ONNX Runtime's)."""
    found = set()
    for process in (pid, *children_of(pid)):
        for task in Path(f"/proc/{process}/task").glob("*"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                stat = (task / "stat").read_text()
                name = stat[stat.index("(") + 1 : stat.rindex(")")]
                nice = int(stat.rpartition(")")[2].split()[16])
                if nice > 0:
                    found.add((int(task.name), name, nice))
    return found


def upload(podcast: Podcast, server: Server, path: Path, title: str) -> int:
    with open(path, "rb") as file:
        response = httpx.post(
            server.url("/api/episodes"),
            files={"file": (path.name, file, "audio/mpeg")},
            data={"title": title},
            headers=podcast.auth,
            timeout=120,
        )
    if response.status_code != 201:
        fail(f"upload: {response.status_code} {response.text[:300]}")
    return int(response.json()["id"])


def sample(
    client: httpx.Client, server: Server, seconds: float | None, until: Any = None
) -> dict[str, list[float]]:
    """Latencies (ms) per path, for ``seconds`` or until ``until()`` is true."""
    seen: dict[str, list[float]] = {path: [] for path in PATHS}
    start = time.monotonic()
    turn = 0
    while True:
        path = PATHS[turn % len(PATHS)]
        turn += 1
        began = time.perf_counter()
        response = client.get(server.url(path))
        seen[path].append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            fail(f"GET {path}: {response.status_code}")
        if seconds is not None and time.monotonic() - start > seconds:
            return seen
        if until is not None and turn % 20 == 0 and until():
            return seen
        time.sleep(PAUSE)


def scenario(
    stack: contextlib.ExitStack,
    name: str,
    env: dict[str, str],
    speech: Path,
    duration: float,
    idle_seconds: float,
) -> list[list[str]]:
    workdir = temp_dir(stack, f"asr-load-{name}-")
    podcast = Podcast(workdir / "data", "http://127.0.0.1")
    podcast.init()
    port = free_port()
    podcast.base_url = f"http://127.0.0.1:{port}"
    settings_env = {**podcast.env, **env, "PODCAST_AUTO_TRANSCRIBE": "false"}
    rows: list[list[str]] = []
    with podcast_serve(port=port, workdir=workdir, env=settings_env) as server:
        for index in range(10):
            episode_id = upload(podcast, server, FIXTURE_MP3, f"Episode {index + 1}")
            podcast.publish(server, episode_id)
        long_id = upload(podcast, server, speech, "A long conversation")
        with httpx.Client(timeout=60, headers=podcast.auth) as client:
            sample(client, server, 2)  # warm: the feed is built and cached
            idle = sample(client, server, idle_seconds)
            started = time.monotonic()
            response = client.post(server.url(f"/api/episodes/{long_id}/transcript/auto"))
            if response.status_code != 202:
                fail(f"transcript/auto: {response.status_code} {response.text[:300]}")
            job_url = server.url(response.headers["location"])
            outcome: dict[str, Any] = {}
            niced: set[tuple[int, str, int]] = set()

            def finished() -> bool:
                niced.update(niced_threads(server.pid))
                state = client.get(job_url).json()
                outcome.update(state)
                return state["status"] in ("succeeded", "failed", "cancelled")

            during = sample(client, server, None, until=finished)
            took = time.monotonic() - started
        if outcome.get("status") != "succeeded":
            fail(f"the transcription job ended {outcome.get('status')}: {outcome.get('error')}")
    for path in PATHS:
        for phase, values in (("idle", idle[path]), ("during", during[path])):
            rows.append(
                [
                    name,
                    path,
                    phase,
                    str(len(values)),
                    f"{statistics.median(values):.1f}",
                    f"{percentile(values, 0.99):.1f}",
                    f"{max(values):.1f}",
                ]
            )
    threads = len({tid for tid, _, _ in niced})
    nices = sorted({nice for _, _, nice in niced})
    rows.append([name, "transcription", f"{took:.0f} s", f"{duration / took:.2f}x", "", "", ""])
    rows.append([name, "niced threads", str(threads), f"nice {nices}", "", "", ""])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--idle-seconds", type=float, default=20.0)
    args = parser.parse_args()
    require_tools("espeak-ng", "ffmpeg")
    from podcast.core.settings import Settings
    from transcripts.asr.model import prepare_model

    def body(stack: contextlib.ExitStack) -> None:
        folder = temp_dir(stack, "asr-load-")
        print(machine_line(), flush=True)
        model = prepare_model(Settings(data_dir=folder / "model-data"))
        speech, duration = speak(english_script(args.minutes), "en-gb", folder, "speech")
        print(f"speech: {duration:.0f} s of espeak-ng English; load average {os.getloadavg()}")
        cores = str(len(os.sched_getaffinity(0)))
        configurations = {
            f"default (nice 10, {cores} threads)": {"PODCAST_ASR_MODEL": model},
            "nice 10, 1 thread": {"PODCAST_ASR_MODEL": model, "PODCAST_ASR_THREADS": "1"},
            f"naive (nice 0, {cores} threads)": {
                "PODCAST_ASR_MODEL": model,
                "PODCAST_ASR_NICE": "0",
                "PODCAST_ASR_THREADS": cores,
            },
        }
        rows: list[list[str]] = []
        for name, env in configurations.items():
            rows += scenario(stack, name, env, speech, duration, args.idle_seconds)
            print(f"{name}: done; load average {os.getloadavg()}", flush=True)
        header = ["configuration", "path", "phase", "requests", "p50 ms", "p99 ms", "max ms"]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))

    raise SystemExit(run_main(body))


if __name__ == "__main__":
    main()
