"""Job handlers for the tests, given to real apps and workers the way an installation would
(``create_app(job_handlers=...)``, ``PODCAST_JOB_HANDLERS=tests.jobs.handlers:handlers``).

They keep their evidence in files named by the payload, so a test can see what ran in
another process: ``runs`` gets a line per run (``<job id> <attempt>``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from podcast.core.jobs import JobContext, JobKind, Permanent
from podcast.core.settings import Settings

BACKOFF = 0.2  # seconds before a test job's first retry


def _record(ctx: JobContext, payload: dict[str, Any]) -> int:
    runs = Path(payload["runs"])
    with runs.open("a") as file:
        file.write(f"{ctx.job_id} {ctx.attempt}\n")
    return len(runs.read_text().splitlines())


def record(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Notes the run and returns the payload's ``echo``."""
    _record(ctx, payload)
    return {"echo": payload.get("echo")}


def slow(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Reports progress until the file ``release`` exists (or ``seconds`` pass), then ends;
    stops when cancelled, unless ``ignore_cancel`` (a handler busy with one long step)."""
    _record(ctx, payload)
    release = Path(payload["release"])
    deadline = time.monotonic() + payload.get("seconds", 30)
    step = 0
    while not release.exists() and time.monotonic() < deadline:
        step += 1
        ctx.progress(min(0.9, step / 100), f"step {step}")
        if ctx.cancelled() and not payload.get("ignore_cancel"):
            return {"cancelled_at": step}
        time.sleep(0.05)
    return {"steps": step}


def flaky(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Fails its first ``failures`` runs, then succeeds."""
    count = _record(ctx, payload)
    if count <= payload["failures"]:
        raise RuntimeError(f"flaky failure {count}")
    return {"succeeded_on_run": count}


def broken(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Always fails with the payload's ``error``."""
    _record(ctx, payload)
    raise ValueError(payload["error"])


def hopeless(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Fails its first run with ``Permanent(error)``: trying again would not help."""
    _record(ctx, payload)
    raise Permanent(payload["error"])


def handlers(_settings: Settings | None = None) -> dict[str, JobKind]:
    return {
        "test.record": JobKind(record, backoff_seconds=BACKOFF),
        "test.slow": JobKind(slow, backoff_seconds=BACKOFF),
        "test.flaky": JobKind(flaky, backoff_seconds=BACKOFF),
        "test.broken": JobKind(broken, backoff_seconds=BACKOFF),
        "test.hopeless": JobKind(hopeless, backoff_seconds=BACKOFF),
    }
