"""Admin sessions and CSRF tokens: signed values, no server-side session table.

A producer signs in with a producer token once; the cookie then holds only the token's row id,
the time it was issued and a random session id, signed with HMAC-SHA256. The MAC also covers
the token's stored digest, so revoking (or re-creating) the token ends every session made with
it without a session store. CSRF tokens are an HMAC of the session id: one per session, checked
in constant time on every POST.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from podcast.core.tokens import ProducerToken, verify_token

_VERSION = "v1"


@dataclass(frozen=True)
class AdminSession:
    """A verified session: who signed in, and the id its CSRF token is bound to."""

    token_id: int
    token_name: str
    session_id: str
    issued_at: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: bytes, purpose: str, *parts: str) -> str:
    message = "\x1f".join((purpose, *parts)).encode("utf-8")
    return _b64(hmac.new(secret, message, hashlib.sha256).digest())


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


def sign_in(session: Session, secret: bytes, presented: str, now: datetime) -> str | None:
    """The cookie value for a valid producer token, or None when the token is not valid."""
    producer = verify_token(session, presented.strip())
    if producer is None:
        return None
    row = session.scalars(
        select(ProducerToken).where(ProducerToken.name == producer.token_name)
    ).one()
    payload = _b64(
        json.dumps(
            {"tid": row.id, "iat": int(now.timestamp()), "sid": new_session_id()},
            separators=(",", ":"),
        ).encode("utf-8")
    )
    return f"{_VERSION}.{payload}.{_mac(secret, 'session', payload, row.token_hash)}"


def read_session(
    session: Session, secret: bytes, cookie: str | None, now: datetime, max_age_seconds: int
) -> AdminSession | None:
    """The session a cookie carries, if it is ours, unexpired and its token still exists.

    Anything else is None (signed out), never an error: the cookie comes from the browser,
    so a crafted one (``"tid": 1e400``, a 400-digit number, a list, deep nesting, non-ASCII)
    must not turn every page into a 500. The payload is checked before the MAC because the
    MAC's key includes the token row the payload names.
    """
    if not cookie or len(cookie) > _MAX_COOKIE or cookie.count(".") != 2:
        return None
    version, payload, mac = cookie.split(".")
    if version != _VERSION:
        return None
    fields = _payload(payload)
    if fields is None:
        return None
    token_id, issued_at, session_id = fields
    age = now.timestamp() - issued_at
    if age < -60 or age > max_age_seconds:
        return None
    row = session.get(ProducerToken, token_id)
    if row is None:
        return None
    expected = _mac(secret, "session", payload, row.token_hash)
    if not hmac.compare_digest(mac.encode("utf-8", "replace"), expected.encode("ascii")):
        return None
    return AdminSession(token_id, row.name, session_id, issued_at)


_MAX_COOKIE = 1024  # ours are about 120 characters
_MAX_ID = 2**31 - 1  # row ids are 32-bit integers on PostgreSQL
_MAX_TIME = 2**40  # seconds since 1970: far beyond any real issue time, well inside a float


def _is_int(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def _payload(payload: str) -> tuple[int, int, str] | None:
    """``(token id, issued at, session id)`` from a cookie payload, or None if it is not one
    that :func:`sign_in` could have written: exact types, sane ranges."""
    try:
        data = json.loads(_unb64(payload))
    except (ValueError, RecursionError):  # bad base64, UTF-8 or JSON; absurd nesting
        return None
    if not isinstance(data, dict):
        return None
    token_id, issued_at, session_id = data.get("tid"), data.get("iat"), data.get("sid")
    if not (
        _is_int(token_id, 1, _MAX_ID)
        and _is_int(issued_at, 0, _MAX_TIME)
        and isinstance(session_id, str)
        and 0 < len(session_id) <= 64
    ):
        return None
    assert isinstance(token_id, int) and isinstance(issued_at, int)
    return token_id, issued_at, session_id


def csrf_token(secret: bytes, session_id: str) -> str:
    """The form token for a session (or for a pre-login id kept in its own cookie)."""
    return _mac(secret, "csrf", session_id)


def csrf_valid(secret: bytes, session_id: str | None, presented: str | None) -> bool:
    if not session_id or not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), csrf_token(secret, session_id).encode())
