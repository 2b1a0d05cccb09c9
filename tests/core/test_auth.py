"""Admin sessions and CSRF tokens (podcast.core.auth), through its public functions on a real
database: what signs in, what stays signed in, and what a browser can send that must sign out."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from podcast.core import auth
from podcast.core.db import session_scope
from podcast.core.tokens import create_token, revoke_token
from tests.conftest import NOW

SECRET = b"s" * 32
OTHER_SECRET = b"o" * 32
DAY = 24 * 3600


@pytest.fixture
def session(client: TestClient) -> Iterator[Session]:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as db:
        yield db


@pytest.fixture
def producer(session: Session) -> str:
    return create_token(session, "lorna", NOW)


def _read(session: Session, cookie: str | None, *, secret: bytes = SECRET, after: int = 0) -> Any:
    return auth.read_session(session, secret, cookie, NOW + timedelta(seconds=after), DAY)


# Crafted cookies know the cookie's layout; keep that knowledge here only, so a change of
# format (say to itsdangerous) means adapting these two helpers, not the tests.


def _split(cookie: str) -> tuple[str, dict[str, Any], str]:
    """``v2.<token id>`` / the signed payload / ``<timestamp>.<signature>`` (itsdangerous)."""
    version, tid, payload, stamp, mac = cookie.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return f"{version}.{tid}", data, f"{stamp}.{mac}"


def _sign_in(session: Session, secret: bytes, presented: str) -> str | None:
    """The session cookie's value from :func:`auth.sign_in` (which also names the token)."""
    signed_in = auth.sign_in(session, secret, presented, NOW)
    return None if signed_in is None else signed_in.cookie


def _craft(cookie: str, raw_payload: bytes) -> str:
    """``cookie`` with its payload replaced by ``raw_payload`` (JSON text or anything) and the
    original timestamp and signature kept."""
    head, _, tail = _split(cookie)
    payload = base64.urlsafe_b64encode(raw_payload).rstrip(b"=").decode("ascii")
    return f"{head}.{payload}.{tail}"


def test_signed_in_cookie_round_trips(session: Session, producer: str) -> None:
    signed = auth.sign_in(session, SECRET, producer, NOW)
    assert signed is not None and signed.token_name == "lorna", "says whose token it was"
    cookie = _sign_in(session, SECRET, f"  {producer}\n")
    assert cookie is not None
    signed_in = _read(session, cookie, after=60)
    assert signed_in is not None
    assert signed_in.token_name == "lorna"
    assert signed_in.issued_at == int(NOW.timestamp())
    assert signed_in.session_id
    assert _read(session, cookie) == signed_in, "reading is deterministic"

    again = _sign_in(session, SECRET, producer)
    assert again is not None and again != cookie
    other = _read(session, again)
    assert other is not None and other.session_id != signed_in.session_id, "one id per sign-in"


def test_wrong_tokens_do_not_sign_in(session: Session, producer: str) -> None:
    for presented in ("", "pod_nothing", producer + "x", producer[:-1], producer.upper()):
        assert _sign_in(session, SECRET, presented) is None, presented


def test_expiry(session: Session, producer: str) -> None:
    cookie = _sign_in(session, SECRET, producer)
    assert _read(session, cookie, after=DAY) is not None
    assert _read(session, cookie, after=DAY + 1) is None
    assert auth.read_session(session, SECRET, cookie, NOW, 0) is not None
    assert auth.read_session(session, SECRET, cookie, NOW + timedelta(seconds=1), 0) is None
    # A little clock skew between replicas is tolerated, a cookie from the future is not.
    assert _read(session, cookie, after=-30) is not None
    assert _read(session, cookie, after=-3600) is None


def test_revoking_the_token_ends_its_sessions(session: Session, producer: str) -> None:
    cookie = _sign_in(session, SECRET, producer)
    other = create_token(session, "amir", NOW)
    other_cookie = _sign_in(session, SECRET, other)
    assert revoke_token(session, "lorna")
    assert _read(session, cookie) is None
    assert _read(session, other_cookie) is not None, "other producers stay signed in"

    # A new token with the same name (even reusing the row id on SQLite) is a new identity.
    create_token(session, "lorna", NOW)
    assert _read(session, cookie) is None


def test_another_secret_signs_out(session: Session, producer: str) -> None:
    cookie = _sign_in(session, SECRET, producer)
    assert _read(session, cookie, secret=OTHER_SECRET) is None
    foreign = _sign_in(session, OTHER_SECRET, producer)
    assert _read(session, foreign) is None
    assert _read(session, foreign, secret=OTHER_SECRET) is not None


