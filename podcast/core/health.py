"""Health checks: named callables that raise when what they check does not work.

``/healthz`` runs the ones ``create_app`` puts on ``app.state.health_checks`` (the database and
the storage; the job queue adds ``"queue"`` the same way) and answers only ``ok`` or
``unavailable`` for each: why a check failed goes to the log, never into the response, where
it could tell anyone the database's host or a path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from sqlalchemy import Engine, text

log = logging.getLogger(__name__)

# A check returns when all is well and raises (anything) when not.
Check = Callable[[], None]


def run_checks(checks: Mapping[str, Check]) -> dict[str, str]:
    """``{name: "ok" | "unavailable"}``, every check run; failures logged with their cause."""
    results = {}
    for name, check in checks.items():
        try:
            check()
        except Exception:
            log.warning("health check %r failed", name, exc_info=True, extra={"check": name})
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    return results


def database_check(engine: Engine) -> Check:
    """The database answers a ``SELECT 1`` (a reader: never waits for SQLite's write lock)."""

    def check() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    return check
