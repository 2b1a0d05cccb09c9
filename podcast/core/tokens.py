"""Producer tokens: shown once, stored only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from podcast.core.db import Base, UTCDateTime

TOKEN_PREFIX = "pod_"


class ProducerToken(Base):
    __tablename__ = "producer_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Producer:
    """Who made an authenticated request."""

    token_name: str


class TokenNameTaken(ValueError):
    pass


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, now: datetime) -> str:
    """Create a token called ``name`` and return its secret, which is never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("a token name must be 1 to 100 characters")
    if session.scalar(select(ProducerToken.id).where(ProducerToken.name == name)) is not None:
        raise TokenNameTaken(f"a token named {name!r} already exists")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ProducerToken(name=name, token_hash=_digest(secret), created_at=now))
    session.flush()
    return secret


def verify_token(session: Session, presented: str) -> Producer | None:
    """The producer a presented token belongs to, or None.

    The lookup is by digest, so the secret never meets the database; the final comparison
    is constant-time all the same.
    """
    digest = _digest(presented)
    row = session.scalar(select(ProducerToken).where(ProducerToken.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return Producer(token_name=row.name)


def list_tokens(session: Session) -> list[ProducerToken]:
    return list(session.scalars(select(ProducerToken).order_by(ProducerToken.created_at)))


def revoke_token(session: Session, name: str) -> bool:
    row = session.scalar(select(ProducerToken).where(ProducerToken.name == name))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
