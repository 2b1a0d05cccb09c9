"""Recorder → database → counting job, on real SQLite and PostgreSQL: the replayed patterns
give exact counts, a second run counts nothing twice, and no table holds an address."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from podcast.analytics.agents import AgentList
from podcast.analytics.job import KIND, SETTLE_SECONDS, count_handler, count_requests
from podcast.analytics.keys import ListenerKeys
from podcast.analytics.models import AnalyticsSalt, Download, ListeningWindow, MediaRequest
from podcast.analytics.recorder import RequestRecorder
from podcast.core.clock import FrozenClock
from podcast.core.db import make_engine, make_sessionmaker, session_scope
from podcast.core.jobs import list_jobs, utcnow
from tests.factories import create_episode

AGENTS = AgentList()
APPLE = "Podcasts/1.0 CFNetwork/1410 Darwin/22.6.0"
OVERCAST = "Overcast/3.0 (+http://overcast.fm/; iOS podcast app)"
BOT = "Googlebot/2.1 (+http://www.google.com/bot.html)"
IP = "203.0.113.77"
T0 = datetime(2026, 11, 2, 22, 0, tzinfo=UTC)
SIZE, DURATION = 3_000_000, 180.0  # a minute is 1,000,000 bytes


def _sessions(client: TestClient):  # type: ignore[no-untyped-def]
    app = client.app
    assert isinstance(app, FastAPI)
    return app.state.sessionmaker


def _replay(
    recorder: RequestRecorder, episode: int, pattern: list[tuple[float, str, str, int, int]]
) -> None:
    for seconds, ip, agent, first, last in pattern:
        at = (T0 + timedelta(seconds=seconds)).timestamp()
        header = "" if (first, last) == (0, SIZE - 1) else f"bytes={first}-{last}"
        recorder.record(episode, SIZE, DURATION, ip, agent, "", header, at=at)
    recorder.flush()


def _count(client: TestClient, now: datetime) -> dict[str, object]:
    with session_scope(_sessions(client)) as session:
        return count_requests(session, now)


def _downloads(client: TestClient) -> list[tuple[int, datetime, str]]:
    with session_scope(_sessions(client)) as session:
        rows = session.execute(
            select(Download.episode_id, Download.at, Download.app).order_by(Download.at)
        )
        return [(e, at.astimezone(UTC), app) for e, at, app in rows]


def test_replayed_patterns_count_exactly(client: TestClient, auth: dict[str, str]) -> None:
    one = create_episode(client, auth, "One")["id"]
    two = create_episode(client, auth, "Two")["id"]
    recorder = RequestRecorder(_sessions(client), AGENTS, "podcast.example.org")
    minute = 1_000_000
    _replay(
        recorder,
        one,
        [
            (0, IP, APPLE, 0, 1),  # Apple's probe
            (1, IP, APPLE, 0, minute // 2),
            (2, IP, APPLE, minute // 2 + 1, minute),  # a minute covered: one download
            (3, IP, APPLE, minute + 1, SIZE - 1),
            (10, "198.51.100.9", OVERCAST, 0, SIZE - 1),  # Overcast's full download
            (20, "198.51.100.10", BOT, 0, SIZE - 1),  # a bot
            (3600 * 3, IP, APPLE, 0, SIZE - 1),  # the same listener, after midnight: same window
            (3600 * 25, IP, APPLE, 0, SIZE - 1),  # 25 hours later: a new download
        ],
    )
    _replay(recorder, two, [(30, IP, APPLE, 0, SIZE - 1)])
    first = _count(client, T0 + timedelta(hours=26))
    assert first["requests"] == 9
    assert (first["downloads"], first["bot"], first["probe"]) == (4, 1, 1)
    assert _downloads(client) == [
        (one, T0 + timedelta(seconds=1), "Apple Podcasts"),
        (one, T0 + timedelta(seconds=10), "Overcast"),
        (two, T0 + timedelta(seconds=30), "Apple Podcasts"),
        (one, T0 + timedelta(hours=25), "Apple Podcasts"),
    ]
    again = _count(client, T0 + timedelta(hours=26, minutes=1))
    assert again == {"requests": 0, "downloads": 0, "waiting": 0, "due_in_seconds": None}
    assert len(_downloads(client)) == 4


def test_windows_carry_over_between_runs_and_old_state_is_deleted(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)["id"]
    recorder = RequestRecorder(_sessions(client), AGENTS, "")
    _replay(recorder, episode, [(0, IP, APPLE, 0, 600_000)])
    assert _count(client, T0 + timedelta(minutes=5))["downloads"] == 0
    _replay(recorder, episode, [(600, IP, APPLE, 600_001, 1_000_000)])
    second = _count(client, T0 + timedelta(minutes=15))
    assert second["downloads"] == 1, second
    # Two days on, nothing about that listener is left but the download.
    _count(client, T0 + timedelta(days=2))
    with session_scope(_sessions(client)) as session:
        assert session.scalar(select(func.count()).select_from(MediaRequest)) == 0
        assert session.scalar(select(func.count()).select_from(ListeningWindow)) == 0
        days = set(session.scalars(select(AnalyticsSalt.day)))
        assert days <= {(T0 + timedelta(days=2)).date(), (T0 + timedelta(days=1)).date()}
        assert session.scalar(select(func.count()).select_from(Download)) == 1


def test_requests_not_yet_settled_wait_for_the_next_run(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)["id"]
    recorder = RequestRecorder(_sessions(client), AGENTS, "")
    _replay(recorder, episode, [(0, IP, OVERCAST, 0, SIZE - 1)])
    early = T0 + timedelta(seconds=SETTLE_SECONDS - 1)
    left = {"requests": 0, "downloads": 0, "waiting": 1, "due_in_seconds": 1.0}
    assert _count(client, early) == left, "says what it left and when it can be counted"
    done = _count(client, T0 + timedelta(seconds=SETTLE_SECONDS + 1))
    assert (done["downloads"], done["waiting"], done["due_in_seconds"]) == (1, 0, None)


def test_no_table_holds_the_address_or_the_user_agent(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth)["id"]
    recorder = RequestRecorder(_sessions(client), AGENTS, "")
    _replay(recorder, episode, [(0, IP, OVERCAST, 0, SIZE - 1)])
    _count(client, T0 + timedelta(minutes=5))
    with session_scope(_sessions(client)) as session:
        for table in ("media_requests", "listening_windows", "downloads", "analytics_salts"):
            for row in session.execute(text(f"SELECT * FROM {table}")):
                flat = " ".join(str(value) for value in row)
                assert IP not in flat and "203.0.113" not in flat
                assert "Overcast/3.0" not in flat


def test_flushes_keep_one_count_queued_that_traffic_never_postpones(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Queue time is wall time; the recorder's clock (the app's) says how far off the first
    request's turn is. Later flushes never move the job later, but one with a request already
    old enough (a write that failed earlier and was retried) moves it to now."""
    episode = create_episode(client, auth)["id"]
    clock = FrozenClock(T0)
    recorder = RequestRecorder(_sessions(client), AGENTS, "", clock=clock)
    before = utcnow()
    for seconds in (0, 60, 120):
        clock.set(T0 + timedelta(seconds=seconds))
        _replay(recorder, episode, [(seconds, IP, OVERCAST, 0, SIZE - 1)])
    with session_scope(_sessions(client)) as session:
        (queued,) = list_jobs(session, kind=KIND)
        assert queued.status == "queued"
        due = queued.run_at - before
        assert timedelta(seconds=SETTLE_SECONDS) < due < timedelta(seconds=SETTLE_SECONDS + 2)
    clock.set(T0 + timedelta(seconds=180))
    _replay(recorder, episode, [(0, "198.51.100.1", OVERCAST, 0, SIZE - 1)])
    with session_scope(_sessions(client)) as session:
        (queued,) = list_jobs(session, kind=KIND)
        assert queued.run_at - utcnow() < timedelta(seconds=1), "moved earlier, to now"


