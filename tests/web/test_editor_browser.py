"""The transcript editor in headless Chromium: keyboard only (play/pause, jump to the cue,
next and previous cue, split at the cursor, save), axe-core WCAG 2.2 AA in the light and dark
themes, visible focus and target sizes. The browser, page and sign-in come from
``test_browser``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from podcast.core.db import session_scope
from tests.conftest import NOW
from tests.factories import create_episode
from tests.web import test_browser
from tests.web.browser import CHROMIUM
from tests.web.helpers import VTT, put_transcript
from tests.web.test_browser import _check, _sign_in
from transcripts import repository

# The browser test module's fixtures: a fresh context per test (on the one Chromium of
# tests/web/conftest.py), SQLite only.
page = test_browser.page
database_url = test_browser.database_url

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"Debian chromium is not installed at {CHROMIUM}"
)


def _texts(client: TestClient, episode_id: int) -> list[tuple[int | None, str, str | None]]:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        (record,) = repository.for_episode(session, episode_id)
        return [(c.start_ms, c.text, c.speaker) for c in repository.cues_of(session, record.id)]


def _focused(page) -> str:  # type: ignore[no-untyped-def]
    return str(page.evaluate("() => document.activeElement && document.activeElement.id"))


def test_the_editor_works_from_the_keyboard(  # type: ignore[no-untyped-def]
    page, client: TestClient, auth: dict[str, str], token: str
) -> None:
    episode = create_episode(
        client, auth, "Compassionate leadership", audio="speech.mp3", at=NOW - timedelta(days=1)
    )
    put_transcript(client, auth, episode["id"], VTT)
    _sign_in(page, token)
    page.goto(f"/admin/episodes/{episode['id']}")
    page.get_by_role("link", name="Edit the en-GB transcript").click()
    page.wait_for_url(re.compile(r"/transcripts/en-GB$"))
    assert page.locator(".editor-keys").is_visible()  # shown only with the script
    _check(page, "admin-transcript-editor")
    page.emulate_media(color_scheme="dark")
    _check(page, "admin-transcript-editor-dark")
    page.emulate_media(color_scheme="light")

    # Targets: every button and field at least 24 x 24 CSS pixels (WCAG 2.5.8).
    small = page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector))
        .filter(el => el.offsetParent !== null).map(el => {
          const r = el.getBoundingClientRect();
          return [el.id || el.textContent.trim(), r.width, r.height];
        }).filter(([, w, h]) => w < 24 || h < 24)""",
        "main button, main input:not([type=hidden]), main textarea, main select",
    )
    assert small == []

    # Tab reaches the first cue's text, whose focus is visible.
    page.locator("#cue-1-speaker").focus()
    page.keyboard.press("Tab")
    assert _focused(page) == "cue-1-text"
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineWidth")
    assert outline == "3px"
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    assert _focused(page) == "cue-3-text"
    page.keyboard.press("Alt+ArrowUp")
    assert _focused(page) == "cue-2-text"
    assert page.locator("#cue-2").get_attribute("class") == "cue-edit is-current"

    # Alt+J plays the cue being edited from its start; Alt+K pauses and plays.
    page.keyboard.press("Alt+J")
    page.wait_for_function("() => !document.getElementById('editor-audio').paused")
    assert page.evaluate("() => document.getElementById('editor-audio').currentTime") >= 1.5
    assert page.locator("#editor-status").inner_text() == "Playing cue 2."
    page.keyboard.press("Alt+K")
    assert page.evaluate("() => document.getElementById('editor-audio').paused")
    page.keyboard.press("Alt+K")
    page.wait_for_function("() => !document.getElementById('editor-audio').paused")
    page.keyboard.press("Alt+K")

    # Split cue 2 where the cursor is: after "Today we talk ".
    page.keyboard.press("Home")
    for _ in range(len("Today we talk ")):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Alt+S")
    page.wait_for_url(re.compile(r"done=split#cue-2-text$"))
    assert _focused(page) == "cue-2-text"
    assert [t for _, t, _ in _texts(client, episode["id"])] == [
        "Welcome to Leadership Live.",
        "Today we talk",
        "about compassionate leadership.",
        "Thank you for having me.",
    ]

    # Correct a word and a speaker, tick "Checked" and save with Ctrl+S.
    page.keyboard.press("Alt+ArrowDown")
    page.keyboard.press("Alt+ArrowDown")
    assert _focused(page) == "cue-4-text"
    page.keyboard.press("End")
    for _ in range(len("having me.")):
        page.keyboard.press("Shift+ArrowLeft")
    page.keyboard.type("being here.")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("Prof Michael West")
    page.keyboard.press("Control+S")
    page.wait_for_url(re.compile(r"done=saved"))
    corrected = ("Thank you for being here.", "Prof Michael West")
    assert _texts(client, episode["id"])[3][1:] == corrected

    # An error is announced in the summary, which takes focus, and names the cue.
    page.locator("#cue-1-end").fill("00:00.100")
    page.locator("#cue-1-start").fill("00:00.500")
    with page.expect_navigation():
        page.keyboard.press("Control+S")
    assert page.locator(".error-summary").is_visible()
    summary = page.locator(".error-summary")
    assert "Cue 1: the end (00:00.100) is before the start" in summary.inner_text()
    assert _focused(page) == "" and page.evaluate(
        "() => document.activeElement.classList.contains('error-summary')"
    )
    _check(page, "admin-transcript-editor-errors")
