"""Benchmark: building the feed from the database, and serving it against nginx.

Run: ``.venv/bin/python bench/feed.py`` from the repository root (about 5 minutes with the defaults;
``--duration 10`` gives the 10 s runs of docs/performance.md, "Method"; ``--memory-requests 0``
skips the million-request memory check).

1. **Build.** Fresh SQLite installations with 100, 1,000 and 10,000 published episodes (inserted
   directly with SQLAlchemy Core: ~1 KB of prose-like notes each, which the feed carries twice,
   as description and content:encoded, so sizes match docs/performance.md, "Feed generation";
   audio rows, artwork, season and number). Timed: our whole build, ``load_feed_data``
   (fingerprint, episode rows, transcript links) + ``build_feed`` (feedgen), then the gzip copy
   on its own; next to **bare feedgen** building the same tags (feedgen + its iTunes extension +
   our Podcasting 2.0 extension) from Python dicts prepared before the clock starts. Target:
   ours ≤ 1.5x bare.
2. **Serve.** ``podcast serve`` (its defaults: 1 worker, uvloop, httptools, no access log)
   serves the 100- and 1,000-episode installations; nginx (1 worker, sendfile, ``gzip_static
   on``) serves the bytes our app served, as ``feedN.xml`` and ``feedN.xml.gz``. Checked first:
   identical bodies, gzip bodies identical, 304s empty. Then ``wrk -t1 -c50 --latency``: 200s of
   the cached feed, 304s (each server gets its own ETag), and gzip answers; a 2 s warm-up per
   server and load, then runs interleaved ours/nginx, nginx/ours, ours/nginx; medians and
   ratios. Targets (issues 4 and 11): 100 episodes ≥ 80% of nginx req/s, 1,000 ≥ 90%; 304
   ≥ 30%; gzip from pre-compressed bytes ≥ 50% of ``gzip_static``.
3. **Memory.** Our server's RSS before and after a million more requests (304s and 200s).

Everything runs on 127.0.0.1 in temp folders that are removed at the end, on error and on
Ctrl-C (``bench._common.run_main``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import gzip
import random
import statistics
import string
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    HOST,
    WRK_DONE,
    Server,
    Table,
    WrkResult,
    add_load_options,
    fail,
    free_port,
    interleaved,
    load_average_line,
    machine_line,
    median,
    nginx,
    podcast_serve,
    require_tools,
    run_main,
    run_wrk,
    status_kib,
    temp_dir,
    verdict,
)

BASE_URL = "https://podcast.example.org"
SIZES = (100, 1_000, 10_000)
SERVED = (100, 1_000)
TARGET_BUILD = 1.5  # ours / bare feedgen, time
TARGETS = {"200": {100: 0.80, 1_000: 0.90}, "304": {100: 0.30}, "gzip": {100: 0.50, 1_000: 0.50}}
ART_KEY = "ab/" + "ab" * 32 + ".jpg"


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def _prose(rnd: random.Random, vocab: list[str], weights: list[float], words: int) -> str:
    return " ".join(rnd.choices(vocab, weights=weights, k=words))


def seed(data_dir: Path, n: int) -> None:
    """A fresh installation with ``n`` published episodes, inserted with Core for speed."""
    from sqlalchemy import insert, select

    from episodes.models import AudioFile, Episode, EpisodeType, NotesFormat, Status
    from podcast.bootstrap import prepare
    from podcast.core.clock import SystemClock
    from podcast.core.db import session_scope
    from podcast.shows.models import Show

    settings = _settings(data_dir)
    runtime = prepare(settings, SystemClock())
    rnd = random.Random(42)
    vocab = [
        "".join(rnd.choices(string.ascii_lowercase, k=rnd.randint(2, 10))) for _ in range(2000)
    ]
    weights = [1 / (r + 1) for r in range(len(vocab))]
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=n + 1)
    try:
        with session_scope(runtime.sessionmaker) as session:
            show = session.scalars(select(Show)).one()
            show.artwork_key, show.artwork_width, show.artwork_height = ART_KEY, 1400, 1400
            episodes = []
            for i in range(n):
                notes = _prose(rnd, vocab, weights, 230)[:1000]
                episodes.append(
                    {
                        "show_id": show.id,
                        "guid": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                        "slug": f"episode-{i + 1}",
                        "title": f"Episode {i + 1}: " + _prose(rnd, vocab, weights, 5),
                        "summary": notes[:200],
                        "show_notes": notes,
                        "show_notes_format": NotesFormat.HTML,
                        "show_notes_html": f"<p>{notes}</p>",
                        "status": Status.PUBLISHED,
                        "publish_at": start + timedelta(days=i),
                        "season": i // 100 + 1,
                        "episode_number": i + 1,
                        "episode_type": EpisodeType.FULL,
                        "explicit": False,
                        "people": [],
                        "keywords": [],
                        "artwork_key": ART_KEY,
                        "created_at": start,
                        "updated_at": start + timedelta(days=i),
                    }
                )
            session.execute(insert(Episode), episodes)
            ids = session.scalars(select(Episode.id).order_by(Episode.id)).all()
            session.execute(
                insert(AudioFile),
                [
                    {
                        "episode_id": episode_id,
                        "key": "cd/" + "cd" * 32 + ".mp3",
                        "sha256": "cd" * 32,
                        "size_bytes": 50_000_000 + episode_id,
                        "mime_type": "audio/mpeg",
                        "extension": "mp3",
                        "codec": "mp3",
                        "duration": 1800.4 + episode_id % 600,
                        "uploaded_at": start,
                    }
                    for episode_id in ids
                ],
            )
    finally:
        runtime.engine.dispose()


def _settings(data_dir: Path) -> Any:
    from podcast.core.settings import Settings

    return Settings(
        data_dir=data_dir,
        base_url=BASE_URL,
        database_url=f"sqlite:///{data_dir / 'podcast.db'}",
        _env_file=None,  # type: ignore[call-arg]
    )


def env_for(data_dir: Path) -> dict[str, str]:
    return {
        "PODCAST_DATA_DIR": str(data_dir),
        "PODCAST_BASE_URL": BASE_URL,
        "PODCAST_DATABASE_URL": f"sqlite:///{data_dir / 'podcast.db'}",
    }


# --------------------------------------------------------------------------------------------
# Build timing
# --------------------------------------------------------------------------------------------


@dataclass
class BuildTimes:
    n: int
    ours_ms: float
    load_ms: float
    gzip_ms: float
    bare_ms: float
    ours_bytes: int
    bare_bytes: int


def _interleaved(fns: dict[str, Callable[[], Any]], reps: int) -> dict[str, float]:
    """Median ms of each function, run in turn (a, b, c, a, b, c, ...): on a shared, noisy
    machine a slow patch then hits all of them rather than one."""
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(ts) * 1000 for name, ts in times.items()}


def time_builds(data_dir: Path, n: int, reps: int) -> BuildTimes:
    from podcast.core.clock import SystemClock
    from podcast.core.db import make_engine, make_sessionmaker, session_scope
    from podcast.feed.builder import build_feed
    from podcast.feed.data import load_feed_data

    settings = _settings(data_dir)
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    clock = SystemClock()

    def load() -> Any:
        with session_scope(sessions) as session:
            return load_feed_data(session, settings, clock.now())

    def ours() -> bytes:
        return build_feed(load(), base_url=settings.base_url, feed_url=settings.feed_url)

    try:
        data = load()  # also warms the connection pool and SQLAlchemy's statement cache
        body = ours()
        prepared = bare_input(data)
        bare_body = bare_feedgen(prepared)
        ms = _interleaved(
            {
                "ours": ours,
                "bare": lambda: bare_feedgen(prepared),
                "load": load,
                "gzip": lambda: gzip.compress(body, 6, mtime=0),
            },
            reps,
        )
    finally:
        engine.dispose()
    return BuildTimes(n, ms["ours"], ms["load"], ms["gzip"], ms["bare"], len(body), len(bare_body))


def bare_input(data: Any) -> dict[str, Any]:
    """The same content as plain Python values, shaped before the clock starts."""
    from lxml import etree

    show = data.show
    art = f"{BASE_URL}/images/{ART_KEY.split('/', 1)[1]}"
    return {
        "show": show,
        "art": art,
        "last_build": data.fingerprint.last_build,
        "items": [
            {
                "title": i.title,
                "link": f"{BASE_URL}/episodes/{i.slug}",
                "guid": i.guid,
                "pub": i.publish_at,
                "description": etree.CDATA(i.notes_html),
                "content": i.notes_html,
                "url": f"{BASE_URL}/media/{i.slug}.mp3",
                "length": str(i.audio_size),
                "type": i.audio_mime,
                "author": show.author,
                "duration": round(i.audio_duration),
                "episode": i.episode_number,
                "season": i.season,
                "image": art,
                "explicit": i.explicit,
            }
            for i in data.items
        ],
    }


def bare_feedgen(prepared: dict[str, Any]) -> bytes:
    """feedgen with no database, no text handling and no checks: the floor for our build."""
    from feedgen.feed import FeedGenerator

    from podcast.feed.podcastindex import entry_ext, register

    show = prepared["show"]
    fg = FeedGenerator()
    fg.load_extension("podcast")
    ext = register(fg)
    fg.title(show.title)
    fg.link(href=f"{BASE_URL}/feed.xml", rel="self", type="application/rss+xml")
    fg.link(href=BASE_URL, rel="alternate")
    fg.description(show.description)
    fg.language(show.language)
    fg.lastBuildDate(prepared["last_build"])
    fg.image(url=prepared["art"], title=show.title, link=BASE_URL)
    fg.podcast.itunes_image(prepared["art"])
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_owner(name=show.owner_name, email=show.owner_email)
    fg.podcast.itunes_category({"cat": show.category, "sub": show.subcategory})
    fg.podcast.itunes_type(show.show_type)
    ext.itunes_explicit(show.explicit)
    ext.guid(show.podcast_guid)
    ext.locked(show.locked, owner=show.owner_email)
    for item in prepared["items"]:
        fe = fg.add_entry(order="append")
        fe.title(item["title"])
        fe.link(href=item["link"])
        fe.guid(item["guid"], permalink=False)
        fe.pubDate(item["pub"])
        fe.description(item["description"])
        fe.content(item["content"], type="CDATA")
        fe.enclosure(item["url"], item["length"], item["type"])
        fe.podcast.itunes_title(item["title"])
        fe.podcast.itunes_author(item["author"])
        fe.podcast.itunes_duration(item["duration"])
        fe.podcast.itunes_episode(item["episode"])
        fe.podcast.itunes_season(item["season"])
        fe.podcast.itunes_episode_type("full")
        fe.podcast.itunes_image(item["image"])
        pi = entry_ext(fe)
        pi.itunes_explicit(item["explicit"])
        pi.season(item["season"])
        pi.episode(item["episode"])
    body: bytes = fg.rss_str(pretty=False)
    return body


# --------------------------------------------------------------------------------------------
# Serving
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def nginx_gzip_static(root: Path, *, port: int, workdir: Path, binary: str) -> Iterator[Server]:
    """``bench._common.nginx`` plus ``gzip_static`` (docs/performance.md, "gzip")."""
    with nginx(
        root,
        port=port,
        workdir=workdir,
        binary=binary,
        directives=("gzip_static on;", "gzip_vary on;"),
    ) as server:
        yield server


def script(workdir: Path, name: str, headers: dict[str, str]) -> Path:
    path = workdir / f"{name}.lua"

    def lua(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [f"wrk.headers[{lua(k)}] = {lua(v)}" for k, v in headers.items()]
    path.write_text("\n".join(lines) + "\n" + WRK_DONE)
    return path


def fetch(url: str, headers: dict[str, str] | None = None) -> Any:
    import httpx

    with httpx.Client(timeout=60) as client:
        response = client.get(url, headers=headers or {})
        response.read()
        return response


def raw_gzip(url: str) -> tuple[bytes, dict[str, str]]:
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or HOST, parts.port, timeout=60)
    try:
        connection.request("GET", parts.path, headers={"Accept-Encoding": "gzip"})
        response = connection.getresponse()
        return response.read(), {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


def verify(ours: Server, nginx: Server, n: int, www: Path) -> dict[str, str]:
    """Copy our bytes to nginx's root, check both serve them, and return each one's ETag."""
    plain = fetch(ours.url("/feed.xml"), {"Accept-Encoding": "identity"})
    if plain.status_code != 200 or plain.headers.get("content-encoding"):
        fail(f"our feed: {plain.status_code} {plain.headers}")
    body = plain.content
    gz, gz_headers = raw_gzip(ours.url("/feed.xml"))
    if gz_headers.get("content-encoding") != "gzip" or gzip.decompress(gz) != body:
        fail("our gzip answer does not decompress to the feed")
    items = body.count(b"<item>")
    if items != n:
        fail(f"our feed has {items} items, expected {n}")
    (www / f"feed{n}.xml").write_bytes(body)
    (www / f"feed{n}.xml.gz").write_bytes(gz)
    theirs = fetch(nginx.url(f"/feed{n}.xml"), {"Accept-Encoding": "identity"})
    their_gz, their_headers = raw_gzip(nginx.url(f"/feed{n}.xml"))
    if theirs.content != body or their_gz != gz or their_headers.get("content-encoding") != "gzip":
        fail("nginx does not serve the same bytes")
    etags = {"ours": plain.headers["etag"], "nginx": theirs.headers["etag"]}
    for name, server, path in (("ours", ours, "/feed.xml"), ("nginx", nginx, f"/feed{n}.xml")):
        cached = fetch(
            server.url(path), {"If-None-Match": etags[name], "Accept-Encoding": "identity"}
        )
        if cached.status_code != 304 or cached.content:
            fail(f"{name}: If-None-Match gave {cached.status_code} with {len(cached.content)} B")
    return etags


@dataclass(frozen=True)
class Load:
    kind: str  # "200", "304", "gzip"
    n: int
    scripts: dict[str, Path]  # per server

    @property
    def label(self) -> str:
        what = {
            "200": "200 cached feed",
            "304": "304 Not Modified",
            "gzip": "gzip (pre-compressed)",
        }
        return f"{what[self.kind]}, {self.n:,} episodes"


def serve_bench(
    stack: contextlib.ExitStack,
    args: argparse.Namespace,
    dirs: dict[int, Path],
    tools: dict[str, str],
) -> None:
    work = temp_dir(stack, "bench-feed-serve-")
    www = work / "www"
    www.mkdir()
    ours = {
        n: stack.enter_context(
            podcast_serve(
                port=free_port(),
                workdir=work,
                env=env_for(dirs[n]),
                name=f"ours{n}",
                workers=args.workers,
            )
        )
        for n in SERVED
    }
    nginx = stack.enter_context(
        nginx_gzip_static(www, port=free_port(), workdir=work, binary=tools["nginx"])
    )
    loads: list[Load] = []
    for n in SERVED:
        etags = verify(ours[n], nginx, n, www)
        plain = script(work, f"plain{n}", {})
        gz = script(work, f"gzip{n}", {"Accept-Encoding": "gzip"})
        loads.append(Load("200", n, {"ours": plain, "nginx": plain}))
        if n == 100:
            loads.append(
                Load(
                    "304",
                    n,
                    {
                        "ours": script(work, "inm-ours", {"If-None-Match": etags["ours"]}),
                        "nginx": script(work, "inm-nginx", {"If-None-Match": etags["nginx"]}),
                    },
                )
            )
        loads.append(Load("gzip", n, {"ours": gz, "nginx": gz}))
    print("verified: nginx serves our exact bytes (plain and gzip); both answer 304 empty\n")

    def url(name: str, n: int) -> str:
        return ours[n].url("/feed.xml") if name == "ours" else nginx.url(f"/feed{n}.xml")

    def server(name: str, n: int) -> Server:
        return ours[n] if name == "ours" else nginx

    def run(load: Load, name: str, duration: int) -> WrkResult:
        result = run_wrk(
            url(name, load.n),
            script=load.scripts[name],
            duration=duration,
            connections=args.connections,
            cpu_pid=server(name, load.n).cpu_pid,
            wrk=tools["wrk"],
        )
        if result.error_count:
            fail(f"{name} {load.label}: wrk errors {result.errors}")
        return result

    results: dict[tuple[str, str], list[WrkResult]] = {}
    for load in loads:
        for name in ("ours", "nginx"):
            run(load, name, args.warmup)
        for order in interleaved(("ours", "nginx"), args.runs):
            for name in order:
                results.setdefault((load.label, name), []).append(run(load, name, args.duration))
    report(loads, results)
    if args.memory_requests:
        memory(ours[100], work, args, tools)


def report(loads: list[Load], results: dict[tuple[str, str], list[WrkResult]]) -> None:
    table = Table(
        [
            "load",
            "server",
            "req/s (median)",
            "runs",
            "p50 ms",
            "p99 ms",
            "srv cores",
            "srv µs/req",
            "wrk cores",
        ],
        right={2, 4, 5, 6, 7, 8},
    )
    ratios = Table(
        ["load", "ours/nginx req/s", "target", "verdict", "p99 ours/nginx"], right={1, 2, 4}
    )
    for load in loads:
        med: dict[str, WrkResult] = {}
        for name in ("ours", "nginx"):
            runs = results[(load.label, name)]
            rps = median([r.rps for r in runs])
            best = min(runs, key=lambda r: abs(r.rps - rps))
            med[name] = best
            table.add(
                load.label,
                name,
                f"{rps:,.0f}",
                "/".join(f"{r.rps:,.0f}" for r in runs),
                f"{median([r.p50_ms for r in runs]):.2f}",
                f"{median([r.p99_ms for r in runs]):.2f}",
                f"{median([r.srv_cores for r in runs]):.2f}",
                f"{median([r.srv_us_per_request for r in runs]):,.0f}",
                f"{median([r.wrk_cores for r in runs]):.2f}",
            )
        ours = median([r.rps for r in results[(load.label, "ours")]])
        theirs = median([r.rps for r in results[(load.label, "nginx")]])
        ratio = ours / theirs
        target = TARGETS[load.kind].get(load.n)
        p99 = median([r.p99_ms for r in results[(load.label, "ours")]]) / max(
            median([r.p99_ms for r in results[(load.label, "nginx")]]), 1e-9
        )
        ratios.add(
            load.label,
            f"{ratio:.0%}",
            f"≥ {target:.0%}" if target else "-",
            verdict(ratio >= target) if target else "(context)",
            f"{p99:.1f}x",
        )
    print(table.render())
    print()
    print(ratios.render())
    print()


def memory(server: Server, work: Path, args: argparse.Namespace, tools: dict[str, str]) -> None:
    """RSS before and after ``--memory-requests`` more requests: 304s, 200s and gzip 200s."""
    etag = fetch(server.url("/feed.xml")).headers["etag"]
    mix = [
        script(work, "mem-304", {"If-None-Match": etag}),
        script(work, "mem-200", {}),
        script(work, "mem-gzip", {"Accept-Encoding": "gzip"}),
    ]
    before = status_kib(server.pid, "VmRSS")
    done, started = 0, time.monotonic()
    while done < args.memory_requests:
        for lua in mix:
            result = run_wrk(
                server.url("/feed.xml"),
                script=lua,
                duration=5,
                connections=args.connections,
                cpu_pid=server.cpu_pid,
                wrk=tools["wrk"],
            )
            done += result.requests
    after = status_kib(server.pid, "VmRSS")
    peak = status_kib(server.pid, "VmHWM")
    growth = (after - before) / 1024
    print(
        f"memory: {done:,} requests (304/200/gzip mix) in {time.monotonic() - started:.0f} s; "
        f"RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB ({growth:+.1f} MiB), "
        f"peak {peak / 1024:.1f} MiB: {verdict(abs(growth) < 5)} (flat: < 5 MiB growth)"
    )


# --------------------------------------------------------------------------------------------


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_load_options(parser, connections=50, runs_help="interleaved runs per server and load")
    parser.add_argument("--build-reps", type=int, default=9)
    parser.add_argument("--memory-requests", type=int, default=1_000_000)
    parser.add_argument("--skip-serve", action="store_true", help="only the build timings")
    args = parser.parse_args()
    tools = {} if args.skip_serve else require_tools("nginx", "wrk")
    print(f"feed benchmark: {machine_line()}; {load_average_line()}\n")

    dirs = {n: temp_dir(stack, f"bench-feed-{n}-") for n in SIZES}
    builds = Table(
        ["episodes", "ours (ms)", "of which DB load", "bare feedgen (ms)", "ours/bare", "target",
         "verdict", "gzip copy (ms)", "feed bytes", "bare bytes"],
        right={0, 1, 2, 3, 4, 7, 8, 9},
    )  # fmt: skip
    for n in SIZES:
        seed(dirs[n], n)
        reps = args.build_reps if n < 10_000 else max(1, args.build_reps // 3)
        t = time_builds(dirs[n], n, reps)
        ratio = t.ours_ms / t.bare_ms
        builds.add(
            f"{n:,}",
            f"{t.ours_ms:.1f}",
            f"{t.load_ms:.1f}",
            f"{t.bare_ms:.1f}",
            f"{ratio:.2f}x",
            f"≤ {TARGET_BUILD}x",
            verdict(ratio <= TARGET_BUILD),
            f"{t.gzip_ms:.1f}",
            f"{t.ours_bytes:,}",
            f"{t.bare_bytes:,}",
        )
    print(
        "build from the database: medians, runs interleaved ours/bare/load/gzip; ours = load +"
        " feedgen; gzip (level 6) is timed apart"
    )
    print(builds.render())
    print()
    if args.skip_serve:
        return
    serve_bench(stack, args, dirs, tools)


if __name__ == "__main__":
    raise SystemExit(run_main(main))
