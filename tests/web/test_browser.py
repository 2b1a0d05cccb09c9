"""The pages in a real browser: headless Debian Chromium driven by Playwright.

One browser for the whole session; each test gets a fresh context (cookies, storage) and its
own app and database through ``live_server``. axe-core checks WCAG 2.2 A/AA, in the light
and the dark theme; screenshots go to ``tests/web/screenshots/`` for a person to look at.

Contexts bypass the pages' Content-Security-Policy, for two reasons: axe is injected as a
script, and the hostile-content test must show that escaping alone stops injected markup
(the CSP is a second line of defence, checked in ``test_pages``).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from podcast.analytics.models import Download
from podcast.core.db import session_scope
from tests.conftest import FIXTURES, NOW
from tests.factories import create_episode
from tests.feed.support import image_bytes
from tests.web.browser import CHROMIUM, WIDTHS, assert_accessible, overflows_at, screenshot
from tests.web.helpers import VTT, put_transcript

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Debian chromium is not installed at {CHROMIUM}"
)

HOSTILE = (
    '</script><script>window.__pwned="script"</script>'
    '<img src=x onerror="window.__pwned=\'img\'"><svg onload="alert(1)">'
    "<a href=\"javascript:window.__pwned='href'\">click</a>"
)
NOTES = """<p>We talk about <strong>compassionate leadership</strong>.</p>
<ul><li><a href="https://example.org/report">The King's Fund report</a></li></ul>"""


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """SQLite only: what a browser sees does not depend on the database, which the API and
    page tests cover on both; each browser test costs 10-30 s."""
    return f"sqlite:///{tmp_path / 'podcast.db'}"


