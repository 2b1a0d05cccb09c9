"""Shared helpers for the web tests: parse pages, sign in, make episodes through the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import lxml.html
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from episodes.models import Episode
from podcast.core.db import session_scope
from tests.conftest import NOW
from transcripts import service
from transcripts.cues import Cue, CueWord, Transcript

LANDMARKS = ("header", "nav", "main", "footer")


def parse(response: Response) -> lxml.html.HtmlElement:
    assert response.headers["content-type"].startswith("text/html"), response.headers
    return lxml.html.fromstring(response.text)


def text_of(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def h1(doc: lxml.html.HtmlElement) -> str:
    headings = doc.xpath("//h1")
    assert len(headings) == 1, f"expected one h1, found {len(headings)}"
    return text_of(headings[0])


def check_structure(doc: lxml.html.HtmlElement) -> None:
    """What every page has: a language, a title, landmarks, a skip link to main, one h1."""
    assert doc.get("lang"), "the page has no lang"
    assert doc.xpath("string(//title)").strip()
    for landmark in LANDMARKS:
        assert doc.xpath(f"//{landmark}"), f"no <{landmark}>"
    assert len(doc.xpath("//main")) == 1
    skip = doc.xpath("//body/a[1]")[0]
    assert skip.get("href") == "#main" and doc.xpath("//main[@id='main']")
    h1(doc)
    ids = doc.xpath("//@id")
    assert len(ids) == len(set(ids)), "duplicate ids"
    for label in doc.xpath("//label[@for]"):
        assert doc.xpath(f"//*[@id='{label.get('for')}']"), f"label for missing {label.get('for')}"
    for control in doc.xpath("//input[not(@type='hidden')] | //select | //textarea"):
        control_id = control.get("id")
        assert control_id and doc.xpath(f"//label[@for='{control_id}']"), (
            f"control without a label: {lxml.html.tostring(control)[:120]!r}"
        )


def internal_links(doc: lxml.html.HtmlElement) -> set[str]:
    out = set()
    for href in doc.xpath("//a/@href"):
        if href.startswith("/") and not href.startswith("//"):
            out.add(href.split("#", 1)[0])
    return out


def check_links(client: TestClient, doc: lxml.html.HtmlElement, skip: Iterable[str] = ()) -> None:
    """Every same-site link answers (a redirect to sign in counts: that page exists)."""
    for href in sorted(internal_links(doc) - set(skip)):
        response = client.get(href, follow_redirects=False)
        assert response.status_code in (200, 303), f"{href}: {response.status_code}"


def csrf_of(doc: lxml.html.HtmlElement, form_action: str | None = None) -> str:
    xpath = "//form"
    if form_action:
        xpath += f"[@action='{form_action}']"
    values = doc.xpath(f"{xpath}//input[@name='csrf_token']/@value")
    assert values, f"no csrf_token in {form_action or 'any form'}"
    return str(values[0])


def sign_in(client: TestClient, token: str) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    page = client.get("/admin/login")
    response = client.post(
        "/admin/login",
        data={"token": token, "csrf_token": csrf_of(parse(page)), "next": "/admin"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(parse(client.get("/admin")))


VTT = """WEBVTT

00:00:00.000 --> 00:00:01.500
<v Lorna Krisson>Welcome to Leadership Live.

00:00:01.500 --> 00:00:03.000
<v Lorna Krisson>Today we talk about compassionate leadership.

00:00:03.000 --> 00:00:05.000
<v Michael West>Thank you for having me.
"""


def put_transcript(
    client: TestClient,
    auth: dict[str, str],
    episode_id: int,
    text: str = VTT,
    language: str | None = None,
    media_type: str = "text/vtt",
) -> dict[str, Any]:
    params = {"language": language} if language else {}
    response = client.put(
        f"/api/episodes/{episode_id}/transcript",
        content=text.encode("utf-8"),
        params=params,
        headers={**auth, "Content-Type": media_type},
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


DRAFT = (
    Cue(
        0,
        1500,
        "Welcome to the zeppelin hour.",
        None,
        (CueWord(0, 700, "Welcome"), CueWord(700, 1500, "to the zeppelin hour.")),
    ),
    Cue(1500, 3000, "We talk about airships.", None),
)


def save_automatic(client: TestClient, episode_id: int, cues: tuple[Cue, ...] = DRAFT) -> None:
    """An automatic draft as the transcription job saves it (no speech model needed)."""
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        episode = session.get(Episode, episode_id)
        assert episode is not None
        parsed = service.Parsed(Transcript("en-GB", cues), "json")
        service.save(session, episode, parsed, NOW, origin="automatic")
