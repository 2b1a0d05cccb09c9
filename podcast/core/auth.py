"""Admin sessions and CSRF tokens: signed values, no server-side session table.

A producer signs in with a producer token once; the cookie then holds the token's row id and,
signed with itsdangerous (``URLSafeTimedSerializer``, HMAC-SHA256 over a key derived from the
app secret and a salt), a random session id and the time it was issued. The salt includes the
token's stored digest, so revoking (or re-creating) the token ends every session made with it
without a session store. CSRF tokens are an itsdangerous signature of the session id (their own
salt): one per session, checked in constant time on every POST.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from itsdangerous import BadData, Signer, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from podcast.core.tokens import ProducerToken, verify_token

_VERSION = "v2"  # v1 cookies (hand-made HMAC) read as signed out
_SESSION_SALT = "podcast.admin-session"
_CSRF_SALT = "podcast.csrf"


@dataclass(frozen=True)
class AdminSession:
    """A verified session: who signed in, and the id its CSRF token is bound to."""

    token_id: int
    token_name: str
    session_id: str
    issued_at: int


@dataclass(frozen=True)
class AdminCookie:
    """How an admin session travels: the cookie's name, the key it is signed with and how long
    it lasts. The web shell builds it from its settings (``podcast.web.sessions.WebState``)
    and hands it to core, so routes outside the admin pages (draft audio, transcript and
    chapters files) recognise a signed-in producer too (``podcast.core.deps.producer_of``)."""

    name: str
    secret: bytes
    max_age_seconds: int

    def read(
        self, session: Session, cookies: Mapping[str, str], now: datetime
    ) -> AdminSession | None:
        """The session the request's cookies carry, or None (see :func:`read_session`)."""
        return read_session(session, self.secret, cookies.get(self.name), now, self.max_age_seconds)


class _ClockSigner(TimestampSigner):
    """Timestamps from the app's clock (``now``), not the wall clock, so tests can move time."""

    def __init__(self, *args: Any, now: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = int(now)

    def get_timestamp(self) -> int:
        return self._now


def _session_serializer(secret: bytes, token_hash: str, now: datetime) -> URLSafeTimedSerializer:
    """The signer of one token's sessions: its digest is in the salt, so a new or deleted
    token changes the key and every cookie signed with the old one stops verifying."""
    return URLSafeTimedSerializer(
        secret,
        salt=f"{_SESSION_SALT}.{token_hash}",
        signer=_ClockSigner,
        signer_kwargs={"now": now.timestamp(), "digest_method": hashlib.sha256},
    )


def new_session_id() -> str:
    return secrets.token_urlsafe(18)


@dataclass(frozen=True)
class SignedIn:
    """A sign-in that worked: the session cookie's value and whose token it was (its name)."""

    cookie: str
    token_name: str


def sign_in(session: Session, secret: bytes, presented: str, now: datetime) -> SignedIn | None:
    """The session for a valid producer token, or None when the token is not valid."""
    producer = verify_token(session, presented.strip())
    if producer is None:
        return None
    row = session.scalars(
        select(ProducerToken).where(ProducerToken.name == producer.token_name)
    ).one()
    signed = _session_serializer(secret, row.token_hash, now).dumps(
        {"tid": row.id, "sid": new_session_id()}
    )
    return SignedIn(f"{_VERSION}.{row.id}.{signed}", row.name)


def read_session(
    session: Session, secret: bytes, cookie: str | None, now: datetime, max_age_seconds: int
) -> AdminSession | None:
    """The session a cookie carries, if it is ours, unexpired and its token still exists.

    Anything else is None (signed out), never an error: the cookie comes from the browser,
    so a crafted one (a 400-digit token id, bad base64, a payload signed for another token,
    non-ASCII) must not turn every page into a 500. The token id stands outside the signed
    part because the signing key depends on the token it names; the signature is checked
    before the payload is decoded, and the signed payload must name the same token.
    """
    if not cookie or len(cookie) > _MAX_COOKIE:
        return None
    version, _, rest = cookie.partition(".")
    tid, _, signed = rest.partition(".")
    if version != _VERSION or not _TOKEN_ID.fullmatch(tid) or int(tid) > _MAX_ID:
        return None
    row = session.get(ProducerToken, int(tid))
    if row is None:
        return None
    try:
        data, issued = _session_serializer(secret, row.token_hash, now).loads(
            signed, return_timestamp=True
        )
    except BadData:
        return None
    issued_at = int(issued.timestamp())
    age = now.timestamp() - issued_at
    if age < -60 or age > max_age_seconds:  # a minute's grace for replicas' clocks
        return None
    session_id = _session_id(data, row.id)
    if session_id is None:
        return None
    return AdminSession(row.id, row.name, session_id, issued_at)


_MAX_COOKIE = 1024  # ours are about 130 characters
_MAX_ID = 2**31 - 1  # row ids are 32-bit integers on PostgreSQL
_TOKEN_ID = re.compile(r"[1-9][0-9]{0,9}")


def _session_id(data: object, token_id: int) -> str | None:
    """The session id from a signed payload, or None if it is not one that :func:`sign_in`
    could have written for this token: exact types, sane lengths."""
    if not isinstance(data, dict):
        return None
    tid, session_id = data.get("tid"), data.get("sid")
    if type(tid) is not int or tid != token_id:
        return None
    if not isinstance(session_id, str) or not 0 < len(session_id) <= 64:
        return None
    return session_id


def _csrf_signer(secret: bytes) -> Signer:
    return Signer(secret, salt=_CSRF_SALT, digest_method=hashlib.sha256)


def csrf_token(secret: bytes, session_id: str) -> str:
    """The form token for a session (or for a pre-login id kept in its own cookie)."""
    return _csrf_signer(secret).get_signature(session_id).decode("ascii")


def csrf_valid(secret: bytes, session_id: str | None, presented: str | None) -> bool:
    if not session_id or not presented:
        return False
    return _csrf_signer(secret).verify_signature(session_id, presented)
