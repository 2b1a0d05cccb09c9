"""The producer area without a browser: sessions, CSRF, and every form's happy and error paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core import auth as auth_module
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.settings import Settings
from podcast.core.tokens import create_token, revoke_token
from tests.conftest import FIXTURES, NOW
from tests.factories import create_episode
from tests.web.helpers import (
    VTT,
    check_links,
    check_structure,
    csrf_of,
    h1,
    parse,
    put_transcript,
    text_of,
)

ADMIN_PAGES = [
    "/admin",
    "/admin/episodes/new",
    "/admin/feed",
    "/admin/show",
    "/admin/episodes/1",
    "/admin/episodes/1/delete",
    "/admin/episodes/abc",
]


def _field_error(doc, field: str) -> str:  # type: ignore[no-untyped-def]
    errors = doc.xpath(f"//p[@id='{field}-error']")
    assert errors, f"no error shown for {field}"
    control = doc.xpath(f"//*[@id='{field}']")[0]
    assert f"{field}-error" in control.get("aria-describedby", "")
    assert control.get("aria-invalid") == "true"
    return text_of(errors[0])


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_need_a_session(web: TestClient, path: str) -> None:
    response = web.get(path, follow_redirects=False)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/admin/login")
    assert response.headers["cache-control"] == "no-store"
    if path != "/admin":
        assert location == f"/admin/login?next={path}"


def test_login_page(web: TestClient) -> None:
    response = web.get("/admin/login")
    assert response.status_code == 200
    doc = parse(response)
    check_structure(doc)
    assert h1(doc) == "Sign in to the producer area"
    token_input = doc.xpath("//input[@name='token']")[0]
    assert token_input.get("type") == "password"
    assert csrf_of(doc)


def test_login_with_a_bad_token_shows_the_error(web: TestClient, token: str) -> None:
    csrf = csrf_of(parse(web.get("/admin/login")))
    response = web.post("/admin/login", data={"token": "pod_wrong", "csrf_token": csrf})
    assert response.status_code == 401
    doc = parse(response)
    assert "That token is not valid" in _field_error(doc, "token")
    assert doc.xpath("//div[@class='error-summary']//a/@href") == ["#token"]
    assert doc.xpath("string(//title)").startswith("Error:")
    assert not any(c.startswith("__Host-podcast_admin") for c in web.cookies)
    empty = web.post("/admin/login", data={"token": " ", "csrf_token": csrf})
    assert empty.status_code == 400
    assert "Enter your producer token" in _field_error(parse(empty), "token")


def test_login_needs_its_csrf_token(web: TestClient, token: str) -> None:
    web.get("/admin/login")
    response = web.post("/admin/login", data={"token": token}, follow_redirects=False)
    assert response.status_code == 403
    assert h1(parse(response)) == "The form could not be sent"
    forged = web.post(
        "/admin/login", data={"token": token, "csrf_token": "x" * 43}, follow_redirects=False
    )
    assert forged.status_code == 403


def test_session_cookie_flags(web: TestClient, token: str) -> None:
    csrf = csrf_of(parse(web.get("/admin/login")))
    response = web.post(
        "/admin/login",
        data={"token": token, "csrf_token": csrf, "next": "/admin/feed"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/feed"
    cookies = [c for c in response.headers.get_list("set-cookie") if "podcast_admin=" in c]
    assert len(cookies) == 1
    flags = [part.strip().lower() for part in cookies[0].split(";")]
    assert flags[0].startswith("__host-podcast_admin=")
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= set(flags)
    assert any(f.startswith("max-age=") for f in flags)
    value = flags[0].split("=", 1)[1]
    assert token.lower() not in value  # the token itself is never stored in the cookie


def test_cookie_is_not_secure_on_plain_http(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        base_url="http://127.0.0.1:8000",
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings, clock=FrozenClock(NOW))) as client:
        with session_scope(client.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
            token = create_token(session, "plain", NOW)
        csrf = csrf_of(parse(client.get("/admin/login")))
        response = client.post(
            "/admin/login", data={"token": token, "csrf_token": csrf}, follow_redirects=False
        )
        cookie = next(c for c in response.headers.get_list("set-cookie") if "podcast_admin" in c)
        assert cookie.startswith("podcast_admin=")
        assert "secure" not in cookie.lower() and "httponly" in cookie.lower()
        assert client.get("/admin").status_code == 200


def test_open_redirects_are_refused(web: TestClient, token: str) -> None:
    csrf = csrf_of(parse(web.get("/admin/login")))
    for target in ("https://evil.example", "//evil.example", "/admin//evil", "/elsewhere"):
        web.cookies.clear()
        csrf = csrf_of(parse(web.get("/admin/login")))
        response = web.post(
            "/admin/login",
            data={"token": token, "csrf_token": csrf, "next": target},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/admin"


def test_every_post_needs_the_csrf_token(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, publish=False)
    path = f"/admin/episodes/{episode['id']}"
    posts = {
        "/admin/logout": {},
        path: {"title": "Changed"},
        f"{path}/publish": {"when": "now"},
        f"{path}/unpublish": {},
        f"{path}/transcript": {"language": "en"},
        f"{path}/transcript/delete": {"language": "en-GB"},
        f"{path}/delete": {"confirm": "yes"},
        "/admin/show": {"title": "Changed"},
    }
    for url, data in posts.items():
        other_session = auth_module.csrf_token(web.app.state.web.secret, "another-session")  # type: ignore[attr-defined]
        for token in (None, "forged", other_session):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            response = web.post(url, data=body, follow_redirects=False)
            assert response.status_code == 403, (url, token)
    upload = web.post(
        "/admin/episodes/new",
        files={"file": ("speech.mp3", (FIXTURES / "speech.mp3").read_bytes(), "audio/mpeg")},
        follow_redirects=False,
    )
    assert upload.status_code == 403
    forged_header = web.post(
        "/admin/episodes/new",
        files={"file": ("speech.mp3", (FIXTURES / "speech.mp3").read_bytes(), "audio/mpeg")},
        headers={"X-CSRF-Token": "forged"},
        follow_redirects=False,
    )
    assert forged_header.status_code == 403
    for url in (f"{path}/audio", "/admin/show/artwork"):
        refused = web.post(
            url,
            files={"file": ("speech.m4a", (FIXTURES / "speech.m4a").read_bytes(), "audio/mp4")},
            follow_redirects=False,
        )
        assert refused.status_code == 403, url
    listed = web.get("/api/episodes?status=draft", headers=auth).json()
    assert [e["title"] for e in listed["items"]] == ["An episode"]  # nothing was created
    assert listed["items"][0]["audio"]["mime_type"] == "audio/mpeg"  # nor replaced
    assert web.get("/admin", follow_redirects=False).status_code == 200  # still signed in
    media = Path(web.app.state.settings.media_dir)  # type: ignore[attr-defined]
    assert not list(media.rglob("*.part"))  # the refused upload left nothing behind


def test_admin_pages_render_with_a_session(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    create_episode(web, auth, title="Published one")
    create_episode(web, auth, title="Draft one", publish=False)
    create_episode(web, auth, title="Later one", at=(NOW + timedelta(days=3)).isoformat())
    listing = web.get("/admin")
    assert listing.status_code == 200
    assert listing.headers["cache-control"] == "private, no-store"
    doc = parse(listing)
    check_structure(doc)
    rows = {
        text_of(r.xpath("th")[0]): r.xpath("string(td[1]/span)") for r in doc.xpath("//tbody/tr")
    }
    assert rows == {"Published one": "Published", "Draft one": "Draft", "Later one": "Scheduled"}
    for path in (
        "/admin/episodes/new",
        "/admin/feed",
        "/admin/show",
        "/admin/episodes/1",
        "/admin/episodes/1/delete",
    ):
        page = parse(web.get(path))
        check_structure(page)
        for action in page.xpath("//form[@method='post']/@action"):
            assert csrf_of(page, action)
    check_links(web, doc, skip={"/feed.xml"})


def test_revoked_token_ends_the_session(web: TestClient, admin: str) -> None:
    assert web.get("/admin", follow_redirects=False).status_code == 200
    with session_scope(web.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        assert revoke_token(session, "tests")
    assert web.get("/admin", follow_redirects=False).status_code == 303


def test_sessions_expire(web: TestClient, admin: str, clock: FrozenClock) -> None:
    clock.advance(timedelta(hours=11))
    assert web.get("/admin", follow_redirects=False).status_code == 200
    clock.advance(timedelta(hours=2))
    assert web.get("/admin", follow_redirects=False).status_code == 303


def test_tampered_cookie_is_refused(web: TestClient, admin: str) -> None:
    name = "__Host-podcast_admin"
    value = web.cookies[name]
    web.cookies.clear()
    web.cookies.set(name, f"{value[:-2]}AA")
    assert web.get("/admin", follow_redirects=False).status_code == 303
    assert auth_module.read_session(None, b"k", "garbage", NOW, 60) is None  # type: ignore[arg-type]


def test_cookie_signed_for_another_token_is_refused(web: TestClient, admin: str) -> None:
    """The token id outside the signature cannot be swapped: the key depends on that token."""
    name = "__Host-podcast_admin"
    version, tid, signed = web.cookies[name].split(".", 2)
    web.cookies.clear()
    web.cookies.set(name, f"{version}.{int(tid) + 1}.{signed}")
    assert web.get("/admin", follow_redirects=False).status_code == 303


def _signed(web: TestClient, payload_json: bytes | str, tid: int = 1) -> str:
    """A session cookie carrying ``payload_json``, signed with the app's real key and the real
    token's digest, so it passes the signature whenever it names that token."""
    from itsdangerous import base64_encode
    from sqlalchemy import select

    from podcast.core.tokens import ProducerToken

    raw = payload_json.encode() if isinstance(payload_json, str) else payload_json
    with session_scope(web.app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        token_hash = session.scalars(select(ProducerToken.token_hash)).one()
    secret = web.app.state.web.secret  # type: ignore[attr-defined]
    serializer = auth_module._session_serializer(secret, token_hash, NOW)
    signed = serializer.make_signer(serializer.salt).sign(base64_encode(raw)).decode()
    return f"v2.{tid}.{signed}"


CRAFTED_PAYLOADS = [
    '{"tid":1e400,"sid":"abc"}',  # infinity
    f'{{"tid":{10**30},"sid":"abc"}}',  # past every integer column
    f'{{"tid":{2**63},"sid":"abc"}}',
    f'{{"tid":{"9" * 4000},"sid":"abc"}}',
    '{"tid":2,"sid":"abc"}',  # another token than the one outside
    '{"tid":1.0,"sid":"abc"}',  # odd types, even for the right token
    '{"tid":"1","sid":"abc"}',
    '{"tid":true,"sid":"abc"}',
    '{"tid":1,"sid":{"a":1}}',
    f'{{"tid":1,"sid":"{"s" * 500}"}}',
    '{"tid":1,"sid":""}',
    '{"tid":1}',
    "[1, 2, 3]",
    "null",
    '"v2"',
    "[" * 300 + "]" * 300,
    b"\xff\xfe not UTF-8",
    "not JSON at all",
]
GARBAGE_COOKIES = [
    "garbage",
    "v2..",
    "v2.1.",
    "v2.1.!!!.???",
    "v2.%%%%.abc",
    "v2.01.abc",
    f"v2.{10**400}.abc",
    f"v2.{2**31}.abc",
    "v1.eyJ0aWQiOjF9.abc",
    "v2.1.eyJ0aWQiOjF9.abc.def",
    "v2.1." + "A" * 5000 + ".abc",
    "v2.1.eyJ0aWQiOjF9.\u00e9\u00e9",  # a non-ASCII signature
    "v2.\u00e9.abc",
]


def _status_with_cookie(web: TestClient, path: str, value: str) -> int:
    cookie = f"__Host-podcast_admin={value}".encode()  # bytes: non-ASCII goes through as is
    response = web.get(path, headers={"Cookie": cookie}, follow_redirects=False)  # type: ignore[dict-item]
    return response.status_code


def test_crafted_session_cookies_mean_signed_out(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    """Crafted payloads signed with the real key (so they pass the MAC), and garbage: every
    public page still answers and the admin area asks to sign in; nothing is a 500."""
    web.cookies.clear()
    good = _signed(web, '{"tid":1,"sid":"abc"}')
    assert _status_with_cookie(web, "/admin", good) == 200  # the signing helper is right
    episode = create_episode(web, auth)
    cookies = [_signed(web, payload) for payload in CRAFTED_PAYLOADS] + GARBAGE_COOKIES
    for cookie in cookies:
        for path in ("/", f"/episodes/{episode['slug']}", "/search?q=leadership"):
            assert _status_with_cookie(web, path, cookie) == 200, (cookie[:80], path)
        assert _status_with_cookie(web, "/admin", cookie) == 303, cookie[:80]


def test_sign_out(web: TestClient, admin: str) -> None:
    response = web.post("/admin/logout", data={"csrf_token": admin}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?signed_out=1"
    assert "max-age=0" in response.headers["set-cookie"].lower()
    assert web.get("/admin", follow_redirects=False).status_code == 303
    assert "You have signed out" in web.get("/admin/login?signed_out=1").text


def test_upload_form_creates_an_episode_prefilled_from_tags(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    response = web.post(
        "/admin/episodes/new",
        data={"csrf_token": admin, "title": ""},
        files={"file": ("speech.mp3", (FIXTURES / "speech.mp3").read_bytes(), "audio/mpeg")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith("/admin/episodes/1?done=created&filled=")
    doc = parse(web.get(location))
    check_structure(doc)
    assert h1(doc) == "Welcome to Leadership Live"
    notice = text_of(doc.xpath("//div[contains(@class, 'notice--success')]")[0])
    assert "Filled from the file's tags" in notice and "Summary" in notice
    assert doc.xpath("//input[@id='title']/@value") == ["Welcome to Leadership Live"]
    assert doc.xpath("//input[@id='episode_number']/@value") == ["3"]
    assert doc.xpath("//input[@id='season']/@value") == ["2"]
    assert (
        doc.xpath("string(//textarea[@id='summary'])")
        == "A short test recording made with espeak-ng."
    )
    episode = web.get("/api/episodes/1", headers=auth).json()
    assert episode["status"] == "draft" and episode["audio"]["mime_type"] == "audio/mpeg"


def test_upload_with_a_header_token_and_a_title(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    response = web.post(
        "/admin/episodes/new",
        data={"title": "My own title"},
        files={"file": ("x.m4a", (FIXTURES / "speech.m4a").read_bytes(), "audio/mp4")},
        headers={"X-CSRF-Token": admin},
    )
    assert response.status_code == 200
    assert h1(parse(response)) == "My own title"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (None, "Choose an audio file"),
        ({"file": ("notes.txt", b"hello", "text/plain")}, ""),
        (
            {"file": ("random.mp3", (FIXTURES / "bad" / "random.mp3").read_bytes(), "audio/mpeg")},
            "",
        ),
    ],
)
def test_upload_errors_are_shown_next_to_the_file_field(
    web: TestClient, admin: str, files: dict | None, message: str
) -> None:
    response = web.post(
        "/admin/episodes/new",
        data={"csrf_token": admin, "title": "Kept title"},
        files=files or {"empty": ("", b"", "application/octet-stream")},
    )
    assert response.status_code in (413, 415, 422)
    doc = parse(response)
    error = _field_error(doc, "file")
    assert message in error and error
    assert doc.xpath("//input[@id='title']/@value") == ["Kept title"]
    assert doc.xpath("//div[@class='error-summary']//a/@href") == ["#file"]


def test_edit_metadata(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, publish=False)
    path = f"/admin/episodes/{episode['id']}"
    form = {
        "csrf_token": admin,
        "title": "  Kind leadership  ",
        "slug": "kind-leadership",
        "summary": "About kindness.",
        "show_notes": "**Bold** and <script>x()</script>",
        "show_notes_format": "markdown",
        "season": "2",
        "episode_number": "7",
        "episode_type": "bonus",
        "explicit": "on",
        "people": "Lorna Krisson | host\nDr Amara Okafor | guest | https://example.org/amara\n",
        "keywords": "leadership, kindness, leadership",
        "author": "",
    }
    response = web.post(path, data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?done=saved"
    saved = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert saved["title"] == "Kind leadership" and saved["slug"] == "kind-leadership"
    assert saved["season"] == 2 and saved["episode_number"] == 7
    assert saved["episode_type"] == "bonus" and saved["explicit"] is True
    assert (
        saved["show_notes_html"]
        == "<p><strong>Bold</strong> and &lt;script&gt;x()&lt;/script&gt;</p>"
    )
    assert [(p["name"], p["role"], p["href"]) for p in saved["people"]] == [
        ("Lorna Krisson", "host", None),
        ("Dr Amara Okafor", "guest", "https://example.org/amara"),
    ]
    assert saved["keywords"] == ["leadership", "kindness"]
    doc = parse(web.get(f"{path}?done=saved"))
    assert "Changes saved." in text_of(doc.xpath("//div[contains(@class,'notice')]")[0])
    assert doc.xpath("string(//textarea[@id='people'])").splitlines() == [
        "Lorna Krisson | host",
        "Dr Amara Okafor | guest | https://example.org/amara",
    ]


def test_metadata_errors_keep_the_input(web: TestClient, auth: dict[str, str], admin: str) -> None:
    other = create_episode(web, auth, title="Taken", publish=False)
    episode = create_episode(web, auth, title="Original", publish=False)
    path = f"/admin/episodes/{episode['id']}"
    response = web.post(
        path,
        data={
            "csrf_token": admin,
            "title": "New title I typed",
            "slug": other["slug"],
            "season": "two",
            "people": "Someone | guest | not a url",
            "summary": "x" * 4001,
        },
    )
    assert response.status_code == 422
    doc = parse(response)
    assert "Season must be a whole number" in _field_error(doc, "season")
    assert "Line 1" in _field_error(doc, "people")
    assert "4000 characters or fewer" in _field_error(doc, "summary")
    assert doc.xpath("//input[@id='title']/@value") == ["New title I typed"]
    assert doc.xpath("//input[@id='season']/@value") == ["two"]
    links = doc.xpath(
        "//section[@aria-labelledby='details-heading']//div[@class='error-summary']//a/@href"
    )
    assert {"#season", "#people", "#summary"} <= set(links)
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).json()["title"] == "Original"

    taken = web.post(path, data={"csrf_token": admin, "title": "Fine", "slug": other["slug"]})
    assert taken.status_code == 422
    assert "already used" in _field_error(parse(taken), "slug")
    blank = web.post(path, data={"csrf_token": admin, "title": "  ", "slug": "ok"})
    assert "Enter a title" in _field_error(parse(blank), "title")
    spaced = web.post(path, data={"csrf_token": admin, "title": "Fine", "slug": "Kind Words"})
    assert spaced.status_code == 422
    assert _field_error(parse(spaced), "slug") == (
        "Error: Web address: use lower-case letters, digits and single hyphens, "
        "like building-anti-racist-leadership"
    )


def test_publish_now_and_unpublish(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, publish=False)
    path = f"/admin/episodes/{episode['id']}"
    response = web.post(f"{path}/publish", data={"csrf_token": admin, "when": "now"})
    assert response.status_code == 200
    assert "Episode published." in response.text
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).json()["status"] == "published"
    assert web.get(f"/api/episodes/{episode['id']}").status_code == 200  # public now
    response = web.post(f"{path}/unpublish", data={"csrf_token": admin}, follow_redirects=False)
    assert response.headers["location"] == f"{path}?done=unpublished"
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).json()["status"] == "draft"


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ("2027-01-10T09:00", datetime(2027, 1, 10, 9, 0, tzinfo=UTC)),  # GMT
        ("2027-07-01T09:00", datetime(2027, 7, 1, 8, 0, tzinfo=UTC)),  # BST
        ("2027-10-31T01:30", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),  # repeated hour: BST
    ],
)
def test_schedule_reads_uk_time(
    web: TestClient, auth: dict[str, str], admin: str, local: str, utc: datetime
) -> None:
    episode = create_episode(web, auth, publish=False)
    path = f"/admin/episodes/{episode['id']}"
    response = web.post(
        f"{path}/publish",
        data={"csrf_token": admin, "when": "schedule", "publish_at": local},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"{path}?done=scheduled"
    saved = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert saved["status"] == "scheduled"
    assert datetime.fromisoformat(saved["publish_at"]) == utc
    doc = parse(web.get(path))
    assert "Scheduled" in text_of(doc.xpath("//dl[@class='facts']")[0])


@pytest.mark.parametrize(
    ("when", "value", "field", "message"),
    [
        ("schedule", "", "publish_at", "Enter the date and time"),
        ("schedule", "2027-03-28T01:30", "publish_at", "does not exist in the UK"),
        ("schedule", "2020-01-01T09:00", "publish_at", "Yes, publish it at a past date"),
        ("schedule", "tomorrow", "publish_at", "Enter a date and time"),
        ("sometime", "", "when", "Choose to publish now or at a time"),
    ],
)
def test_schedule_errors(
    web: TestClient,
    auth: dict[str, str],
    admin: str,
    when: str,
    value: str,
    field: str,
    message: str,
) -> None:
    episode = create_episode(web, auth, publish=False)
    response = web.post(
        f"/admin/episodes/{episode['id']}/publish",
        data={"csrf_token": admin, "when": when, "publish_at": value},
    )
    assert response.status_code == 422
    doc = parse(response)
    if field == "publish_at":
        assert message in _field_error(doc, field)
        assert doc.xpath("//input[@id='publish_at']/@value") == [value]
    else:
        assert message in text_of(doc.xpath(f"//p[@id='{field}-error']")[0])
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).json()["status"] == "draft"


def test_a_past_date_is_published_once_confirmed(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    episode = create_episode(web, auth, publish=False)
    path = f"/admin/episodes/{episode['id']}"
    form = {"csrf_token": admin, "when": "schedule", "publish_at": "2026-11-20T09:00"}
    refused = web.post(f"{path}/publish", data=form)
    assert refused.status_code == 422
    doc = parse(refused)
    assert "in the past" in _field_error(doc, "publish_at")
    assert doc.xpath("//input[@id='backdate']/@checked") == []
    response = web.post(f"{path}/publish", data={**form, "backdate": "yes"}, follow_redirects=False)
    assert response.headers["location"] == f"{path}?done=published"
    saved = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert (saved["status"], saved["publish_at"]) == ("published", "2026-11-20T09:00:00Z")


def test_the_tag_date_is_the_publish_date_in_one_click(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    episode = create_episode(web, auth, publish=False, audio="speech.mp3")
    assert episode["suggested_publish_date"] == "2026-10-14"
    path = f"/admin/episodes/{episode['id']}"
    doc = parse(web.get(path))
    check_structure(doc)
    [button] = doc.xpath("//form[.//input[@name='when'][@value='tag_date']]//button")
    assert text_of(button) == "Publish dated 14 October 2026"
    response = web.post(
        f"{path}/publish", data={"csrf_token": admin, "when": "tag_date"}, follow_redirects=False
    )
    assert response.headers["location"] == f"{path}?done=published"
    saved = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    # Midnight in UK time (BST in October) on the tagged day.
    assert (saved["status"], saved["publish_at"]) == ("published", "2026-10-13T23:00:00Z")


def test_publishing_without_audio_is_explained(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    episode = create_episode(web, auth, publish=False, audio=None)
    response = web.post(
        f"/admin/episodes/{episode['id']}/publish", data={"csrf_token": admin, "when": "now"}
    )
    assert response.status_code == 422
    assert "Upload the audio before publishing" in response.text


def test_feed_check_page(web: TestClient, auth: dict[str, str], admin: str) -> None:
    create_episode(web, auth, title="Episode 1: numbered in the title")
    doc = parse(web.get("/admin/feed"))
    check_structure(doc)
    assert h1(doc) == "Feed check"
    headings = [text_of(h) for h in doc.xpath("//main//h2")]
    assert headings[0].startswith("Errors (") and headings[1].startswith("Warnings (")
    # No artwork has been uploaded: directories refuse a show without it.
    assert "artwork" in text_of(doc.xpath("//main")[0]).lower()


def test_unknown_episode_in_admin_is_404(web: TestClient, admin: str) -> None:
    response = web.get("/admin/episodes/999")
    assert response.status_code == 404
    assert h1(parse(response)) == "Page not found"


def test_transcript_upload_and_replace(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, publish=False, audio="speech.mp3")
    path = f"/admin/episodes/{episode['id']}"
    response = web.post(
        f"{path}/transcript",
        data={"csrf_token": admin, "language": "en-GB"},
        files={"file": ("episode.vtt", VTT.encode(), "text/vtt")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{path}?done=transcript"
    doc = parse(web.get(response.headers["location"]))
    panel = text_of(doc.xpath("//section[@aria-labelledby='transcript-heading']")[0])
    assert "en-GB: 3 cues, uploaded as WebVTT" in panel
    srt = "1\n00:00:00,000 --> 00:00:02,000\nReplaced.\n"
    web.post(
        f"{path}/transcript",
        data={"csrf_token": admin, "language": "en-GB"},
        files={"file": ("episode.srt", srt.encode(), "application/octet-stream")},
    )
    listed = web.get(f"/api/episodes/{episode['id']}/transcripts", headers=auth).json()
    assert [(t["language"], t["cues"], t["source_format"]) for t in listed] == [("en-GB", 1, "srt")]


BACKWARDS = "WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nBackwards.\n"


@pytest.mark.parametrize(
    ("language", "content", "field", "message"),
    [
        (
            "en-GB",
            "WEBVTT\n\n00:00:01.000 --> 00:00:00.500\nBackwards.\n",
            "transcript-file",
            "Line 3:",
        ),
        ("en-GB", None, "transcript-file", "Choose a transcript file"),
        ("not a language", VTT, "language", "Enter a language code"),
    ],
)
def test_transcript_errors_are_shown_with_line_numbers(
    web: TestClient,
    auth: dict[str, str],
    admin: str,
    language: str,
    content: str | None,
    field: str,
    message: str,
) -> None:
    episode = create_episode(web, auth, publish=False)
    files = {"file": ("t.vtt", content.encode(), "text/vtt")} if content else None
    response = web.post(
        f"/admin/episodes/{episode['id']}/transcript",
        data={"csrf_token": admin, "language": language},
        files=files,
    )
    assert response.status_code == 422
    doc = parse(response)
    assert message in _field_error(doc, field)
    assert doc.xpath("//input[@id='language']/@value") == [language]
    assert web.get(f"/api/episodes/{episode['id']}/transcripts", headers=auth).json() == []


# ----------------------------------------------------------------------------- ids, audio, deletes


def _media(web: TestClient) -> set[Path]:
    """Every file under the media folder, temp uploads included."""
    root = Path(web.app.state.settings.media_dir)  # type: ignore[attr-defined]
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    "path",
    [
        "/admin/episodes/abc",
        "/admin/episodes/1.5",
        "/admin/episodes/-1",
        "/admin/episodes/%C2%B2",
        "/admin/episodes/99999999999999999999",
        "/admin/episodes/abc/delete",
    ],
)
def test_non_numeric_ids_get_the_html_404(web: TestClient, admin: str, path: str) -> None:
    response = web.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert h1(parse(response)) == "Page not found"
    for action in ("", "/publish", "/unpublish", "/delete", "/transcript/delete"):
        posted = web.post(path.removesuffix("/delete") + action, data={"csrf_token": admin})
        assert posted.status_code == 404, action
        assert posted.headers["content-type"].startswith("text/html"), action


def test_new_posts_need_a_session(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth, publish=False)
    put_transcript(web, auth, episode["id"], language="en-GB")
    path = f"/admin/episodes/{episode['id']}"
    for url, data in {
        f"{path}/delete": {"confirm": "yes"},
        f"{path}/transcript/delete": {"language": "en-GB"},
    }.items():
        response = web.post(url, data=data, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/admin/login")
    audio = web.post(
        f"{path}/audio",
        files={"file": ("speech.m4a", (FIXTURES / "speech.m4a").read_bytes(), "audio/mp4")},
        follow_redirects=False,
    )
    assert audio.status_code == 303 and audio.headers["location"].startswith("/admin/login")
    saved = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert saved["audio"]["mime_type"] == "audio/mpeg"
    assert len(web.get(f"/api/episodes/{episode['id']}/transcripts", headers=auth).json()) == 1


def test_replace_audio(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, audio="plain.mp3")
    path = f"/admin/episodes/{episode['id']}"
    doc = parse(web.get(path))
    facts = text_of(doc.xpath("//section[@aria-labelledby='audio-heading']//dl")[0])
    assert "File" in facts and "Format" in facts
    assert "MP3 (audio/mpeg)" in facts and "Duration" in facts and "Size" in facts
    assert doc.xpath("//form[@action=$a]/@enctype", a=f"{path}/audio") == ["multipart/form-data"]
    old_files = _media(web)
    response = web.post(
        f"{path}/audio",
        data={"csrf_token": admin},
        files={"file": ("final mix.m4a", (FIXTURES / "speech.m4a").read_bytes(), "audio/mp4")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"{path}?done=audio"
    saved = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()
    assert saved["audio"]["mime_type"] == "audio/x-m4a"
    assert saved["guid"] == episode["guid"] and saved["status"] == "published"
    assert not (old_files & _media(web))  # the file it replaced is released
    doc = parse(web.get(response.headers["location"]))
    assert "Audio replaced." in text_of(doc.xpath("//div[contains(@class,'notice')]")[0])
    facts = text_of(doc.xpath("//section[@aria-labelledby='audio-heading']//dl")[0])
    assert "final mix.m4a" in facts and "M4A (audio/x-m4a)" in facts
    # The script sends the token as a header; an episode without audio gets its first file.
    bare = create_episode(web, auth, publish=False, audio=None)
    first = web.post(
        f"/admin/episodes/{bare['id']}/audio",
        files={"file": ("speech.ogg", (FIXTURES / "speech.ogg").read_bytes(), "audio/ogg")},
        headers={"X-CSRF-Token": admin},
        follow_redirects=False,
    )
    assert first.status_code == 303
    assert web.get(f"/api/episodes/{bare['id']}", headers=auth).json()["audio"]["duration"] > 0


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("notes.txt", b"hello, this is not audio", 415, ""),
        ("random.mp3", (FIXTURES / "bad" / "random.mp3").read_bytes(), 415, ""),
        ("truncated.m4a", (FIXTURES / "bad" / "truncated.m4a").read_bytes(), 422, ""),
        (None, b"", 422, "Choose an audio file"),
    ],
)
def test_replace_audio_errors_are_shown_next_to_the_field(
    web: TestClient,
    auth: dict[str, str],
    admin: str,
    name: str | None,
    content: bytes,
    status: int,
    message: str,
) -> None:
    episode = create_episode(web, auth, audio="plain.mp3")
    before = web.get(f"/api/episodes/{episode['id']}", headers=auth).json()["audio"]
    files = _media(web)
    response = web.post(
        f"/admin/episodes/{episode['id']}/audio",
        data={"csrf_token": admin},
        files={"file": (name or "", content, "application/octet-stream")},
    )
    assert response.status_code == status
    doc = parse(response)
    check_structure(doc)
    error = _field_error(doc, "audio-file")
    assert error and message in error
    assert doc.xpath(
        "//section[@aria-labelledby='audio-heading']//div[@class='error-summary']//a/@href"
    ) == ["#audio-file"]
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).json()["audio"] == before
    assert _media(web) == files  # the refused file is not kept, not even as a temp file


def test_replace_audio_too_large(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, audio="plain.mp3")
    web.app.state.settings.max_upload_mb = 1  # type: ignore[attr-defined]
    files = _media(web)
    response = web.post(
        f"/admin/episodes/{episode['id']}/audio",
        data={"csrf_token": admin},
        files={"file": ("big.mp3", b"\xff\xfb" * (1024 * 1024), "audio/mpeg")},
    )
    assert response.status_code == 413
    assert "1 MiB upload limit" in _field_error(parse(response), "audio-file")
    assert _media(web) == files


def test_delete_an_episode_after_confirming(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    keep = create_episode(web, auth, title="Keep me")
    episode = create_episode(web, auth, title="Delete me", audio="speech.mp3")
    put_transcript(web, auth, episode["id"], language="en-GB")
    put_transcript(web, auth, episode["id"], language="cy")
    path = f"/admin/episodes/{episode['id']}"
    assert web.get("/feed.xml").text.count("<item>") == 2
    files = _media(web)

    # The edit page's button asks first: a POST that only shows what will go.
    response = web.post(f"{path}/delete", data={"csrf_token": admin})
    assert response.status_code == 200
    doc = parse(response)
    check_structure(doc)
    assert h1(doc) == "Delete \u201cDelete me\u201d?"
    removals = [text_of(li) for li in doc.xpath("//ul[@class='removals']/li")]
    assert any(r.startswith("The audio file (MP3, ") for r in removals)
    assert "2 transcripts: en-GB, cy." in removals
    assert any("item in the feed" in r for r in removals)
    assert doc.xpath("//form[@action=$a]//input[@name='confirm']/@value", a=f"{path}/delete") == [
        "yes"
    ]
    assert csrf_of(doc, f"{path}/delete") == admin
    assert doc.xpath("//main//a[text()='No, keep it']/@href") == [path]
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).status_code == 200
    assert parse(web.get(f"{path}/delete")).xpath("//ul[@class='removals']")  # a reload too

    deleted = web.post(
        f"{path}/delete", data={"csrf_token": admin, "confirm": "yes"}, follow_redirects=False
    )
    assert deleted.status_code == 303
    assert deleted.headers["location"] == "/admin?done=deleted"
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).status_code == 404
    assert web.get(path).status_code == 404
    feed = web.get("/feed.xml").text
    assert feed.count("<item>") == 1 and "Delete me" not in feed and "Keep me" in feed
    assert len(_media(web)) < len(files)  # its audio is gone
    listing = parse(web.get(deleted.headers["location"]))
    assert "Episode deleted" in text_of(listing.xpath("//div[contains(@class,'notice')]")[0])
    assert [text_of(a) for a in listing.xpath("//tbody//th/a")] == ["Keep me"]
    assert web.get(f"/api/episodes/{keep['id']}", headers=auth).status_code == 200


def test_delete_a_draft_without_audio(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, publish=False, audio=None)
    doc = parse(web.post(f"/admin/episodes/{episode['id']}/delete", data={"csrf_token": admin}))
    removals = " ".join(text_of(li) for li in doc.xpath("//ul[@class='removals']/li"))
    assert "No audio file" in removals and "No transcripts" in removals
    assert "Nothing in the feed" in removals
    web.post(
        f"/admin/episodes/{episode['id']}/delete", data={"csrf_token": admin, "confirm": "yes"}
    )
    assert web.get(f"/api/episodes/{episode['id']}", headers=auth).status_code == 404


def test_delete_a_transcript_language(web: TestClient, auth: dict[str, str], admin: str) -> None:
    episode = create_episode(web, auth, audio="speech.mp3")
    put_transcript(web, auth, episode["id"], language="en-GB")
    put_transcript(web, auth, episode["id"], language="cy")
    path = f"/admin/episodes/{episode['id']}"
    doc = parse(web.get(path))
    buttons = [text_of(b) for b in doc.xpath("//ul[@class='transcripts']//button")]
    assert buttons == ["Delete the en-GB transcript", "Delete the cy transcript"]
    response = web.post(
        f"{path}/transcript/delete",
        data={"csrf_token": admin, "language": "en-GB"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"{path}?done=transcript-deleted"
    listed = web.get(f"/api/episodes/{episode['id']}/transcripts", headers=auth).json()
    assert [t["language"] for t in listed] == ["cy"]
    doc = parse(web.get(response.headers["location"]))
    assert "Transcript deleted." in text_of(doc.xpath("//div[contains(@class,'notice')]")[0])
    # Only an exact language is deleted: "cy-GB" is not "cy". A second click finds nothing.
    for language in ("en-GB", "cy-GB", ""):
        again = web.post(
            f"{path}/transcript/delete", data={"csrf_token": admin, "language": language}
        )
        assert again.status_code == 404
        summary = text_of(parse(again).xpath("//div[@class='error-summary']")[0])
        assert "transcript to delete" in summary
    listed = web.get(f"/api/episodes/{episode['id']}/transcripts", headers=auth).json()
    assert [t["language"] for t in listed] == ["cy"]


def test_delete_says_the_audio_stays_when_another_episode_uses_it(
    web: TestClient, auth: dict[str, str], admin: str
) -> None:
    """Media is content-addressed: the same upload to two episodes is one stored file, which
    deleting one of them keeps (and the confirmation says so, naming the other)."""
    first = create_episode(web, auth, title="First cut", audio="speech.mp3")
    second = create_episode(web, auth, title="Re-run", audio="speech.mp3")
    assert first["audio"]["sha256"] == second["audio"]["sha256"]
    path = f"/admin/episodes/{second['id']}"
    doc = parse(web.post(f"{path}/delete", data={"csrf_token": admin}))
    check_structure(doc)
    removals = " ".join(text_of(li) for li in doc.xpath("//ul[@class='removals']/li"))
    assert "audio file" not in removals
    [kept] = doc.xpath("//p[@class='kept']")
    assert "The audio file (MP3, 0:05, " in text_of(kept) and "stays" in text_of(kept)
    assert kept.xpath(".//a/@href") == [f"/admin/episodes/{first['id']}"]
    assert text_of(kept.xpath(".//a")[0]) == "First cut"
    files = _media(web)
    web.post(f"{path}/delete", data={"csrf_token": admin, "confirm": "yes"})
    assert _media(web) == files  # the shared file is kept
    assert web.get(f"/media/{first['slug']}.mp3", follow_redirects=True).status_code == 200
    # The last episode using it: now the file goes, and the page says so.
    doc = parse(web.post(f"/admin/episodes/{first['id']}/delete", data={"csrf_token": admin}))
    assert not doc.xpath("//p[@class='kept']")
    assert any(
        text_of(li).startswith("The audio file (MP3, ")
        for li in doc.xpath("//ul[@class='removals']/li")
    )
