"""What producers ask of the counted downloads: over time, by app and device, and each
episode's first days. Plain functions over a session, shared by the API, the admin page and
its CSV, so every view of a figure agrees.

Days are UTC days. Counting by day happens in SQL (an index range scan on ``downloads.at``);
weeks (ISO, starting Monday) and months are sums of days, so no database date arithmetic
beyond formatting a day is needed on either backend.
"""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, Select, String, func, select
from sqlalchemy.orm import Session

from episodes.models import Episode
from episodes.visibility import public_from
from podcast.analytics.models import Download

GroupBy = Literal["day", "week", "month", "app", "device"]
GROUPS: tuple[GroupBy, ...] = ("day", "week", "month", "app", "device")
FIRST_DAYS = (7, 30)


@dataclass(frozen=True, slots=True)
class Row:
    key: str  # 2026-11-30, 2026-W48, 2026-11, an app's or a device category's name
    downloads: int


@dataclass(frozen=True, slots=True)
class Period:
    """``start`` and ``end`` are inclusive UTC days."""

    start: date
    end: date

    @property
    def bounds(self) -> tuple[datetime, datetime]:
        return (
            datetime.combine(self.start, time(), UTC),
            datetime.combine(self.end + timedelta(days=1), time(), UTC),
        )

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass(frozen=True, slots=True)
class EpisodeStart:
    """An episode's downloads in its first days after going public: span -> (downloads,
    complete), where complete is False while the episode is younger than the span."""

    episode_id: int
    slug: str
    title: str
    released: datetime
    first: dict[int, tuple[int, bool]]


def _day(session: Session) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", Download.at), "YYYY-MM-DD")
    return func.strftime("%Y-%m-%d", Download.at, type_=String)


def _filtered(query: Select[str, int], period: Period, episode_id: int | None) -> Select[str, int]:
    start, end = period.bounds
    query = query.where(Download.at >= start, Download.at < end)
    if episode_id is not None:
        query = query.where(Download.episode_id == episode_id)
    return query


def downloads(
    session: Session, period: Period, group_by: GroupBy, episode_id: int | None = None
) -> list[Row]:
    """Downloads in ``period`` (every day, week or month listed, zeros included; apps and
    devices most first)."""
    if group_by in ("app", "device"):
        column = Download.app if group_by == "app" else Download.device_category
        query = _filtered(select(column, func.count()), period, episode_id).group_by(column)
        counted = sorted(session.execute(query), key=lambda r: (-r[1], r[0]))
        return [Row(key, int(n)) for key, n in counted]
    day = _day(session)
    query = _filtered(select(day, func.count()), period, episode_id).group_by(day)
    per_day = {date.fromisoformat(key): int(n) for key, n in session.execute(query)}
    tally: Tally[str] = Tally()
    order: list[str] = []
    for one in period.days():
        key = _label(one, group_by)
        if key not in tally:
            order.append(key)
        tally[key] += per_day.get(one, 0)
    return [Row(key, tally[key]) for key in order]


def _label(day: date, group_by: GroupBy) -> str:
    if group_by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if group_by == "month":
        return day.strftime("%Y-%m")
    return day.isoformat()


def first_days(
    session: Session,
    episodes: Sequence[Episode],
    now: datetime,
    spans: Sequence[int] = FIRST_DAYS,
) -> list[EpisodeStart]:
    """Each public episode's downloads in its first ``spans`` days, for comparing releases."""
    found = []
    for episode in episodes:
        released = public_from(episode.status, episode.publish_at)
        if released is None or released > now:
            continue
        counts: dict[int, tuple[int, bool]] = {}
        for span in spans:
            end = released + timedelta(days=span)
            counted = session.scalar(
                select(func.count()).where(
                    Download.episode_id == episode.id,
                    Download.at >= released,
                    Download.at < min(end, now),
                )
            )
            counts[span] = (int(counted or 0), end <= now)
        found.append(EpisodeStart(episode.id, episode.slug, episode.title, released, counts))
    return found


def total(rows: Sequence[Row]) -> int:
    return sum(row.downloads for row in rows)
