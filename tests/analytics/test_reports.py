"""What producers see: the API, the admin page, its charts and CSV agree with the downloads
table; bad periods are a clear 422; nothing without a producer."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert

from podcast.analytics.models import Download
from podcast.core.db import session_scope
from tests.conftest import NOW
from tests.factories import create_episode
from tests.web.helpers import sign_in

DAY = NOW.replace(hour=12, minute=0, second=0, microsecond=0)


def _downloads(client: TestClient, rows: list[tuple[int, datetime, str, str]]) -> None:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        session.execute(
            insert(Download),
            [
                {"episode_id": e, "at": at, "app": app_name, "device": "x", "device_category": dev}
                for e, at, app_name, dev in rows
            ],
        )


def _seed(client: TestClient, auth: dict[str, str]) -> tuple[dict[str, object], dict[str, object]]:
    one = create_episode(client, auth, "One", at=NOW - timedelta(days=40))
    two = create_episode(client, auth, "Two", at=NOW - timedelta(days=3))
    _downloads(
        client,
        [
            (one["id"], DAY - timedelta(days=2), "Apple Podcasts", "mobile"),
            (one["id"], DAY - timedelta(days=2), "Overcast", "mobile"),
            (one["id"], DAY - timedelta(days=1), "Apple Podcasts", "computer"),
            (two["id"], DAY, "Spotify", "smart_speaker"),
            (two["id"], DAY - timedelta(days=45), "Spotify", "mobile"),  # outside 30 days
        ],
    )
    return one, two


def test_the_api_groups_downloads(client: TestClient, auth: dict[str, str]) -> None:
    one, _two = _seed(client, auth)
    answer = client.get("/api/analytics/downloads", headers=auth).json()
    assert answer["total"] == 4
    assert len(answer["rows"]) == 30
    day = {row["key"]: row["downloads"] for row in answer["rows"]}
    assert day[(DAY - timedelta(days=2)).date().isoformat()] == 2
    assert day[DAY.date().isoformat()] == 1
    apps = client.get("/api/analytics/downloads", params={"group_by": "app"}, headers=auth).json()[
        "rows"
    ]
    assert apps == [
        {"key": "Apple Podcasts", "downloads": 2},
        {"key": "Overcast", "downloads": 1},
        {"key": "Spotify", "downloads": 1},
    ]
    by_slug = client.get(
        "/api/analytics/downloads",
        params={"episode": one["slug"], "group_by": "month", "from": "2026-01-01"},
        headers=auth,
    ).json()
    assert by_slug["episode"] == one["id"] and by_slug["total"] == 3
    assert by_slug["rows"][0] == {"key": "2026-01", "downloads": 0}
    devices = client.get(
        "/api/analytics/downloads",
        params={"group_by": "device", "from": (DAY - timedelta(days=60)).date().isoformat()},
        headers=auth,
    ).json()["rows"]
    assert {r["key"]: r["downloads"] for r in devices} == {
        "mobile": 3,
        "computer": 1,
        "smart_speaker": 1,
    }


def test_bad_questions_get_clear_answers(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/api/analytics/downloads").status_code == 401
    reversed_ = client.get(
        "/api/analytics/downloads", params={"from": "2026-11-10", "to": "2026-11-01"}, headers=auth
    )
    assert reversed_.status_code == 422
    assert "after the last" in reversed_.text and "from" in reversed_.text
    assert (
        client.get(
            "/api/analytics/downloads", params={"group_by": "hour"}, headers=auth
        ).status_code
        == 422
    )
    assert (
        client.get("/api/analytics/downloads", params={"episode": "nope"}, headers=auth).status_code
        == 404
    )


def test_the_admin_page_charts_and_csv(
    client: TestClient, auth: dict[str, str], token: str
) -> None:
    one, _two = _seed(client, auth)
    client.base_url = "https://testserver"  # type: ignore[assignment]  # secure cookies
    assert client.get("/admin/analytics", follow_redirects=False).status_code == 303
    sign_in(client, token)
    page = client.get("/admin/analytics")
    assert page.status_code == 200
    html = page.text
    assert "<strong>4</strong> downloads" in html
    assert 'src="/admin/analytics/chart.svg?kind=time&amp;from=' in html
    assert '<th scope="row">Apple Podcasts</th><td class="numeric">2</td>' in html
    # First days: One is 40 days old (both spans complete), Two 3 days ("so far").
    assert "so far" in html
    chart = client.get("/admin/analytics/chart.svg", params={"kind": "app"})
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert "<svg xmlns" in chart.text[:200] and "Downloads by app" in chart.text
    assert "Spotify" in chart.text and "Overcast" in chart.text
    assert "default-src 'none'" in chart.headers["content-security-policy"]
    unknown = client.get("/admin/analytics/chart.svg", params={"kind": "weekday"})
    assert unknown.status_code == 422
    assert "'time', 'app' or 'device'" in unknown.text and "^(" not in unknown.text
    exported = client.get("/admin/analytics.csv", params={"group_by": "app"})
    assert exported.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["app", "downloads"]
    assert ["Apple Podcasts", "2"] in rows
    one_only = client.get("/admin/analytics", params={"episode": one["id"]}).text
    assert "<strong>3</strong> downloads" in one_only
    bad = client.get("/admin/analytics", params={"from": "2026-11-10", "to": "2026-11-01"})
    assert bad.status_code == 200 and "after the last" in bad.text
