"""Shared fixtures: a real app on a real database (SQLite always, PostgreSQL when configured)."""

from __future__ import annotations

import os
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
from sqlalchemy import create_engine, text
from starlette.types import ASGIApp

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import create_token
from podcast.models import metadata

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
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
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


def empty_postgres(url: str) -> None:
    """Every table of the run's schema emptied, for the next test."""
    engine = create_engine(url)
    with engine.connect() as connection:
        names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        connection.commit()
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
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
        yield test_client


@pytest.fixture
def live_server(client: TestClient) -> Iterator[str]:
    """The same app behind a real uvicorn socket, for what only real HTTP shows (disconnects,
    chunked bodies, byte-exact ranges). Shares the app state the ``client`` fixture started."""
    with serving(client.app) as url:
        yield url


@contextmanager
def serving(app: ASGIApp) -> Iterator[str]:
    """``app`` on a real uvicorn socket in a thread, without lifespan (the caller runs it)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="off", log_level="warning")
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
