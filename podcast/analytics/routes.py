"""``GET /api/analytics/downloads``: counted downloads for producers' own tools."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from episodes import repository as episode_repository
from podcast.analytics import reports
from podcast.core.deps import ProducerDep, SessionDep
from podcast.core.errors import Invalid, NotFound
from podcast.core.openapi_errors import ContentError, responses
from podcast.core.query import known_query_only
from podcast.shows.deps import ShowDep
from podcast.shows.models import Show

router = APIRouter(prefix="/api/analytics", tags=["analytics"])

DEFAULT_DAYS = 30
MAX_DAYS = 3 * 366  # three years of days in one answer at most


class DownloadRow(BaseModel):
    key: str = Field(
        description="A day (2026-11-30), ISO week (2026-W48), month (2026-11), app "
        "or device category, by group_by."
    )
    downloads: int


class Downloads(BaseModel):
    episode: int | None = Field(description="The episode's id, or null for the whole show.")
    start: date = Field(description="First UTC day counted.")
    end: date = Field(description="Last UTC day counted.")
    group_by: reports.GroupBy
    total: int
    rows: list[DownloadRow]


def period_from(start: date | None, end: date | None, today: date) -> reports.Period:
    """``start``..``end`` as asked, defaulting to the last 30 days; refused when reversed or
    longer than three years (field named, so a form can point at it)."""
    end = end or today
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise Invalid(f"the first day ({start}) is after the last ({end})", field="from")
    if (end - start).days >= MAX_DAYS:
        raise Invalid(f"ask for at most {MAX_DAYS} days at once", field="from")
    return reports.Period(start, end)


def episode_id_from(session: Session, show: Show, ref: str | None) -> int | None:
    """An episode named by id or slug, drafts included (producers only ask here)."""
    if not ref:
        return None
    found = (
        episode_repository.get(session, show.id, int(ref))
        if ref.isdigit()
        else episode_repository.get_by_slug(session, show.id, ref)
    )
    if found is None:
        raise NotFound(f"episode {ref!r} does not exist")
    return found.id


@router.get(
    "/downloads",
    responses=responses(401, 404, 422, 503, unprocessable=ContentError),
    dependencies=[Depends(known_query_only)],
)
def read_downloads(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    _producer: ProducerDep,
    episode: Annotated[
        str | None, Query(max_length=100, description="An episode's id or slug; all if absent.")
    ] = None,
    start: Annotated[
        date | None, Query(alias="from", description="First UTC day (default: 29 days before to).")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="Last UTC day (default: today).")
    ] = None,
    group_by: Annotated[reports.GroupBy, Query(description="How rows are grouped.")] = "day",
) -> Downloads:
    """Downloads counted by the IAB v2.2 rules (docs/analytics.md), grouped by day, ISO week,
    month, app or device category. Counting runs in the background, about a minute behind."""
    now: datetime = request.app.state.clock.now()
    period = period_from(start, end, now.date())
    episode_id = episode_id_from(session, show, episode)
    rows = reports.downloads(session, period, group_by, episode_id)
    return Downloads(
        episode=episode_id,
        start=period.start,
        end=period.end,
        group_by=group_by,
        total=reports.total(rows),
        rows=[DownloadRow(key=r.key, downloads=r.downloads) for r in rows],
    )
