"""Benchmark: how soon a write through one replica is visible through another (PostgreSQL).

Run: ``.venv/bin/python bench/replicas.py`` from the repository root (about 30 s; needs a
PostgreSQL server, by default ``postgresql+psycopg://postgres@127.0.0.1:5432/test``, or
``--database-url``). A private schema is created and dropped.

Two replicas are started as the README starts them (``podcast serve`` with its defaults,
through ``bench._common.podcast_serve``) on one database and one data folder, with
``PODCAST_CACHE_CHECK_INTERVAL=600`` so that only LISTEN/NOTIFY can tell replica B of a change
(the fingerprint poll would take ten minutes). Each round renames a published episode through
replica A and polls B's feed every 2 ms until the new title is in it. The reference, in the same
run: the same rename through A, read back from A itself (its own cache is dropped after its
commit, in-process). Target (issue 12): visible through every other replica in < 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
import uuid
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    FIXTURE_MP3,
    Podcast,
    Server,
    Table,
    fail,
    free_port,
    machine_line,
    podcast_serve,
    run_main,
    temp_dir,
    verdict,
)

TARGET_MS = 100.0


def _seconds_until(http: object, server: Server, title: str, timeout: float = 10.0) -> float:
    import httpx

    assert isinstance(http, httpx.Client)
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if title in http.get(server.url("/feed.xml")).text:
            return time.perf_counter() - started
        time.sleep(0.002)
    fail(f"{title!r} never appeared through {server.name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()

    def body(stack: contextlib.ExitStack) -> None:
        import httpx
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.database_url)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
            connection.commit()

        def drop() -> None:
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                connection.commit()
            admin.dispose()

        stack.callback(drop)
        separator = "&" if "?" in args.database_url else "?"
        url = f"{args.database_url}{separator}options=-csearch_path%3D{schema}"
        workdir = temp_dir(stack, "bench-replicas-")
        podcast = Podcast(workdir / "data", "http://127.0.0.1:8000")
        env = {**podcast.env, "PODCAST_DATABASE_URL": url, "PODCAST_CACHE_CHECK_INTERVAL": "600"}

        # Podcast.init writes to podcast.env's database: point it at the schema.
        from podcast.bootstrap import prepare
        from podcast.core.clock import SystemClock
        from podcast.core.db import session_scope
        from podcast.core.settings import Settings
        from podcast.core.tokens import create_token

        runtime = prepare(Settings(data_dir=podcast.data_dir, database_url=url), SystemClock())
        with session_scope(runtime.sessionmaker) as session:
            podcast.token = create_token(session, "bench", SystemClock().now())
        runtime.engine.dispose()

        a = stack.enter_context(
            podcast_serve(port=free_port(), workdir=workdir, env=env, name="replica-a")
        )
        b = stack.enter_context(
            podcast_serve(port=free_port(), workdir=workdir, env=env, name="replica-b")
        )
        api = stack.enter_context(httpx.Client(headers=podcast.auth, timeout=30))
        created = api.post(
            a.url("/api/episodes"),
            files={"file": ("plain.mp3", FIXTURE_MP3.read_bytes())},
            data={"title": "Round 0"},
        )
        if created.status_code != 201:
            fail(f"POST /api/episodes: {created.status_code} {created.text[:300]}")
        episode = created.json()
        podcast.publish(a, episode["id"])
        readers = {
            name: stack.enter_context(httpx.Client(timeout=30)) for name in ("self", "other")
        }
        for name in readers:  # warm: connections open, feeds cached
            readers[name].get((a if name == "self" else b).url("/feed.xml"))

        delays: dict[str, list[float]] = {"self": [], "other": []}
        for round_ in range(args.rounds):
            # Interleaved, so both see the same machine.
            for name in ("self", "other") if round_ % 2 else ("other", "self"):
                title = f"Round {round_} {name} {uuid.uuid4().hex[:6]}"
                patched = api.patch(a.url(f"/api/episodes/{episode['id']}"), json={"title": title})
                if patched.status_code != 200:
                    fail(f"PATCH: {patched.status_code} {patched.text[:300]}")
                target = a if name == "self" else b
                delays[name].append(_seconds_until(readers[name], target, title))

        table = Table(["read back through", "median ms", "p95 ms", "max ms"], right={1, 2, 3})
        for name, label in (("self", "the replica written to (A)"), ("other", "the other (B)")):
            values = sorted(delays[name])
            p95 = values[int(0.95 * (len(values) - 1))]
            table.add(
                label,
                f"{statistics.median(values) * 1000:.1f}",
                f"{p95 * 1000:.1f}",
                f"{values[-1] * 1000:.1f}",
            )
        print(machine_line())
        print(f"{args.rounds} renames each, PostgreSQL, poll interval 600 s\n")
        print(table.render())
        other = statistics.median(delays["other"]) * 1000
        own = statistics.median(delays["self"]) * 1000
        print(
            f"\nother replica: median {other:.1f} ms ({other / own:.2f}x the writer's own "
            f"{own:.1f} ms); target < {TARGET_MS:.0f} ms: {verdict(other < TARGET_MS)}"
        )

    return run_main(body)


if __name__ == "__main__":
    sys.exit(main())
