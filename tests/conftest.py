"""Shared fixtures: a real app on a real database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from huey import SqliteHuey
from sqlalchemy import Engine, create_engine, text
from starlette.types import ASGIApp

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.db import CHANGE_CHANNEL_SQL, make_engine, on_change, session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import create_token
from podcast.migrate import upgrade
from podcast.models import metadata
from podcast.server_protocol import HTTP_PROTOCOL

POSTGRES_URL = os.environ.get("PODCAST_TEST_POSTGRES_URL")
# Uploads in tests would otherwise each start a transcription (docs/asr.md) wherever the ASR
# extra is installed; the tests of speech recognition turn it on where they mean it.
os.environ["PODCAST_AUTO_TRANSCRIBE"] = "false"
BACKENDS = ["sqlite", "postgresql"]
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FIXTURES = Path(__file__).parent / "fixtures"


def on_postgres(statement: str) -> None:
    """Run one statement (CREATE/DROP SCHEMA ...) on the test PostgreSQL server."""
    assert POSTGRES_URL
    engine = create_engine(POSTGRES_URL)
    with engine.connect() as connection:
        connection.execute(text(statement))
        connection.commit()
    engine.dispose()


def schema_url(schema: str) -> str:
    """The test database's URL with ``schema`` as the search path."""
    assert POSTGRES_URL
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[str]:
    """A private schema for this test run, dropped at the end, so runs never collide."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need PODCAST_TEST_POSTGRES_URL")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        connection.commit()
    url = schema_url(schema)
    yield url
    emptier = _EMPTIERS.pop(url, None)
    if emptier is not None:
        emptier.dispose()
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        connection.commit()
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'podcast.db'}"
        return
    url = request.getfixturevalue("postgres_schema_url")
    yield url
    empty_postgres(url)


# One engine per schema, kept for the session: emptying it between tests on a fresh
# connection each time would pay for a new server process every test.
_EMPTIERS: dict[str, Engine] = {}


def empty_postgres(url: str) -> None:
    """Every table of the run's schema emptied and every sequence restarted, for the next test.

    DELETE, not TRUNCATE: on tables this small TRUNCATE costs ~0.4 s a test (new files for
    every table, and an exclusive lock), DELETE a few milliseconds. Children go before their
    parents; a table the models do not know yet (a newer migration) is truncated first.
    """
    engine = _EMPTIERS.get(url)
    if engine is None:
        engine = _EMPTIERS[url] = create_engine(url, pool_size=1)
    with engine.connect() as connection:
        present = set(
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        )
        known = [t.name for t in reversed(metadata.sorted_tables) if t.name in present]
        unknown = sorted(present - set(known) - {"alembic_version"})
        statements = []
        if unknown:
            names = ", ".join(f'"{name}"' for name in unknown)
            statements.append(f"TRUNCATE {names} CASCADE")
        statements += [f'DELETE FROM "{name}"' for name in known]
        statements.append(
            "SELECT setval(c.oid, 1, false) FROM pg_class c"
            " JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
        )
        connection.exec_driver_sql("; ".join(statements))
        connection.commit()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session (per xdist worker): each test's
    ``settings`` start from a copy, instead of running every migration again (~0.1 s CPU and
    dozens of fsyncs a test). Tests that take ``database_url`` alone still get no file."""
    path = tmp_path_factory.mktemp("template") / "podcast.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def queue_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded queue's SQLite file with huey's tables, made once per session: creating
    them costs ~0.05 s of fsyncs, and every app a test starts opens a queue."""
    path = tmp_path_factory.mktemp("queue-template") / "queue.db"
    SqliteHuey(name="podcast", filename=str(path), results=False).storage.close()
    return path


def from_template(database_url: str, template: Path) -> str:
    """``database_url``, whose SQLite file (if it is one and does not exist yet) is a copy of
    the migrated ``template``; the app's start-up still runs Alembic, which finds it at head."""
    if database_url.startswith("sqlite:///"):
        path = Path(database_url.removeprefix("sqlite:///"))
        if not path.exists():
            shutil.copyfile(template, path)
    return database_url


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, sqlite_template: Path, queue_template: Path
) -> Settings:
    (tmp_path / "data").mkdir(exist_ok=True)
    if not (tmp_path / "data" / "queue.db").exists():
        shutil.copyfile(queue_template, tmp_path / "data" / "queue.db")
    return Settings(
        data_dir=tmp_path / "data",
        database_url=from_template(database_url, sqlite_template),
        base_url="https://podcast.example.org",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> FastAPI:
    return create_app(settings, clock=clock)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        wait_for_change_listener(app)
        yield test_client


def wait_for_change_listener(app: FastAPI, timeout: float = 15.0) -> None:
    """PostgreSQL: return once the app's change listener (podcast/core/change_notify.py) hears
    other processes. On connecting it runs the ``on_change`` callbacks once; without this wait
    that can land inside a test that counts them, the faster the setup the likelier."""
    if app.state.engine.dialect.name != "postgresql":
        return
    heard = threading.Event()
    on_change(app.state.sessionmaker, heard.set)
    deadline = time.monotonic() + timeout
    while not heard.wait(0.05):
        assert time.monotonic() < deadline, "the change listener did not start"
        with app.state.engine.connect() as connection:  # as another process would announce
            connection.execute(text(f"SELECT pg_notify({CHANGE_CHANNEL_SQL}, 'tests')"))
            connection.commit()


@pytest.fixture
def live_server(client: TestClient) -> Iterator[str]:
    """The same app behind a real uvicorn socket, for what only real HTTP shows (disconnects,
    chunked bodies, byte-exact ranges). Shares the app state the ``client`` fixture started."""
    with serving(client.app) as url:
        yield url


@contextmanager
def serving(app: ASGIApp, *, access_log: bool = False) -> Iterator[str]:
    """``app`` on a real uvicorn socket in a thread, without lifespan (the caller runs it),
    with the server protocol and access-log default of ``podcast serve``."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, lifespan="off", log_level="warning", http=HTTP_PROTOCOL, access_log=access_log
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def token(client: TestClient) -> str:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        return create_token(session, "tests", NOW)


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# Scheduling on several workers (``pytest -n``; pyproject.toml sets ``--dist loadgroup``).
# A group's tests run on one worker, which then pays once for what the group shares: the
# speech model (loaded and joined per process) and Chromium.
GROUPS = {
    "tests/transcripts/test_asr.py": "asr",
    "tests/transcripts/test_asr_jobs.py": "asr",
    "tests/web/test_browser.py": "browser",
    "tests/web/test_editor_browser.py": "browser",
}
# Modules whose tests take seconds to tens of seconds each (real ``podcast serve`` and
# ``podcast worker`` processes, kills and restarts, SeaweedFS, many generated examples),
# most expensive first. They start before the ~2,000 short tests, which then fill in around
# them, so that no worker is left running a long test alone at the end.
SLOW_FIRST = (
    "tests/cluster/test_cluster.py",
    "tests/jobs/test_serve.py",
    "tests/episodes/test_write_bursts.py",
    "tests/jobs/test_worker_process.py",
    "tests/media/test_migrate.py",
    "tests/imports/test_import_cli.py",
    "tests/app/test_served_ops.py",
    "tests/app/test_replicas.py",
    "tests/transcripts/test_roundtrip.py",
    "tests/media/test_s3.py",
    "tests/media/test_s3_gc.py",
    "tests/episodes/test_races.py",
    "tests/test_openapi_contract.py",
    "tests/app/test_serve.py",
    "tests/media/test_key_columns.py",
)


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups first (xdist hands each to one worker), then the slow modules, then the rest,
    each in its collected order."""

    def rank(item: pytest.Item) -> tuple[int, int]:
        module = item.nodeid.split("::", 1)[0]
        if module in GROUPS:
            return (0, 0)
        if module in SLOW_FIRST or item.get_closest_marker("slow"):
            return (1, SLOW_FIRST.index(module) if module in SLOW_FIRST else 0)
        return (2, 0)

    for item in items:
        group = GROUPS.get(item.nodeid.split("::", 1)[0])
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=rank)
