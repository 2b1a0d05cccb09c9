"""Micro-benchmark: what the metrics observer adds to a feed 304, the app called in process.

Run: ``.venv/bin/python bench/observer.py`` from the repository root (about 20 seconds;
``--rounds`` and ``--requests`` change the sample).

The app (``create_app``, metrics on, a fresh SQLite installation in a temp folder) is started
with its lifespan and called as an ASGI callable, no server and no socket: a conditional GET
of ``/feed.xml`` with the ETag of the first answer and ``Accept-Encoding: gzip``, answered 304
from the cached feed. Rounds alternate the app as built (``RequestObserver`` with metrics), an
observer without metrics, and no observer (``app.observer = None``); each round times
``--requests`` calls with ``time.process_time``, the process's CPU time, so other work on a
shared machine weighs less than with a wall clock. Printed per variant: the best and the median
round, per request, and what it adds over no observer (best against best).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import machine_line, run_main, temp_dir


def _scope(app: Any, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/feed.xml",
        "raw_path": b"/feed.xml",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
        "app": app,
    }


async def _measure(folder: Path, rounds: int, requests: int) -> dict[str, list[float]]:
    from podcast.app import create_app
    from podcast.core.observe import RequestObserver
    from podcast.core.settings import Settings

    settings = Settings(
        data_dir=folder,
        database_url=f"sqlite:///{folder / 'podcast.db'}",
        base_url="http://127.0.0.1:8000",
        metrics=True,
        _env_file=None,  # type: ignore[call-arg]
    )
    app: Any = create_app(settings)
    first: list[dict[str, Any]] = []

    async def keep(message: dict[str, Any]) -> None:
        first.append(message)

    async def drop(message: dict[str, Any]) -> None:
        pass

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async with app.router.lifespan_context(app):
        await app(_scope(app, []), receive, keep)
        etag = dict(first[0]["headers"])[b"etag"]
        headers = [(b"host", b"127.0.0.1"), (b"if-none-match", etag), (b"accept-encoding", b"gzip")]
        first.clear()
        await app(_scope(app, headers), receive, keep)
        assert first[0]["status"] == 304, first[0]
        built = app.observer
        variants = {
            "as built (observer and metrics)": built,
            "observer without metrics": RequestObserver(
                None, slow_request_ms=settings.slow_request_ms
            ),
            "no observer": None,
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(rounds):
            for name, observer in variants.items():
                app.observer = observer
                scope = _scope(app, headers)
                started = time.process_time()
                for _ in range(requests):
                    await app(scope, receive, drop)
                times[name].append((time.process_time() - started) / requests * 1e6)
        app.observer = built
    return times


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    print(machine_line())
    folder = temp_dir(stack, "bench-observer-")
    times = asyncio.run(_measure(folder, args.rounds, args.requests))
    bare = min(times["no observer"])
    print(f"feed 304 in process, CPU µs a request ({args.rounds} rounds of {args.requests:,}):")
    for name, values in times.items():
        extra = "" if name == "no observer" else f"  (+{min(values) - bare:.2f} µs)"
        middle = statistics.median(values)
        print(f"  {name:<32} best {min(values):5.2f}  median {middle:5.2f}{extra}")


if __name__ == "__main__":
    raise SystemExit(run_main(main))
