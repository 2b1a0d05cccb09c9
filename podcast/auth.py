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

from podcast.tokens import ProducerToken, verify_token

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
    """The session a cookie carries, if it is ours, unexpired and its token still exists."""
    if not cookie or cookie.count(".") != 2:
        return None
    version, payload, mac = cookie.split(".")
    if version != _VERSION:
        return None
    try:
        data = json.loads(_unb64(payload))
        token_id, issued_at, session_id = int(data["tid"]), int(data["iat"]), str(data["sid"])
    except (ValueError, KeyError, TypeError):
        return None
    age = now.timestamp() - issued_at
    if age < -60 or age > max_age_seconds:
        return None
    row = session.get(ProducerToken, token_id)
    if row is None:
        return None
    if not hmac.compare_digest(mac, _mac(secret, "session", payload, row.token_hash)):
        return None
    return AdminSession(token_id, row.name, session_id, issued_at)


def csrf_token(secret: bytes, session_id: str) -> str:
    """The form token for a session (or for a pre-login id kept in its own cookie)."""
    return _mac(secret, "csrf", session_id)


def csrf_valid(secret: bytes, session_id: str | None, presented: str | None) -> bool:
    if not session_id or not presented:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), csrf_token(secret, session_id).encode())