def test_tampering_signs_out(session: Session, producer: str) -> None:
    cookie = _sign_in(session, SECRET, producer)
    second = _sign_in(session, SECRET, create_token(session, "amir", NOW))
    assert cookie is not None and second is not None
    _, fields, _ = _split(cookie)
    mac = cookie.rsplit(".", 1)[1]

    # The payload changed, the signature kept: another session id, another token.
    for change in ({"sid": "mine"}, {"tid": _split(second)[1]["tid"]}):
        crafted = _craft(cookie, json.dumps({**fields, **change}).encode())
        assert _read(session, crafted) is None, change
    # The same payload with its keys reordered is a different payload.
    reordered = _craft(cookie, json.dumps(dict(reversed(fields.items()))).encode())
    assert _read(session, reordered) is None
    # MACs swapped between two valid cookies.
    assert _read(session, f"{cookie.rsplit('.', 1)[0]}.{second.rsplit('.', 1)[1]}") is None
    assert _read(session, f"{second.rsplit('.', 1)[0]}.{mac}") is None
    # One character of the MAC flipped, truncated, extended; another version.
    flipped = mac[:-2] + ("A" if mac[-2] != "A" else "B") + mac[-1]
    for bad_mac in (flipped, mac[:-1], mac + "A", "", "é" * len(mac)):
        assert _read(session, cookie.rsplit(".", 1)[0] + "." + bad_mac) is None, bad_mac
    assert _read(session, "v1" + cookie.removeprefix("v2")) is None
    assert _read(session, "v3" + cookie.removeprefix("v2")) is None


@pytest.mark.parametrize(
    "raw",
    [
        b'{"tid": 1e400, "iat": 1, "sid": "x"}',
        b'{"tid": 1.0, "iat": 1, "sid": "x"}',
        b'{"tid": NaN, "iat": 1, "sid": "x"}',
        b'{"tid": Infinity, "iat": 1, "sid": "x"}',
        b'{"tid": ' + b"9" * 400 + b', "iat": 1, "sid": "x"}',
        b'{"tid": ' + b"9" * 5000 + b', "iat": 1, "sid": "x"}',
        b'{"tid": 1, "iat": ' + b"9" * 400 + b', "sid": "x"}',
        b'{"tid": 1, "iat": 1e400, "sid": "x"}',
        b'{"tid": 1, "iat": -1e400, "sid": "x"}',
        b'{"tid": 1, "iat": 1e300, "sid": "x"}',
        b'{"tid": -1, "iat": 1, "sid": "x"}',
        b'{"tid": 0, "iat": 1, "sid": "x"}',
        b'{"tid": 2147483648, "iat": 1, "sid": "x"}',
        b'{"tid": true, "iat": 1, "sid": "x"}',
        b'{"tid": "1", "iat": 1, "sid": "x"}',
        b'{"tid": [1], "iat": 1, "sid": "x"}',
        b'{"tid": {"a": 1}, "iat": 1, "sid": "x"}',
        b'{"tid": null, "iat": 1, "sid": "x"}',
        b'{"tid": 1, "iat": 1, "sid": 5}',
        b'{"tid": 1, "iat": 1, "sid": ""}',
        b'{"tid": 1, "iat": 1, "sid": "' + b"x" * 65 + b'"}',
        b'{"tid": 1, "iat": 1}',
        b"{}",
        b"[1, 1, 1]",
        b"null",
        b"1",
        b'"tid"',
        b"[" * 340 + b"]" * 340,
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b'{"tid": 1, "iat": 1, "sid": "\xc3\xa9\xe2\x82\xac"}',
        b'{"tid": 1, "iat": 1, "sid": "\\ud800"}',
        b"\xff\xfe\x00garbage",
        b"\xc3\x28",
        b"",
    ],
)
def test_crafted_payloads_sign_out(session: Session, producer: str, raw: bytes) -> None:
    cookie = _sign_in(session, SECRET, producer)
    assert cookie is not None
    assert _read(session, _craft(cookie, raw)) is None


@pytest.mark.parametrize(
    "cookie",
    [
        None,
        "",
        ".",
        "..",
        "...",
        "v1",
        "v1..",
        "v1.!!!.!!!",
        "v1.é.é",
        "v1.\x00.\x00",
        "v1." + "A" * 2000 + ".x",
        "v1.e30.x",  # "{}"
        "é" * 5000,
        "v1.a.b.c",
    ],
)
def test_garbage_cookies_sign_out(session: Session, producer: str, cookie: str | None) -> None:
    _sign_in(session, SECRET, producer)
    assert _read(session, cookie) is None


def test_csrf_tokens(session: Session, producer: str) -> None:
    first = _read(session, _sign_in(session, SECRET, producer))
    second = _read(session, _sign_in(session, SECRET, producer))
    assert first is not None and second is not None
    token = auth.csrf_token(SECRET, first.session_id)
    assert token == auth.csrf_token(SECRET, first.session_id), "stable for the session"
    assert token != auth.csrf_token(SECRET, second.session_id), "one per session"
    assert token != auth.csrf_token(OTHER_SECRET, first.session_id), "bound to the secret"

    assert auth.csrf_valid(SECRET, first.session_id, token)
    assert not auth.csrf_valid(SECRET, second.session_id, token)
    assert not auth.csrf_valid(OTHER_SECRET, first.session_id, token)
    for presented in (None, "", token[:-1], token + "x", token.upper(), "é" + token[1:]):
        assert not auth.csrf_valid(SECRET, first.session_id, presented), presented
    for session_id in (None, ""):
        assert not auth.csrf_valid(SECRET, session_id, token)
        assert not auth.csrf_valid(SECRET, session_id, auth.csrf_token(SECRET, ""))
