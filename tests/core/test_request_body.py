"""Bodies up to a limit (podcast.core.request_body): one refusal, one message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from podcast.core import http_errors
from podcast.core.errors import BadRequest, PayloadTooLarge
from podcast.core.request_body import (
    check_declared_length,
    describe_limit,
    read_limited,
    too_large,
)


@pytest.mark.parametrize(
    ("limit", "shown"),
    [(20 * 1024 * 1024, "20 MiB"), (1024 * 1024, "1 MiB"), (3 * 512 * 1024, "1.5 MiB"),
     (512 * 1024, "512 KiB"), (1024, "1 KiB"), (1000, "1000 bytes"), (0, "0 bytes")],
)  # fmt: skip
def test_limits_read_as_people_read_them(limit: int, shown: str) -> None:
    assert describe_limit(limit) == shown


def test_the_message_names_what_and_the_limit() -> None:
    error = too_large(10 * 1024 * 1024, "the transcript")
    assert isinstance(error, PayloadTooLarge)
    assert error.message == "the transcript is larger than the 10 MiB upload limit"


def test_declared_length() -> None:
    check_declared_length(None, 10)
    check_declared_length("10", 10)
    check_declared_length("11", 10, slack=1)
    with pytest.raises(PayloadTooLarge, match="the form is larger than the 10 bytes"):
        check_declared_length("11", 10, what="the form")
    with pytest.raises(BadRequest, match="not a number"):
        check_declared_length("ten", 10)


@pytest.fixture
def small() -> Iterator[TestClient]:
    app = FastAPI()
    http_errors.install(app)

    @app.put("/body")
    async def put_body(request: Request) -> dict[str, int]:
        return {"size": len(await read_limited(request, 1024, what="the image"))}

    with TestClient(app) as client:
        yield client


def test_read_limited_over_http(small: TestClient) -> None:
    assert small.put("/body", content=b"x" * 1024).json() == {"size": 1024}
    declared = small.put("/body", content=b"x" * 1025)
    assert declared.status_code == 413
    assert declared.json()["detail"] == "the image is larger than the 1 KiB upload limit"

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as the bytes arrive
        for _ in range(10):
            yield b"x" * 200

    streamed = small.put("/body", content=chunks())
    assert streamed.status_code == 413
    assert "1 KiB" in streamed.json()["detail"]