@pytest.fixture
def page(browser, live_server: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(
        base_url=live_server,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        bypass_csp=True,
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def _episode_with_transcript(client: TestClient, auth: dict[str, str]) -> dict:
    episode = create_episode(
        client,
        auth,
        title="Compassionate leadership in the NHS",
        summary="Professor Michael West on why compassion is the core of good leadership.",
        show_notes=NOTES,
        season=2,
        episode_number=3,
        people=[
            {"name": "Lorna Krisson", "role": "host"},
            {"name": "Michael West", "role": "guest", "href": "https://example.org/mw"},
        ],
        audio="speech.mp3",
        at=(NOW - timedelta(days=1)).isoformat(),
    )
    put_transcript(client, auth, episode["id"], VTT)
    return episode


def _long_transcript_episode(client: TestClient, auth: dict[str, str]) -> dict:
    """1,200 cues half a second apart: a 200-cue preview and three parts of 500."""

    def stamp(ms: int) -> str:
        return f"00:{ms // 60_000:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    speakers = ("Lorna Krisson", "Michael West")
    cues = [
        f"{stamp(i * 500)} --> {stamp(i * 500 + 450)}\n"
        f"<v {speakers[i // 4 % 2]}>Line {i} of a long conversation about kindness.\n"
        for i in range(1200)
    ]
    episode = create_episode(
        client,
        auth,
        title="A long conversation",
        audio="speech.mp3",
        at=(NOW - timedelta(days=1)).isoformat(),
    )
    put_transcript(client, auth, episode["id"], "WEBVTT\n\n" + "\n".join(cues))
    return episode


def _check(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """axe at desktop and phone widths, screenshots of both, and no sideways scroll at 320 px."""
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        assert_accessible(page)
    screenshot(page, name)
    assert overflows_at(page, 320) <= 0, f"{page.url} scrolls sideways at 320 px"


def _sign_in(page, token: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin")
    assert "/admin/login" in page.url
    page.get_by_label("Producer token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin$"))


def test_public_pages_are_accessible(page, client: TestClient, auth: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    episode = _episode_with_transcript(client, auth)
    # Listed in Apple Podcasts and Spotify: the Subscribe box offers every app.
    ids = {"apple_podcasts_id": "1234567890", "spotify_show_id": "4rOoJ6Egrf8K2IrywzwOMk"}
    assert client.patch("/api/show", json=ids, headers=auth).status_code == 200
    for number in range(1, 4):
        create_episode(
            client,
            auth,
            title=f"Leading through change, part {number}",
            summary="Short conversations about change in health and care.",
            at=(NOW - timedelta(days=10 + number)).isoformat(),
        )
    pages = {
        "index": "/",
        "episode": f"/episodes/{episode['slug']}",
        "search": "/search?q=compassionate",
        "search-empty": "/search",
        "transcript-search": f"/episodes/{episode['slug']}/transcript?q=leadership",
        "not-found": "/episodes/no-such-episode",
    }
    for name, path in pages.items():
        page.emulate_media(color_scheme="light")
        page.goto(path)
        assert page.locator("h1").count() == 1
        _check(page, name)
        page.emulate_media(color_scheme="dark")
        assert_accessible(page)
    page.emulate_media(color_scheme="dark")
    page.goto(pages["episode"])
    screenshot(page, "episode-dark")
    # Printed, the episode is its title, notes and a clean transcript: no player or menus.
    page.emulate_media(media="print", color_scheme="light")
    for hidden in ("header.site-header", ".player", ".transcript-tools", "footer"):
        assert page.locator(hidden).is_hidden(), hidden
    assert page.locator("ol.transcript").is_visible()
    screenshot(page, "episode-print")
    page.emulate_media(media="screen")
    # Keyboard: the first Tab reaches the skip link, which moves focus to the main content.
    page.emulate_media(color_scheme="light")
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # 200% zoom on a 1280 px window is a 640 px layout: nothing may scroll sideways.
    assert overflows_at(page, 640) <= 0
    # The transcript's search box, by keyboard: results announced by their focused heading.
    page.goto(pages["episode"])
    page.get_by_label("Search this transcript").fill("compassionate")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/transcript\?q=compassionate$"))
    assert page.evaluate("document.activeElement.id") == "matches-heading"
    assert page.locator("#matches-heading").inner_text() == "1 match for “compassionate”"
    assert page.locator("ol.transcript mark").inner_text() == "compassionate"


def test_transcript_timestamps_seek_the_player(
    page, client: TestClient, auth: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    episode = _episode_with_transcript(client, auth)
    page.goto(f"/episodes/{episode['slug']}")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.locator("ol.transcript a.cue-time").nth(2).click()  # the cue at 0:03
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 3) < 0.6")
    assert page.url.endswith("?t=3")
    page.wait_for_selector("ol.transcript li[aria-current='time']")
    current = page.locator("ol.transcript li[aria-current='time']")
    assert current.count() == 1 and "Thank you for having me" in current.inner_text()
    page.evaluate("document.getElementById('player').pause()")
    # Chapters seek too (speech.mp3 has ID3 chapters).
    page.locator("ol.chapters a.seek").nth(1).click()
    chapter_start = float(
        page.locator("ol.chapters a.seek").nth(1).get_attribute("href").split("=")[1]
    )
    page.wait_for_function(
        f"Math.abs(document.getElementById('player').currentTime - {chapter_start}) < 0.6"
    )


def test_long_transcripts_are_read_in_parts(page, client: TestClient, auth: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    episode = _long_transcript_episode(client, auth)
    page.goto(f"/episodes/{episode['slug']}")
    assert page.locator("ol.transcript li").count() == 200
    _check(page, "episode-long-transcript")
    page.get_by_role("link", name="Read the whole transcript").click()
    page.wait_for_url(re.compile(r"/transcript$"))
    assert page.locator("h1").inner_text() == "Transcript: A long conversation"
    assert page.locator("ol.transcript li").count() == 500
    _check(page, "transcript-part")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page)
    page.emulate_media(color_scheme="light")
    # Timestamps seek the player here too.
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.locator("ol.transcript a.cue-time").nth(6).click()  # the cue at 0:03
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 3) < 0.6")
    page.evaluate("document.getElementById('player').pause()")
    page.get_by_role("link", name="Next part", exact=True).click()
    page.wait_for_url(re.compile(r"page=2$"))
    assert page.locator("ol.transcript li").first.get_attribute("data-start") == "250.0"
    assert page.locator("a[rel='prev']").get_attribute("href").endswith("/transcript")


def test_transcript_parts_work_without_javascript(
    browser, live_server: str, client: TestClient, auth: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    episode = _long_transcript_episode(client, auth)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"/episodes/{episode['slug']}?t=7:00")
    # The moment is past the preview: the page offers the part that holds it.
    page.get_by_role("link", name="read it from 7:00").click()
    page.wait_for_url(re.compile(r"/transcript\?t=420$"))
    assert "Part 2 of 3" in page.locator(".meta").inner_text()
    assert page.get_attribute("#player", "src").endswith("#t=420")
    page.get_by_label("Go to part").select_option("3")
    page.get_by_role("button", name="Go").click()
    page.wait_for_url(re.compile(r"page=3"))
    assert "Part 3 of 3" in page.locator(".meta").inner_text()
    assert page.locator("ol.transcript li").count() == 200
    context.close()


def test_deep_links_start_at_the_time(page, client: TestClient, auth: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    episode = _episode_with_transcript(client, auth)
    page.goto(f"/episodes/{episode['slug']}?t=0:02")
    assert page.get_attribute("#player", "src").endswith("#t=2")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    assert abs(page.evaluate("document.getElementById('player').currentTime") - 2) < 0.3
    page.goto(f"/episodes/{episode['slug']}#t=4")
    page.wait_for_function("document.getElementById('player').readyState >= 1")
    page.wait_for_function("Math.abs(document.getElementById('player').currentTime - 4) < 0.3")


def test_hostile_content_runs_no_script(page, client: TestClient, auth: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    episode = create_episode(
        client,
        auth,
        title=f"Hostile {HOSTILE[:120]}",
        summary=HOSTILE,
        show_notes=f"<p>notes</p>{HOSTILE}",
        people=[{"name": HOSTILE[:120], "role": "guest"}],
        keywords=[HOSTILE[:60]],
    )
    vtt = f"WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n<v {HOSTILE[:50]}>{HOSTILE}\n"
    put_transcript(client, auth, episode["id"], vtt)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for path in (f"/episodes/{episode['slug']}", "/", "/search?q=hostile", "/search?q=pwned"):
        page.goto(path)
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.__pwned") == "undefined", path
    for link in page.locator("a").all():
        assert not (link.get_attribute("href") or "").lower().startswith("javascript:")
    assert dialogs == []


def test_producer_creates_and_publishes_an_episode(
    page, client: TestClient, auth: dict[str, str], token: str
) -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin/login")
    page.get_by_label("Producer token").fill("pod_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".error-summary").is_visible()
    _check(page, "admin-login-error")
    _sign_in(page, token)
    cookie = next(c for c in page.context.cookies() if "podcast_admin" in c["name"])
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    page.get_by_role("link", name="Upload a new episode").click()
    _check(page, "admin-new")
    page.get_by_label("Audio file").set_input_files(str(FIXTURES / "speech.mp3"))
    with page.expect_request(lambda r: r.method == "POST") as upload:
        page.get_by_role("button", name="Upload and create the episode").click()
    # The script sent it (XHR with progress events), with the CSRF token as a header.
    assert upload.value.headers.get("x-csrf-token")
    assert upload.value.resource_type == "xhr"
    page.wait_for_url(re.compile(r"/admin/episodes/\d+\?done=created"))
    assert page.locator("h1").inner_text() == "Welcome to Leadership Live"
    assert page.get_by_label("Episode number").input_value() == "3"
    _check(page, "admin-edit")

    page.get_by_label("Title", exact=True).fill("Welcome to Leadership Live: a taster")
    page.get_by_label("Season", exact=True).fill("two")
    page.get_by_role("button", name="Save details").click()
    assert page.locator("#season-error").is_visible()
    assert page.get_by_label("Title", exact=True).input_value() == (
        "Welcome to Leadership Live: a taster"
    )
    _check(page, "admin-edit-errors")
    page.get_by_label("Season", exact=True).fill("2")
    page.get_by_label("People").fill("Lorna Krisson | host\nMichael West | guest")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_url(re.compile(r"done=saved"))

    page.get_by_label("Transcript file").set_input_files(
        files=[{"name": "episode.vtt", "mimeType": "text/vtt", "buffer": VTT.encode()}]
    )
    page.get_by_role("button", name="Upload transcript").click()
    page.wait_for_url(re.compile(r"done=transcript"))
    page.get_by_label("Now").check()
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_url(re.compile(r"done=published"))
    assert page.locator(".status").first.inner_text() == "Published"

    page.goto("/admin")
    _check(page, "admin-episodes")
    page.goto("/admin/feed")
    _check(page, "admin-feed-check")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"signed_out=1"))

    public = page.context.browser.new_context(base_url=page.url.split("/admin")[0], bypass_csp=True)
    reader = public.new_page()
    reader.goto("/")
    reader.get_by_role("link", name="Welcome to Leadership Live: a taster").click()
    assert reader.locator("ol.transcript li").count() == 3
    public.close()


def test_producer_manages_the_show_and_an_episode(
    page, client: TestClient, auth: dict[str, str], token: str
) -> None:  # type: ignore[no-untyped-def]
    episode = _episode_with_transcript(client, auth)
    _sign_in(page, token)
    # The feed check's artwork finding links to where it is fixed.
    page.goto("/admin/feed")
    page.get_by_role("link", name="Upload artwork in show settings").click()
    page.wait_for_url(re.compile(r"/admin/show#artwork-heading$"))
    _check(page, "admin-show-empty")

    page.get_by_label("Artwork image").set_input_files(
        files=[{"name": "wide.png", "mimeType": "image/png", "buffer": image_bytes(1400, 1500)}]
    )
    page.get_by_role("button", name="Upload artwork").click()
    assert "must be square" in page.locator("#artwork-error").inner_text()
    _check(page, "admin-show-artwork-error")
    page.get_by_label("Artwork image").set_input_files(
        files=[{"name": "art.png", "mimeType": "image/png", "buffer": image_bytes(1400, fmt="PNG")}]
    )
    page.get_by_role("button", name="Upload artwork").click()
    page.wait_for_url(re.compile(r"done=artwork"))
    assert page.locator(".artwork-preview img").evaluate("img => img.naturalWidth") == 1400

    page.get_by_label("Owner email").fill("not an email")
    page.get_by_label("Apple Podcasts category").select_option("Health & Fitness|Mental Health")
    page.get_by_role("button", name="Save settings").click()
    assert page.locator("#owner_email-error").is_visible()
    assert page.get_by_label("Apple Podcasts category").input_value() == (
        "Health & Fitness|Mental Health"
    )
    _check(page, "admin-show-errors")
    page.get_by_label("Owner email").fill("podcast@example.nhs.uk")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(re.compile(r"done=saved"))
    _check(page, "admin-show")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page)
    screenshot(page, "admin-show-dark")
    page.emulate_media(color_scheme="light")
    assert client.get("/api/show").json()["subcategory"] == "Mental Health"

    # Replace the audio: a refused file is explained next to the field (through the script).
    page.goto(f"/admin/episodes/{episode['id']}")
    page.get_by_label("New audio file").set_input_files(
        files=[{"name": "notes.txt", "mimeType": "text/plain", "buffer": b"not audio"}]
    )
    page.get_by_role("button", name="Replace the audio").click()
    page.locator("#audio-file-error").wait_for()
    _check(page, "admin-edit-audio-error")
    page.get_by_label("New audio file").set_input_files(str(FIXTURES / "speech.ogg"))
    page.get_by_role("button", name="Replace the audio").click()
    page.wait_for_url(re.compile(r"done=audio"))
    assert "speech.ogg" in page.locator("section[aria-labelledby='audio-heading']").inner_text()

    page.get_by_role("button", name="Delete the en-GB transcript").click()
    page.wait_for_url(re.compile(r"done=transcript-deleted"))
    page.get_by_role("button", name="Delete episode…").click()
    assert page.locator("h1").inner_text().startswith("Delete")
    _check(page, "admin-delete-confirm")
    page.emulate_media(color_scheme="dark")
    assert_accessible(page)
    page.emulate_media(color_scheme="light")
    page.get_by_role("button", name="Yes, delete this episode").click()
    page.wait_for_url(re.compile(r"/admin\?done=deleted"))
    _check(page, "admin-episodes-deleted")
    page.goto("/admin/episodes/abc")
    assert page.locator("h1").inner_text() == "Page not found"
    _check(page, "admin-not-found")


def test_analytics_page_is_accessible_with_its_charts(
    page, client: TestClient, auth: dict[str, str], token: str
) -> None:  # type: ignore[no-untyped-def]
    episode = create_episode(client, auth, "Counted", at=NOW - timedelta(days=10))
    app = client.app
    with session_scope(app.state.sessionmaker) as session:  # type: ignore[attr-defined]
        session.execute(
            insert(Download),
            [
                {
                    "episode_id": episode["id"],
                    "at": NOW - timedelta(days=n % 9),
                    "app": app_name,
                    "device": "Apple iPhone",
                    "device_category": "mobile",
                }
                for n, app_name in enumerate(["Apple Podcasts"] * 5 + ["Overcast"] * 3)
            ],
        )
    _sign_in(page, token)
    page.goto("/admin/analytics")
    assert "8 downloads" in page.locator(".lead").inner_text()
    for chart in page.locator("img.chart").all():
        assert chart.evaluate("img => img.complete && img.naturalWidth") > 0
    _check(page, "admin-analytics")
    page.get_by_label("Group by").select_option("week")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"group_by=week"))
    assert page.get_by_role("table", name="Downloads by week").is_visible()


def test_upload_form_works_without_javascript(browser, live_server: str, token: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    _sign_in(page, token)
    page.goto("/admin/episodes/new")
    page.get_by_label("Title (optional)").fill("Uploaded without JavaScript")
    page.get_by_label("Audio file").set_input_files(str(FIXTURES / "speech.ogg"))
    page.get_by_role("button", name="Upload and create the episode").click()
    page.wait_for_url(re.compile(r"/admin/episodes/\d+\?done=created"))
    assert page.locator("h1").inner_text() == "Uploaded without JavaScript"
    # Replacing the audio and choosing a category need no script either.
    page.get_by_label("New audio file").set_input_files(str(FIXTURES / "speech.m4a"))
    page.get_by_role("button", name="Replace the audio").click()
    page.wait_for_url(re.compile(r"done=audio"))
    page.goto("/admin/show")
    page.get_by_label("Apple Podcasts category").select_option("Education|Self-Improvement")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_url(re.compile(r"done=saved"))
    assert page.get_by_label("Apple Podcasts category").input_value() == (
        "Education|Self-Improvement"
    )
    context.close()


def test_api_docs_run_under_their_policy(browser, live_server: str) -> None:  # type: ignore[no-untyped-def]
    """/docs and /redoc with the CSP enforced: same-origin assets only, nothing blocked but
    ReDoc's own logo from its CDN (kept out on purpose)."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    blocked: list[str] = []
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on(
        "console",
        lambda m: (
            m.type == "error" and "Content Security Policy" in m.text and blocked.append(m.text)
        ),
    )
    page.goto("/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    assert not blocked, blocked
    page.goto("/redoc")
    page.locator("redoc *").first.wait_for()
    context.close()
    assert [b for b in blocked if "cdn.redoc.ly" not in b] == [], blocked
    assert [u for u in requests if not u.startswith((live_server, "blob:", "data:"))] == []
