"""Analytics tables (docs/analytics.md, docs/privacy.md). None holds an IP address or a
User-Agent: listeners are keyed hashes under a salt that is deleted after two days.

* ``analytics_salts``: one random salt per UTC day; deleted once no window can use it.
* ``media_requests``: enclosure requests waiting to be counted, kept 24 hours for the flood
  rule, then deleted.
* ``listening_windows``: a listener's open 24 hours with an episode (byte ranges so far).
* ``downloads``: what producers see: one row per counted download, with no listener in it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from podcast.core.db import Base, UTCDateTime

KEY_LENGTH = 32  # hex characters of a keyed hash (128 bits)
LABEL_LENGTH = 100


class AnalyticsSalt(Base):
    __tablename__ = "analytics_salts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[str] = mapped_column(String(64))


class MediaRequest(Base):
    __tablename__ = "media_requests"
    __table_args__ = (Index("ix_media_requests_processed_at", "processed", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    listener: Mapped[str] = mapped_column(String(KEY_LENGTH))
    listener_prev: Mapped[str] = mapped_column(String(KEY_LENGTH))
    client: Mapped[str] = mapped_column(String(KEY_LENGTH))
    range_start: Mapped[int] = mapped_column(BigInteger)
    range_end: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger)
    duration: Mapped[float] = mapped_column(Float)
    app: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    device: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    device_category: Mapped[str] = mapped_column(String(32))
    bot: Mapped[bool] = mapped_column(Boolean)
    processed: Mapped[bool] = mapped_column(Boolean, default=False)


class ListeningWindow(Base):
    __tablename__ = "listening_windows"
    __table_args__ = (
        UniqueConstraint("listener", "episode_id", name="uq_listening_windows_listener_episode"),
        Index("ix_listening_windows_started_at", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listener: Mapped[str] = mapped_column(String(KEY_LENGTH))
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    counted: Mapped[bool] = mapped_column(Boolean)
    ranges: Mapped[list[list[Any]]] = mapped_column(JSON)


class Download(Base):
    __tablename__ = "downloads"
    __table_args__ = (
        Index("ix_downloads_episode_id_at", "episode_id", "at"),
        Index("ix_downloads_at", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    app: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    device: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    device_category: Mapped[str] = mapped_column(String(32))
