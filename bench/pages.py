"""Benchmark: the episode page of an episode with a 100,000-cue transcript, vs nginx.

Run: ``.venv/bin/python bench/pages.py`` from the repository root (about 2 minutes; needs nginx).

A fresh installation in a temp folder is served as the README starts it (``podcast
serve`` with its defaults, through ``bench._common.podcast_serve``). Two published
episodes get transcripts uploaded through ``PUT /api/episodes/{id}/transcript``:

* a WebVTT of 100,000 cues (~7.8 MB, under the 10 MiB limit; 2 s a cue, 3 speakers);
* a word-level Podcasting 2.0 JSON of 100,000 one-word segments, as ASR tools write.

Then, for each: the first requests after the upload (cold caches), among them 3 parallel
requests for the episode page, with the server's peak RSS growth (``VmHWM``) around them;
then warm loads: ``--requests`` sequential requests and 3 threads doing as many in parallel,
median and p95 latency (httpx, keep-alive, one client per thread), response size, and RSS
before and after. nginx (1 worker, sendfile, no access log) serves a saved copy of the very
bytes our episode page and our ``.vtt`` answered, with the same client and method: the
reference. Targets (issue 9, part 6): the episode page under 150 ms and under 1 MB whatever
the transcript; memory bounded (RSS growth within the render caches' bounds, ~100 MiB).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    FIXTURE_MP3,
    MIB,
    Podcast,
    Server,
    Table,
    fail,
    free_port,
    machine_line,
    nginx,
    podcast_serve,
    require_tools,
    run_main,
    status_kib,
    temp_dir,
    verdict,
)

TARGET_MS = 150.0
TARGET_BYTES = 1024 * 1024
CACHE_BOUND_MIB = 100  # 64 MiB files + 32 MiB fragments + 4 MiB plans (see the modules)
SPEAKERS = ["Lorna Krisson", "Ayo Barley", "Priya Natarajan"]
WORDS = """the and to of we that in it you is was for so but they be this with have on
what not are as there at about all do just if or one like people our know think really
leadership team teams patients care staff nhs trust ward nurse compassion listening support
change culture kindness leaders wellbeing burnout resilience health system community
psychological safety coaching conversation learning colleagues feedback values purpose""".split()


def stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def big_vtt(cues: int, rnd: random.Random) -> bytes:
    blocks = ["WEBVTT\n"]
    for i in range(cues):
        start = i * 2000
        words = rnd.choices(WORDS, k=rnd.randint(3, 7))
        text = " ".join(words).capitalize() + "."
        speaker = SPEAKERS[i // 5 % 3]
        blocks.append(f"{stamp(start)} --> {stamp(start + 1900)}\n<v {speaker}>{text}\n")
    return "\n".join(blocks).encode()


def word_json(words: int, rnd: random.Random) -> bytes:
    segments = []
    for i in range(words):
        word = rnd.choice(WORDS) + ("." if rnd.random() < 0.08 else "")
        segments.append(
            {
                "speaker": SPEAKERS[i // 60 % 3],
                "startTime": i * 0.35,
                "endTime": round(i * 0.35 + 0.3, 3),
                "body": word,
            }
        )
    return json.dumps({"version": "1.0.0", "segments": segments}, separators=(",", ":")).encode()


@dataclass
class Sample:
    latencies_ms: list[float]
    size: int
    status: int

    @property
    def median(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=20, method="inclusive")[18]


def get_many(url: str, count: int, threads: int = 1) -> Sample:
    """``count`` GETs per thread, each thread with its own keep-alive client."""
    import httpx

    latencies: list[float] = []
    sizes: set[int] = set()
    statuses: set[int] = set()
    lock = threading.Lock()

    def worker() -> None:
        mine: list[float] = []
        with httpx.Client(timeout=120) as client:
            for _ in range(count):
                started = time.perf_counter()
                response = client.get(url)
                mine.append((time.perf_counter() - started) * 1000)
                with lock:
                    sizes.add(len(response.content))
                    statuses.add(response.status_code)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if statuses != {200}:
        fail(f"{url}: statuses {sorted(statuses)}")
    return Sample(latencies, max(sizes), 200)


def rss_mib(server: Server, key: str = "VmRSS") -> float:
    return status_kib(server.pid, key) / 1024


def reset_peak(server: Server) -> None:
    """Let VmHWM measure from now on (``/proc/PID/clear_refs`` 5), where the kernel allows."""
    with contextlib.suppress(OSError):
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")


def upload(podcast: Podcast, server: Server, title: str, body: bytes, media_type: str) -> str:
    import httpx

    episode = podcast.create_episode(server, title)
    audio = httpx.put(
        server.url(f"/api/episodes/{episode['id']}/audio"),
        content=FIXTURE_MP3.read_bytes(),
        headers={**podcast.auth, "Content-Type": "audio/mpeg"},
        timeout=60,
    )
    if audio.status_code != 200:
        fail(f"audio upload: {audio.status_code} {audio.text[:300]}")
    podcast.publish(server, episode["id"])
    started = time.perf_counter()
    response = httpx.put(
        server.url(f"/api/episodes/{episode['id']}/transcript"),
        content=body,
        headers={**podcast.auth, "Content-Type": media_type},
        timeout=600,
    )
    if response.status_code != 201:
        fail(f"transcript upload: {response.status_code} {response.text[:300]}")
    cues = response.json()["cues"]
    print(
        f"  uploaded {title!r}: {len(body) / 1e6:.1f} MB, {cues:,} cues stored in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return str(episode["slug"])


def cold(server: Server, slug: str, middle: int, table: Table, label: str) -> None:
    """First requests after an upload: 3 parallel episode pages, then the transcript's parts
    and file, each rendered for the first time."""
    before = rss_mib(server)
    reset_peak(server)
    sample = get_many(server.url(f"/episodes/{slug}"), 1, threads=3)
    peak = rss_mib(server, "VmHWM") - before
    table.add(
        f"{label}: episode page, 3 parallel, cold",
        f"{sample.size / 1024:.0f} KiB",
        f"{sample.median:.0f}",
        f"{max(sample.latencies_ms):.0f}",
        f"+{peak:.1f}",
    )
    for name, path in (
        ("whole transcript, part 1, cold", f"/episodes/{slug}/transcript"),
        ("whole transcript, middle part, cold", f"/episodes/{slug}/transcript?t={middle}"),
        (".vtt file, cold", f"/episodes/{slug}/transcript.vtt"),
        (".txt file, cold", f"/episodes/{slug}/transcript.txt"),
    ):
        before = rss_mib(server)
        reset_peak(server)
        one = get_many(server.url(path), 1)
        peak = rss_mib(server, "VmHWM") - before
        size = f"{one.size / 1024:.0f} KiB" if one.size < MIB else f"{one.size / MIB:.1f} MiB"
        table.add(f"{label}: {name}", size, f"{one.median:.0f}", "", f"+{peak:.1f}")


def warm(
    urls: dict[str, str], requests: int, ours: Server, table: Table, checks: list[str], label: str
) -> None:
    """Sequential and 3-parallel loads, ours then the reference, with RSS around ours."""
    for name, url in urls.items():
        before = rss_mib(ours)
        seq = get_many(url, requests)
        par = get_many(url, max(1, requests // 3), threads=3)
        growth = f"{rss_mib(ours) - before:+.1f}" if name.startswith("ours") else ""
        size = seq.size
        shown = f"{size / 1024:.0f} KiB" if size < MIB else f"{size / MIB:.1f} MiB"
        table.add(
            f"{label}: {name}",
            shown,
            f"{seq.median:.1f}",
            f"{seq.p95:.1f}",
            f"{par.median:.1f}",
            f"{par.p95:.1f}",
            growth,
        )
        if name == "ours, episode page":
            worst = max(seq.p95, par.p95)
            checks.append(
                f"{label}: episode page p95 {worst:.1f} ms (target < {TARGET_MS:.0f} ms: "
                f"{verdict(worst < TARGET_MS)}); {size:,} B (target < 1 MiB: "
                f"{verdict(size < TARGET_BYTES)})"
            )


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cues", type=int, default=100_000, help="cues / words (100,000)")
    parser.add_argument("--requests", type=int, default=60, help="requests per warm load (60)")
    args = parser.parse_args()
    tools = require_tools("nginx")
    rnd = random.Random(9)

    workdir = temp_dir(stack, "podcast-bench-pages-")
    port = free_port()
    podcast = Podcast(workdir / "data", f"http://127.0.0.1:{port}")
    podcast.init()
    ours = stack.enter_context(podcast_serve(port=port, workdir=workdir, env=podcast.env))
    print(f"bench/pages.py: {machine_line()}")
    start_rss = rss_mib(ours)
    print(f"server RSS after start: {start_rss:.0f} MiB")
    vtt = big_vtt(args.cues, rnd)
    words = word_json(args.cues, rnd)
    if len(vtt) > 10 * MIB or len(words) > 10 * MIB:
        fail("a generated transcript is over the 10 MiB upload limit: lower --cues")
    print("Uploads through the API:")
    slugs = {
        "VTT": upload(podcast, ours, f"A {args.cues:,}-cue WebVTT", vtt, "text/vtt"),
        "word JSON": upload(podcast, ours, f"A {args.cues:,}-word JSON", words, "application/json"),
    }
    after_upload = rss_mib(ours)
    print(f"server RSS after the uploads: {after_upload:.0f} MiB\n")

    cold_table = Table(["first requests after the upload", "size", "ms", "max ms", "peak RSS MiB"])
    cold_table.right = {1, 2, 3, 4}
    middles = {"VTT": args.cues, "word JSON": int(args.cues * 0.35 / 2)}  # seconds
    for label, slug in slugs.items():
        cold(ours, slug, middles[label], cold_table, label)
    print("Cold (each rendered for the first time; peak RSS growth from VmHWM):")
    print(cold_table.render() + "\n")

    www = workdir / "www"
    www.mkdir()
    import httpx

    page = httpx.get(ours.url(f"/episodes/{slugs['VTT']}"), timeout=60).content
    (www / "episode.html").write_bytes(page)
    vtt_file = httpx.get(ours.url(f"/episodes/{slugs['VTT']}/transcript.vtt"), timeout=60).content
    (www / "transcript.vtt").write_bytes(vtt_file)
    ngx = stack.enter_context(nginx(www, port=free_port(), workdir=workdir, binary=tools["nginx"]))
    if httpx.get(ngx.url("/episode.html")).content != page:
        fail("nginx does not serve our page's bytes")

    before_loads = rss_mib(ours)
    table = Table(
        ["warm load", "size", "seq median", "seq p95", "3-par median", "3-par p95", "RSS MiB"]
    )
    table.right = {1, 2, 3, 4, 5, 6}
    checks: list[str] = []
    loads: dict[str, Callable[[str], dict[str, str]]] = {
        "VTT": lambda slug: {
            "ours, episode page": ours.url(f"/episodes/{slug}"),
            "nginx, same bytes": ngx.url("/episode.html"),
            "ours, transcript middle part": ours.url(
                f"/episodes/{slug}/transcript?t={middles['VTT']}"
            ),
            "ours, .vtt file": ours.url(f"/episodes/{slug}/transcript.vtt"),
            "nginx, same .vtt bytes": ngx.url("/transcript.vtt"),
        },
        "word JSON": lambda slug: {
            "ours, episode page": ours.url(f"/episodes/{slug}"),
            "ours, transcript middle part": ours.url(
                f"/episodes/{slug}/transcript?t={middles['word JSON']}"
            ),
        },
    }
    for label, slug in slugs.items():
        warm(loads[label](slug), args.requests, ours, table, checks, label)
    print(
        f"Warm ({args.requests} sequential requests; 3 threads x {args.requests // 3} in "
        "parallel; latency in ms; RSS = our growth during that load):"
    )
    print(table.render() + "\n")
    growth = rss_mib(ours) - start_rss
    for line in checks:
        print(line)
    print(
        f"server RSS: {start_rss:.0f} MiB at start, {after_upload:.0f} after the uploads, "
        f"{before_loads:.0f} before the warm loads, {rss_mib(ours):.0f} at the end "
        f"(peak {rss_mib(ours, 'VmHWM'):.0f}); growth since start {growth:+.0f} MiB "
        f"(target: within the caches' ~{CACHE_BOUND_MIB} MiB: "
        f"{verdict(rss_mib(ours) - after_upload < CACHE_BOUND_MIB)})"
    )


if __name__ == "__main__":
    sys.exit(run_main(main))
