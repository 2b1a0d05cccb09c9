"""Refused credentials leave one structured line each (podcast.core.auth_log), a successful
sign-in names its token, no line holds a token, a cookie or the client's address, and a
scanner cannot flood the log. Real HTTP to a live server, behind a trusted X-Forwarded-For."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core import auth_log
from podcast.core.db import session_scope
from podcast.core.tokens import create_token, revoke_token
from tests.conftest import NOW
from tests.web.helpers import csrf_of, parse

CLIENT = "203.0.113.77"  # TEST-NET-3, forwarded by the "proxy" (uvicorn trusts 127.0.0.1)
FORWARDED = {"X-Forwarded-For": CLIENT}
WELL_SHAPED = "pod_" + "A" * 43  # looks like one of ours, but no token has it


@pytest.fixture(autouse=True)
def fresh_limits() -> Iterator[None]:
    """The once-a-second limit is per process: start each test without earlier refusals."""
    auth_log._last.clear()
    yield
    auth_log._last.clear()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO, logger="podcast"):
        yield caplog


def _events(caplog: pytest.LogCaptureFixture, event: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == event]


def _no_secrets(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    text = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert CLIENT not in text
    for secret in secrets:
        assert secret not in text


def test_refused_api_tokens_are_logged_with_a_reason_and_nothing_secret(
    client: TestClient, live_server: str, logs: pytest.LogCaptureFixture
) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        revoked = create_token(session, "old laptop", NOW)
        revoke_token(session, "old laptop")
    url = f"{live_server}/api/episodes"
    with httpx.Client(headers=FORWARDED) as http:
        for token in ("not-a-token", WELL_SHAPED, revoked):
            auth = {"Authorization": f"Bearer {token}"}
            assert http.post(url, json={"title": "x"}, headers=auth).status_code == 401
            auth_log._last.clear()  # three reasons, but two are the same: log each here
        assert http.post(url, json={"title": "x"}).status_code == 401
    lines = _events(logs, "token_refused")
    assert [(r.method, r.route, r.reason, r.status) for r in lines] == [  # type: ignore[attr-defined]
        ("POST", "/api/episodes", "malformed_token", 401),
        ("POST", "/api/episodes", "unknown_token", 401),
        ("POST", "/api/episodes", "unknown_token", 401),  # revoked: deleted, so unknown
        ("POST", "/api/episodes", "missing_token", 401),
    ]
    assert lines[0].getMessage() == "token refused: POST /api/episodes (malformed_token, 401)"
    _no_secrets(logs, "not-a-token", WELL_SHAPED, revoked)


def test_a_scanner_gets_one_line_a_second_and_a_count_of_the_rest(
    client: TestClient,
    live_server: str,
    logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(auth_log, "INTERVAL_SECONDS", 0.3)  # the same rule, a faster test
    url = f"{live_server}/api/episodes"
    with httpx.Client(headers=FORWARDED) as http:
        for n in range(30):
            auth = {"Authorization": f"Bearer pod_guess{n:040d}"}
            assert http.post(url, json={"title": "x"}, headers=auth).status_code == 401
        logged = len(_events(logs, "token_refused"))
        assert 1 <= logged <= 10, "far fewer lines than refusals"
        time.sleep(0.35)  # a quiet moment: the next refusal is logged, with the count
        auth = {"Authorization": f"Bearer {WELL_SHAPED}"}
        assert http.post(url, json={"title": "x"}, headers=auth).status_code == 401
    lines = _events(logs, "token_refused")
    assert len(lines) == logged + 1
    suppressed = [getattr(r, "suppressed", None) or 0 for r in lines]
    assert len(lines) + sum(suppressed) == 31, "every refusal is either a line or counted in one"
    summaries = [r.getMessage() for r, n in zip(lines, suppressed, strict=True) if n]
    assert summaries and all("more like it left out of the log" in m for m in summaries)
    assert {r.reason for r in lines} == {"unknown_token"}  # type: ignore[attr-defined]


def test_admin_sign_in_failures_are_logged_and_a_sign_in_names_its_token(
    client: TestClient, live_server: str, token: str, logs: pytest.LogCaptureFixture
) -> None:
    cookies: list[str] = []
    with httpx.Client(base_url=live_server, headers=FORWARDED) as http:

        def post(presented: str) -> httpx.Response:
            page = http.get("/admin/login")
            # Secure cookies (the base URL is https): carried by hand over the test's http.
            form_cookie = page.headers["set-cookie"].split(";")[0]
            cookies.append(form_cookie.partition("=")[2])
            form = {"token": presented, "csrf_token": csrf_of(parse(page)), "next": "/admin"}
            return http.post("/admin/login", data=form, headers={"Cookie": form_cookie})

        stale = http.post("/admin/login", data={"token": token, "csrf_token": "old", "next": "/"})
        assert stale.status_code == 403
        assert post("").status_code == 400
        assert post("hunter2").status_code == 401
        assert post(WELL_SHAPED).status_code == 401
        signed_in = post(token)
        assert signed_in.status_code == 303
        session_cookie = signed_in.headers.get_list("set-cookie")[0].split(";")[0]
        cookies.append(session_cookie.partition("=")[2])
    refused = _events(logs, "sign_in_refused")
    assert [(r.route, r.reason, r.status) for r in refused] == [  # type: ignore[attr-defined]
        ("/admin/login", "form_expired", 403),
        ("/admin/login", "missing_token", 400),
        ("/admin/login", "malformed_token", 401),
        ("/admin/login", "unknown_token", 401),
    ]
    (write,) = [r for r in _events(logs, "write") if r.route == "/admin/login"]  # type: ignore[attr-defined]
    assert write.producer == "tests"  # type: ignore[attr-defined]
    assert write.getMessage() == "write: POST /admin/login by tests (303)"
    assert all(cookies) and cookies[-1].startswith("v2."), cookies  # the session cookie
    _no_secrets(logs, "hunter2", WELL_SHAPED, token, *cookies)
