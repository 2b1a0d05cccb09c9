"""Keyed hashes that stand for a listener without being one (docs/privacy.md).

A listener is an (IP, User-Agent) pair and a client an IP; both are HMAC-SHA256 under a
random salt per UTC day, truncated to 128 bits. The salt lives in the database (every replica
must key the same listener the same way) and is deleted once the day after it has ended, so
a stored key can no longer be tied to an address by anyone, us included. Each request gets
its key under its day's salt and under the day before's, which is how a 24-hour window
crosses midnight (``podcast.analytics.counting``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from podcast.analytics.models import KEY_LENGTH, AnalyticsSalt
from podcast.core.db import Sessions, session_scope


@dataclass(frozen=True, slots=True)
class Keys:
    listener: str
    listener_prev: str
    client: str


def keyed(salt: bytes, *parts: str) -> str:
    message = "\n".join(parts).encode("utf-8", "surrogatepass")
    return hmac.new(salt, message, hashlib.sha256).hexdigest()[:KEY_LENGTH]


def salt_for(session: Session, day: date) -> bytes:
    """The day's salt, made on first use; a replica racing us to make it wins and we read it."""
    found = session.get(AnalyticsSalt, day)
    if found is None:
        try:
            with session.begin_nested():
                found = AnalyticsSalt(day=day, salt=secrets.token_hex(32))
                session.add(found)
        except IntegrityError:
            found = session.scalars(select(AnalyticsSalt).where(AnalyticsSalt.day == day)).one()
    return bytes.fromhex(found.salt)


def forget_old_salts(session: Session, today: date) -> int:
    """Delete every salt older than yesterday's: their keys can never be joined again."""
    result = session.execute(delete(AnalyticsSalt).where(AnalyticsSalt.day < today - timedelta(1)))
    return int(getattr(result, "rowcount", 0) or 0)


class ListenerKeys:
    """Salts cached per day in memory (two rows read once a day per process)."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self._cache: dict[date, bytes] = {}
        self._lock = threading.Lock()

    def _salt(self, day: date) -> bytes:
        salt = self._cache.get(day)
        if salt is None:
            with self._lock, session_scope(self._sessions) as session:
                salt = salt_for(session, day)
                self._cache = {d: s for d, s in self._cache.items() if d >= day - timedelta(1)}
                self._cache[day] = salt
        return salt

    def keys(self, ip: str, user_agent: str, day: date) -> Keys:
        today, yesterday = self._salt(day), self._salt(day - timedelta(1))
        return Keys(
            listener=keyed(today, ip, user_agent),
            listener_prev=keyed(yesterday, ip, user_agent),
            client=keyed(today, ip),
        )
