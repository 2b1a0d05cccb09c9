"""The episode API end to end, on each database backend."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from episodes.models import Episode
from podcast.core.clock import FrozenClock
from podcast.shows.models import Show
from tests.conftest import NOW
from tests.factories import upload_audio


def _create(client: TestClient, auth: dict[str, str], **fields: object) -> dict:
    response = client.post("/api/episodes", json={"title": "An episode", **fields}, headers=auth)
    assert response.status_code == 201, response.text
    return response.json()


def test_create_read_update_delete(client: TestClient, auth: dict[str, str]) -> None:
    created = _create(
        client,
        auth,
        title="Building anti-racist leadership in the NHS",
        summary="With the NHS North West Race Equity Assembly.",
        season=2,
        episode_number=4,
        people=[
            {"name": "Lorna Krisson", "role": "host"},
            {"name": "Ayo Barley", "role": "guest", "href": "https://example.org/ayo"},
        ],
        keywords=["leadership", "race equity", "leadership"],
    )
    assert created["slug"] == "building-anti-racist-leadership-in-the-nhs"
    assert created["status"] == "draft"
    assert created["publish_at"] is None
    assert created["season"] == 2 and created["episode_number"] == 4
    assert created["episode_type"] == "full"
    assert created["keywords"] == ["leadership", "race equity"]
    assert created["people"][1] == {
        "name": "Ayo Barley",
        "role": "guest",
        "group": "cast",
        "href": "https://example.org/ayo",
        "img": None,
    }
    assert created["url"] == (
        "https://podcast.example.org/episodes/building-anti-racist-leadership-in-the-nhs"
    )
    episode_id = created["id"]

    fetched = client.get(f"/api/episodes/{episode_id}", headers=auth).json()
    assert fetched == created

    patched = client.patch(
        f"/api/episodes/{episode_id}",
        json={"title": "Anti-racist leadership", "explicit": True, "season": None},
        headers=auth,
    )
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["title"] == "Anti-racist leadership"
    assert body["explicit"] is True
    assert body["season"] is None
    assert body["slug"] == created["slug"], "renaming keeps the URL stable"
    assert body["guid"] == created["guid"]

    assert client.delete(f"/api/episodes/{episode_id}", headers=auth).status_code == 204
    assert client.get(f"/api/episodes/{episode_id}", headers=auth).status_code == 404
    assert client.delete(f"/api/episodes/{episode_id}", headers=auth).status_code == 404


def test_slug_collisions_get_numbered(client: TestClient, auth: dict[str, str]) -> None:
    slugs = [_create(client, auth, title="Leading with kindness")["slug"] for _ in range(3)]
    assert slugs == ["leading-with-kindness", "leading-with-kindness-2", "leading-with-kindness-3"]
    assert _create(client, auth, title="Café: ¿qué?")["slug"] == "cafe-que"
    assert _create(client, auth, title="!!!")["slug"] == "episode"


def test_explicit_slug_conflict_is_409(client: TestClient, auth: dict[str, str]) -> None:
    first = _create(client, auth, title="One")
    second = _create(client, auth, title="Two")
    response = client.post("/api/episodes", json={"title": "x", "slug": "one"}, headers=auth)
    assert response.status_code == 409
    assert "slug" in response.json()["detail"]
    response = client.patch(f"/api/episodes/{second['id']}", json={"slug": "one"}, headers=auth)
    assert response.status_code == 409
    moved = client.patch(f"/api/episodes/{first['id']}", json={"slug": "one-new"}, headers=auth)
    assert moved.json()["slug"] == "one-new"


def test_guid_is_stable_and_cannot_be_set(client: TestClient, auth: dict[str, str]) -> None:
    created = _create(client, auth)
    for change in ({"title": "New title"}, {"slug": "new-slug"}, {"summary": "x"}):
        body = client.patch(f"/api/episodes/{created['id']}", json=change, headers=auth).json()
        assert body["guid"] == created["guid"]
    response = client.patch(f"/api/episodes/{created['id']}", json={"guid": "x"}, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "guid", "message": "is not a field that can be set here"}
    ]
    other = _create(client, auth)
    assert other["guid"] != created["guid"]


def test_drafts_and_scheduled_are_invisible_to_the_public(
    client: TestClient, auth: dict[str, str], clock: FrozenClock
) -> None:
    draft = _create(client, auth, title="Draft")
    scheduled = _create(client, auth, title="Scheduled")
    live = _create(client, auth, title="Live")
    for episode in (draft, scheduled, live):
        upload_audio(client, auth, episode["id"])
    at = (NOW + timedelta(days=1)).isoformat()
    body = client.post(
        f"/api/episodes/{scheduled['id']}/publish", json={"at": at}, headers=auth
    ).json()
    assert body["status"] == "scheduled"
    body = client.post(f"/api/episodes/{live['id']}/publish", headers=auth).json()
    assert body["status"] == "published"
    assert body["publish_at"].startswith("2026-11-26T12:00:00")

    public = client.get("/api/episodes").json()
    assert [e["title"] for e in public["items"]] == ["Live"]
    assert public["total"] == 1
    for hidden in (draft, scheduled):
        response = client.get(f"/api/episodes/{hidden['id']}")
        assert response.status_code == 404
        assert client.get(f"/api/episodes/{hidden['id']}", headers=auth).status_code == 200

    everything = client.get("/api/episodes", headers=auth).json()
    assert {e["title"] for e in everything["items"]} == {"Draft", "Scheduled", "Live"}
    by_status = {
        s: [
            e["title"]
            for e in client.get(f"/api/episodes?status={s}", headers=auth).json()["items"]
        ]
        for s in ("draft", "scheduled", "published")
    }
    assert by_status == {"draft": ["Draft"], "scheduled": ["Scheduled"], "published": ["Live"]}
    assert client.get("/api/episodes?status=draft").status_code == 401

    clock.advance(timedelta(days=1, seconds=1))
    public = client.get("/api/episodes").json()
    assert [e["title"] for e in public["items"]] == ["Scheduled", "Live"]
    assert client.get(f"/api/episodes/{scheduled['id']}").json()["status"] == "published"

    client.post(f"/api/episodes/{live['id']}/unpublish", headers=auth)
    assert client.get(f"/api/episodes/{live['id']}").status_code == 404


def test_pagination(client: TestClient, auth: dict[str, str], clock: FrozenClock) -> None:
    for n in range(1, 6):
        episode = _create(client, auth, title=f"Episode {n}")
        upload_audio(client, auth, episode["id"])
        at = (NOW - timedelta(days=10 - n)).isoformat()
        body = {"at": at, "backdated": True}
        client.post(f"/api/episodes/{episode['id']}/publish", json=body, headers=auth)
    first = client.get("/api/episodes?per_page=2").json()
    assert [e["title"] for e in first["items"]] == ["Episode 5", "Episode 4"]
    assert (first["total"], first["page"], first["per_page"]) == (5, 1, 2)
    last = client.get("/api/episodes?per_page=2&page=3").json()
    assert [e["title"] for e in last["items"]] == ["Episode 1"]
    assert client.get("/api/episodes?per_page=0").status_code == 422
    assert client.get("/api/episodes?page=abc").json()["errors"][0]["field"] == "page"


def test_writes_need_a_valid_token(client: TestClient, auth: dict[str, str]) -> None:
    episode = _create(client, auth)
    attempts = [
        ("post", "/api/episodes", {"title": "x"}),
        ("patch", f"/api/episodes/{episode['id']}", {"title": "x"}),
        ("delete", f"/api/episodes/{episode['id']}", None),
        ("post", f"/api/episodes/{episode['id']}/publish", None),
        ("patch", "/api/show", {"title": "x"}),
    ]
    for method, url, body in attempts:
        for headers in ({}, {"Authorization": "Bearer pod_wrong"}, {"Authorization": "Basic x"}):
            kwargs = {"json": body} if body is not None else {}
            response = client.request(method, url, headers=headers, **kwargs)
            assert response.status_code == 401, (method, url, headers)
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert response.json()["detail"]
    # A bad token is refused even on public reads: it is never silently ignored.
    assert client.get("/api/episodes", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_validation_errors_name_the_field(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/episodes", json={"summary": "no title"}, headers=auth)
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "title", "message": "is required"}]
    assert response.json()["detail"] == "title: is required"

    response = client.post(
        "/api/episodes",
        json={"title": "x", "season": 0, "episode_type": "teaser", "people": [{"role": "host"}]},
        headers=auth,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"season", "episode_type", "people[0].name"}

    response = client.post(
        "/api/episodes",
        content=b'{"title": ',
        headers={**auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["detail"]

    response = client.post(
        "/api/episodes", content=b"title=x", headers={**auth, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]

    created = _create(client, auth)
    no_audio = client.post(f"/api/episodes/{created['id']}/publish", headers=auth)
    assert no_audio.status_code == 409
    assert "upload the audio" in no_audio.json()["detail"]
    response = client.patch(f"/api/episodes/{created['id']}", json={"title": None}, headers=auth)
    assert response.status_code == 422
    assert response.json()["detail"] == "title: cannot be empty"
    naive = client.post(
        f"/api/episodes/{created['id']}/publish", json={"at": "2026-12-01T09:00:00"}, headers=auth
    )
    assert naive.status_code == 422
    assert naive.json()["errors"][0]["field"] == "at"
    assert client.get("/api/episodes/not-a-number").status_code == 422


def test_show_notes_are_sanitised(client: TestClient, auth: dict[str, str]) -> None:
    html = _create(
        client,
        auth,
        show_notes='<p onclick="x()">Hi <script>alert(1)</script><a href="javascript:x">a</a>'
        '<img src="https://t.example/p.gif"><a href="https://nhs.uk">NHS</a></p>',
    )
    assert "script" not in html["show_notes_html"]
    assert "onclick" not in html["show_notes_html"]
    assert "javascript:" not in html["show_notes_html"]
    assert "<img" not in html["show_notes_html"]
    assert 'href="https://nhs.uk"' in html["show_notes_html"]
    markdown = _create(
        client,
        auth,
        show_notes="## Guests\n\n- **Ayo Barley**\n\n<script>x</script>",
        show_notes_format="markdown",
    )
    assert "<h2>Guests</h2>" in markdown["show_notes_html"]
    assert "<strong>Ayo Barley</strong>" in markdown["show_notes_html"]
    assert "<script>" not in markdown["show_notes_html"]


def test_out_of_range_ids_are_404_not_500(client: TestClient, auth: dict[str, str]) -> None:
    """PostgreSQL ids are 32-bit: a larger number is simply no episode."""
    for episode_id in ("99999999999", "0", "-1"):
        assert client.get(f"/api/episodes/{episode_id}", headers=auth).status_code == 404
        patched = client.patch(f"/api/episodes/{episode_id}", json={"title": "x"}, headers=auth)
        assert patched.status_code == 404
        assert client.delete(f"/api/episodes/{episode_id}", headers=auth).status_code == 404
        put = client.put(f"/api/episodes/{episode_id}/transcript", content=b"x", headers=auth)
        assert put.status_code == 404
    huge_page = client.get("/api/episodes?page=1000000000000000000000")
    assert huge_page.status_code == 422
    assert huge_page.json()["errors"][0]["field"] == "page"


BAD_PUBLISH = [
    ({"at": 0}, "at", "numbers are not read as times"),  # was published in 1970
    ({"at": 1_700_000_000}, "at", "numbers are not read as times"),
    ({"at": 1.5}, "at", "numbers are not read as times"),
    ({"at": "0"}, "at", "numbers are not read as times"),
    ({"at": "1700000000"}, "at", "numbers are not read as times"),
    ({"at": True}, "at", "numbers are not read as times"),
    ({"at": "2026-12-01"}, "at", ""),
    ({"at": "2026-12-01T09:00:00"}, "at", "timezone"),
    ({"at": "1999-12-31T23:59:59Z"}, "at", '"backdated": true'),
    ({"at": "1970-01-01T00:00:00Z", "backdated": False}, "at", "before 2000-01-01"),
    ({"at": "1899-12-31T23:59:59Z", "backdated": True}, "at", "before 1900-01-01"),
    ({"at": "9999-12-31T23:59:59-14:00"}, "at", "out of range"),
    ({"at": "2026-12-01T07:00:00Z", "backdated": "yes"}, "backdated", ""),
]


def test_publish_times_are_zoned_text_and_not_before_2000(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = _create(client, auth)
    upload_audio(client, auth, episode["id"])
    url = f"/api/episodes/{episode['id']}/publish"
    for body, field, words in BAD_PUBLISH:
        response = client.post(url, json=body, headers=auth)
        assert response.status_code == 422, (body, response.text)
        errors = response.json()["errors"]
        assert [e["field"] for e in errors] == [field], (body, errors)
        assert words in errors[0]["message"], (body, errors)
    assert client.get(f"/api/episodes/{episode['id']}", headers=auth).json()["status"] == "draft"

    offset = client.post(url, json={"at": "2026-12-01T08:00:00+01:00"}, headers=auth)
    assert offset.status_code == 200
    assert offset.json()["publish_at"].startswith("2026-12-01T07:00:00")
    first = client.post(url, json={"at": "2000-01-01T00:00:00Z", "backdated": True}, headers=auth)
    assert first.json()["publish_at"].startswith("2000-01-01T00:00:00")
    archive = client.post(url, json={"at": "1987-06-01T09:00:00Z", "backdated": True}, headers=auth)
    assert archive.status_code == 200, archive.text
    assert archive.json()["status"] == "published"
    assert archive.json()["publish_at"].startswith("1987-06-01T09:00:00")
    assert client.get("/feed.xml").status_code == 200
    schema = client.get("/openapi.json").json()["components"]["schemas"]["PublishRequest"]
    assert "backdated" in schema["properties"] and "2000-01-01" in str(schema)


def test_ids_of_deleted_episodes_are_never_reused(client: TestClient, auth: dict[str, str]) -> None:
    first, second = _create(client, auth, title="One"), _create(client, auth, title="Two")
    assert (first["id"], second["id"]) == (1, 2)
    assert client.delete(f"/api/episodes/{second['id']}", headers=auth).status_code == 204
    third = _create(client, auth, title="Three")
    assert third["id"] == 3  # SQLite used to hand out 2 again
    assert client.get(f"/api/episodes/{second['id']}", headers=auth).status_code == 404


def test_people_are_stored_alike_by_create_and_patch(
    client: TestClient, auth: dict[str, str]
) -> None:
    """A person PATCHed in is stored with its defaults, as one created is, so comparing what
    is stored (an import run again) finds nothing changed."""
    people = [{"name": "Ayo Barley", "role": "guest"}]
    created = _create(client, auth, people=people)
    other = _create(client, auth, title="Another")
    response = client.patch(f"/api/episodes/{other['id']}", json={"people": people}, headers=auth)
    assert response.status_code == 200, response.text
    assert client.patch("/api/show", json={"people": people}, headers=auth).status_code == 200
    app = client.app
    assert isinstance(app, FastAPI)
    with app.state.sessionmaker() as session:
        stored = {i: p for i, p in session.execute(select(Episode.id, Episode.people))}
        show_people = session.scalars(select(Show.people)).one()
    complete = [{"name": "Ayo Barley", "role": "guest", "group": "cast"}]
    assert stored[created["id"]] == stored[other["id"]] == show_people == complete
