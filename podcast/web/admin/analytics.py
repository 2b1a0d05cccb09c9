"""``/admin/analytics``: downloads over time, by app and device, and each episode's first days,
as charts with their figures in tables beside them, and as CSV (docs/analytics.md)."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from episodes.models import Episode
from podcast.analytics import charts, reports
from podcast.analytics.routes import episode_id_from, period_from
from podcast.core.deps import SessionDep
from podcast.core.errors import Invalid
from podcast.shows.deps import ShowDep
from podcast.web.admin.common import context
from podcast.web.responses import render
from podcast.web.sessions import AdminDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)

_TIME_GROUPS: tuple[reports.GroupBy, ...] = ("day", "week", "month")
_COMPARED = 20  # the latest episodes in the first-days table
_CHART_TITLES = {
    "time": "Downloads by {group}",
    "app": "Downloads by app",
    "device": "Downloads by device",
}
# Charts are images: no script runs in them, their inline style is all they need.
_SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"

Day = Annotated[date | None, Query()]
EpisodeRef = Annotated[str | None, Query(max_length=100)]


def _group(value: str | None) -> reports.GroupBy:
    return next((g for g in _TIME_GROUPS if g == value), "day")


@router.get("/analytics", response_class=HTMLResponse)
def analytics_page(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    admin: AdminDep,
    episode: EpisodeRef = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    group_by: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    now = request.app.state.clock.now()
    group = _group(group_by)
    error = None
    try:
        period = period_from(start, end, now.date())
    except Invalid as exc:
        error, period = exc.detail, period_from(None, None, now.date())
    episode_id = episode_id_from(session, show, episode)
    over_time = reports.downloads(session, period, group, episode_id)
    apps = reports.downloads(session, period, "app", episode_id)
    devices = reports.downloads(session, period, "device", episode_id)
    episodes = list(
        session.scalars(
            select(Episode).where(Episode.show_id == show.id).order_by(Episode.publish_at.desc())
        )
    )
    latest = reports.first_days(session, episodes, now)[:_COMPARED]
    query = {"from": period.start.isoformat(), "to": period.end.isoformat(), "group_by": group}
    if episode_id is not None:
        query["episode"] = str(episode_id)
    values = context(
        request,
        admin,
        show,
        error=error,
        period=period,
        group=group,
        groups=_TIME_GROUPS,
        episodes=episodes,
        episode_id=episode_id,
        over_time=over_time,
        apps=apps,
        devices=devices,
        total=reports.total(over_time),
        latest=latest,
        spans=reports.FIRST_DAYS,
        query=query,
        apps_query=query | {"group_by": "app"},
    )
    return render(request, "admin/analytics.html", values, private=True)


# A chart is of downloads over time, by app or by device; anything else is a 422 naming them.
ChartKind = Literal["time", "app", "device"]


@router.get("/analytics/chart.svg")
def analytics_chart(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    _admin: AdminDep,
    kind: Annotated[ChartKind, Query()] = "time",
    episode: EpisodeRef = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    group_by: Annotated[str | None, Query()] = None,
) -> Response:
    period = period_from(start, end, request.app.state.clock.now().date())
    group: reports.GroupBy = _group(group_by) if kind == "time" else kind
    rows = reports.downloads(session, period, group, episode_id_from(session, show, episode))
    title = _CHART_TITLES[kind].format(group=group)
    svg = charts.bar_chart(title, rows, horizontal=kind != "time")
    headers = {"Cache-Control": "private, no-store", "Content-Security-Policy": _SVG_POLICY}
    return Response(svg, media_type="image/svg+xml", headers=headers)


@router.get("/analytics.csv")
def analytics_csv(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    _admin: AdminDep,
    episode: EpisodeRef = None,
    start: Annotated[date | None, Query(alias="from")] = None,
    end: Annotated[date | None, Query(alias="to")] = None,
    group_by: Annotated[reports.GroupBy, Query()] = "day",
) -> Response:
    """The figures behind a chart, for a spreadsheet."""
    period = period_from(start, end, request.app.state.clock.now().date())
    episode_id = episode_id_from(session, show, episode)
    rows = reports.downloads(session, period, group_by, episode_id)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([group_by, "downloads"])
    writer.writerows((_cell(row.key), row.downloads) for row in rows)
    name = f"downloads-{group_by}-{period.start}-{period.end}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


def _cell(text: str) -> str:
    """An app name from a request's User-Agent could start a spreadsheet formula: not here."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
