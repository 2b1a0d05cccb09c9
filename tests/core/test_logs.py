"""Log lines as text or JSON (``podcast.core.logs``), for our loggers and uvicorn's."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest

from podcast.core.logs import JsonAccessFormatter, JsonFormatter, logging_config

TOUCHED = ("uvicorn", "uvicorn.error", "uvicorn.access", "podcast", "episodes", "transcripts")


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """dictConfig changes process-wide loggers: put them back for the other tests."""
    saved = {}
    for name in TOUCHED:
        logger = logging.getLogger(name)
        saved[name] = (list(logger.handlers), logger.level, logger.propagate, logger.disabled)
    yield
    for name, (handlers, level, propagate, disabled) in saved.items():
        logger = logging.getLogger(name)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


def record(name: str, message: str, *args: object, **extra: object) -> logging.LogRecord:
    rec = logging.LogRecord(name, logging.WARNING, __file__, 1, message, args, None)
    rec.__dict__.update(extra)
    return rec


def test_json_lines_carry_the_listed_fields_only() -> None:
    line = JsonFormatter().format(
        record(
            "podcast.requests",
            "slow request: %s",
            "/feed.xml",
            route="/feed.xml",
            status=200,
            duration_ms=1234.5,
            producer="alice",
            episode_id=7,
            authorization="Bearer pod_secret",  # not a listed field: never written
        )
    )
    parsed = json.loads(line)
    assert parsed["message"] == "slow request: /feed.xml"
    assert parsed["level"] == "warning" and parsed["logger"] == "podcast.requests"
    assert parsed["time"].endswith("+00:00")
    assert {k: parsed[k] for k in ("route", "status", "duration_ms", "producer", "episode_id")} == {
        "route": "/feed.xml",
        "status": 200,
        "duration_ms": 1234.5,
        "producer": "alice",
        "episode_id": 7,
    }
    assert "pod_secret" not in line


def test_json_lines_include_the_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        rec = logging.LogRecord("podcast", logging.ERROR, __file__, 1, "failed", (), None)
        import sys

        rec.exc_info = sys.exc_info()
    parsed = json.loads(JsonFormatter().format(rec))
    assert "RuntimeError: boom" in parsed["exception"]


def test_access_lines_leave_out_the_client() -> None:
    rec = record(
        "uvicorn.access",
        '%s - "%s %s HTTP/%s" %d',
        "203.0.113.9:55555",
        "GET",
        "/feed.xml",
        "1.1",
        304,
    )
    line = JsonAccessFormatter().format(rec)
    assert "203.0.113.9" not in line
    parsed = json.loads(line)
    assert parsed["message"] == "GET /feed.xml 304"
    assert (parsed["event"], parsed["method"], parsed["status"]) == ("access", "GET", 304)


@pytest.mark.usefixtures("restore_logging")
def test_json_config_turns_uvicorn_and_our_lines_into_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    logging.config.dictConfig(logging_config("json"))
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    logging.getLogger("podcast.requests").warning("slow", extra={"route": "/x"})
    logging.getLogger("episodes.audio").info("an INFO line of ours")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["logger"], line["message"]) for line in lines] == [
        ("uvicorn.error", "Application startup complete."),
        ("podcast.requests", "slow"),
        ("episodes.audio", "an INFO line of ours"),
    ]
    assert lines[1]["route"] == "/x"


def test_text_config_keeps_uvicorn_formats_without_the_client() -> None:
    config = logging_config("text")
    assert config["formatters"]["default"]["()"] == "uvicorn.logging.DefaultFormatter"
    assert "client_addr" not in config["formatters"]["access"]["fmt"]
    assert config["loggers"]["podcast"]["level"] == "INFO"