def test_the_flood_rule_spans_runs(client: TestClient, auth: dict[str, str]) -> None:
    """A client's earlier (already counted) requests count toward its 24-hour limit in a later
    run: the history is read back for the clients of the new batch."""
    episode = create_episode(client, auth)["id"]
    recorder = RequestRecorder(_sessions(client), AGENTS, "")
    limit = 5
    first = [(n, "198.51.100.50", f"{OVERCAST} {n}", 0, SIZE - 1) for n in range(limit)]
    _replay(recorder, episode, first)
    with session_scope(_sessions(client)) as session:
        assert (
            count_requests(session, T0 + timedelta(minutes=5), max_client_requests=limit)[
                "downloads"
            ]
            == limit
        )
    later = [(600 + n, "198.51.100.50", f"{OVERCAST} x{n}", 0, SIZE - 1) for n in range(3)]
    _replay(recorder, episode, later)
    with session_scope(_sessions(client)) as session:
        second = count_requests(session, T0 + timedelta(minutes=20), max_client_requests=limit)
    assert (second["downloads"], second["flood"]) == (0, 3)


def test_a_failed_write_keeps_the_rows_for_the_next_flush(
    client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    """The database is really unreachable for one flush (a sessionmaker on a file that cannot
    be opened); the next flush, on the real database, writes those rows too."""
    episode = create_episode(client, auth)["id"]
    broken = make_sessionmaker(make_engine(f"sqlite:///{tmp_path}/missing/dir/x.db"))
    recorder = RequestRecorder(broken, AGENTS, "")
    recorder._keys = ListenerKeys(_sessions(client))  # salts readable; the write fails
    recorder.record(episode, SIZE, DURATION, IP, OVERCAST, "", "", at=T0.timestamp())
    with pytest.raises(OperationalError):
        recorder.flush()
    recorder._sessions = _sessions(client)
    assert recorder.flush() == 1
    with session_scope(_sessions(client)) as session:
        assert session.scalar(select(func.count()).select_from(MediaRequest)) == 1


def test_two_replicas_flushing_while_counts_run_count_each_download_once(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Two recorders (two replicas) flush in rounds while two workers run the count job's
    handler over and over: every download is counted exactly once, nothing is left, and at
    most one count is ever queued."""
    episode = create_episode(client, auth)["id"]
    sessions = _sessions(client)
    handler = count_handler(sessions, FrozenClock(T0 + timedelta(hours=1)))
    replicas = [RequestRecorder(sessions, AGENTS, "") for _ in range(2)]
    rounds = 6
    done = threading.Event()

    def replica(n: int) -> None:
        for r in range(rounds):
            for k in range(5):
                ip = f"198.51.{n}.{r * 5 + k}"
                at = (T0 + timedelta(seconds=r)).timestamp()
                replicas[n].record(episode, SIZE, DURATION, ip, OVERCAST, "", "", at=at)
            replicas[n].flush()

    def worker() -> None:
        while not done.is_set():
            handler(None, {})  # type: ignore[arg-type]  # the count handler reads no context

    workers = [threading.Thread(target=worker) for _ in range(2)]
    flushing = [threading.Thread(target=replica, args=(n,)) for n in range(2)]
    for thread in (*workers, *flushing):
        thread.start()
    for thread in flushing:
        thread.join(timeout=60)
    done.set()
    for thread in workers:
        thread.join(timeout=60)
    handler(None, {})  # type: ignore[arg-type]
    with session_scope(sessions) as session:
        assert session.scalar(select(func.count()).select_from(Download)) == 2 * rounds * 5
        left = select(func.count()).where(MediaRequest.processed.is_(False))
        assert session.scalar(left) == 0
        assert len([j for j in list_jobs(session, kind=KIND) if j.status == "queued"]) <= 1
