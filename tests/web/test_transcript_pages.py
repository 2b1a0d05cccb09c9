"""Large transcripts cannot make a page expensive: bounded previews, parts, merging, caching.

Everything goes through real HTTP requests to the app and real uploads through the API.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event

from podcast.web.public import transcript_parts, transcript_view
from tests.factories import create_episode
from tests.web.helpers import check_links, check_structure, parse, text_of
from transcripts import service

MAX_PAGE_BYTES = 1024 * 1024


def stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def big_vtt(cues: int, step_ms: int = 2000) -> str:
    blocks = [
        f"{stamp(i * step_ms)} --> {stamp(i * step_ms + step_ms - 100)}\n"
        f"<v Speaker {i // 7 % 3}>Cue {i} is about compassionate leadership & care.\n"
        for i in range(cues)
    ]
    return "WEBVTT\n\n" + "\n".join(blocks)


def upload(
    client: TestClient,
    auth: dict[str, str],
    episode_id: int,
    body: str,
    media_type: str = "text/vtt",
    language: str | None = None,
) -> None:
    response = client.put(
        f"/api/episodes/{episode_id}/transcript",
        content=body.encode(),
        params={"language": language} if language else {},
        headers={**auth, "Content-Type": media_type},
    )
    assert response.status_code in (200, 201), response.text


def starts(doc: object) -> list[str]:
    return doc.xpath("//ol[@class='transcript']/li/@data-start")  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def cold_caches() -> None:
    """Caches are per process and keyed by content: start each test with nothing rendered."""
    for cache in (
        service.render_cache,
        transcript_view.fragments,
        transcript_view.word_level_cache,
        transcript_parts.plans,
    ):
        cache.clear()


@pytest.fixture
def statements(client: TestClient) -> Iterator[list[str]]:
    """SQL the app runs while the test watches."""
    app = client.app
    assert isinstance(app, FastAPI)
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.state.engine, "before_cursor_execute", record)


def test_a_large_transcript_gives_a_bounded_page_and_parts_covering_every_cue(
    web: TestClient, auth: dict[str, str], statements: list[str]
) -> None:
    total = 12_000
    episode = create_episode(web, auth, title="A very long conversation")
    upload(web, auth, episode["id"], big_vtt(total))
    slug = episode["slug"]

    statements.clear()
    response = web.get(f"/episodes/{slug}")
    assert response.status_code == 200
    assert len(response.content) < 256 * 1024
    cue_reads = [s for s in statements if "FROM transcript_cues" in s]
    assert cue_reads and all("LIMIT" in s for s in cue_reads), "cues are read with a LIMIT"
    doc = parse(response)
    check_structure(doc)
    shown = starts(doc)
    assert len(shown) == transcript_view.PREVIEW_CUES
    assert shown[:2] == ["0.0", "2.0"]
    more = doc.xpath("//p[@class='transcript-more']")[0]
    assert "up to 6:38" in text_of(more)
    assert more.xpath(".//a/@href") == [f"/episodes/{slug}/transcript"]
    # Opened at a moment past the preview, the page links to the part holding it.
    later = parse(web.get(f"/episodes/{slug}?t=5:00:00"))
    hrefs = later.xpath("//p[@class='transcript-more']//a/@href")
    assert hrefs == [f"/episodes/{slug}/transcript", f"/episodes/{slug}/transcript?t=18000"]

    first = web.get(f"/episodes/{slug}/transcript")
    doc = parse(first)
    check_structure(doc)
    options = doc.xpath("//select[@id='part-select']/option")
    parts = len(options)
    assert parts == -(-total // transcript_parts.PART_CUES)
    assert text_of(options[1]) == "Part 2, from 16:40"
    seen: list[str] = []
    for number in range(1, parts + 1):
        page = web.get(f"/episodes/{slug}/transcript?page={number}")
        assert page.status_code == 200
        assert len(page.content) < MAX_PAGE_BYTES
        doc = parse(page)
        seen += starts(doc)
        links = doc.xpath("//a[@class='cue-time seek']/@href")
        assert links and all(re.fullmatch(r"#t=\d+", href) for href in links)
        if number < parts:
            assert doc.xpath("//a[@rel='next']/@href") == [
                f"/episodes/{slug}/transcript?page={number + 1}"
            ]
    assert seen == [str(i * 2.0) for i in range(total)], "every cue once, in order"
    # ?t= opens the part holding that moment and starts the player there.
    at = parse(web.get(f"/episodes/{slug}/transcript?t=5:00:00"))
    meta = text_of(at.xpath("//p[@class='meta']")[0])
    # Part 19 holds cues 9000-9499: from the first one's start to the last one's end.
    assert "Part 19 of 24" in meta and "From 5:00:00 to 5:16:39" in meta
    assert at.xpath("//audio/@src")[0].endswith("#t=18000")
    assert "18000.0" in starts(at)
    for bad in ("0", str(parts + 1), "two", "-1"):
        assert web.get(f"/episodes/{slug}/transcript?page={bad}").status_code == 404
    assert web.get(f"/episodes/{slug}/transcript?lang=fr").status_code == 404
    assert web.get("/episodes/nope/transcript").status_code == 404


def test_the_header_spans_the_cues_shown_to_the_end_of_the_last(
    web: TestClient, auth: dict[str, str]
) -> None:
    body = (
        "WEBVTT\n\n00:00:00.000 --> 00:00:04.000\nHello.\n\n"
        "00:00:04.000 --> 00:00:09.500\nA last cue that runs for five seconds.\n"
    )
    episode = create_episode(web, auth, title="Short and timed")
    upload(web, auth, episode["id"], body)
    doc = parse(web.get(f"/episodes/{episode['slug']}/transcript"))
    meta = doc.xpath("//p[@class='meta']")[0]
    assert "From 0:00 to 0:09" in text_of(meta)
    assert meta.xpath(".//time/@datetime") == ["PT0S", "PT9S"]


def test_one_huge_paragraph_is_shown_in_bounded_pieces(
    web: TestClient, auth: dict[str, str]
) -> None:
    # One ~1 MB paragraph, untimed. Few distinct words: PostgreSQL's tsvector of one cue is
    # limited to 1 MB (a longer cue of distinct words is refused there).
    words = [f"word{i % 1000}" for i in range(150_000)]
    episode = create_episode(web, auth, title="Pasted without blank lines")
    upload(web, auth, episode["id"], " ".join(words), media_type="text/plain")
    page = web.get(f"/episodes/{episode['slug']}")
    assert len(page.content) < MAX_PAGE_BYTES
    assert "This is the beginning of the transcript." in text_of(parse(page))
    text: list[str] = []
    number = 1
    while True:
        response = web.get(f"/episodes/{episode['slug']}/transcript?page={number}")
        if response.status_code == 404:
            break
        assert len(response.content) < MAX_PAGE_BYTES
        doc = parse(response)
        text += text_of(doc.xpath("//ol[@class='transcript']")[0]).split()
        number += 1
    assert number > 2, "more than one part"
    assert text == words


def word_level_json() -> str:
    words = [
        ("Lorna", 0.0, 0.3, "Welcome"),
        ("Lorna", 0.3, 0.5, "to"),
        ("Lorna", 0.5, 0.9, "Leadership"),
        ("Lorna", 0.9, 1.4, "Live."),
        ("Lorna", 1.5, 1.8, "Ready"),
        ("Lorna", 1.8, 2.0, "?"),
        ("Ayo", 2.2, 2.5, "Thank"),
        ("Ayo", 2.5, 2.9, "you"),
        ("Ayo", 3.0, 3.4, "so"),
        ("Lorna", 3.5, 4.0, "Good"),
    ]
    # Then one speaker for 40 s without a full stop: cut at 15 s.
    words += [("Ayo", 4.0 + i, 4.5 + i, f"and{i}") for i in range(40)]
    segments = [{"speaker": s, "startTime": a, "endTime": b, "body": w} for s, a, b, w in words]
    return json.dumps({"version": "1.0.0", "segments": segments})


def test_word_level_json_is_merged_into_sentences_for_reading_only(
    web: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, title="From an ASR tool")
    upload(web, auth, episode["id"], word_level_json(), "application/json")
    slug = episode["slug"]
    doc = parse(web.get(f"/episodes/{slug}"))
    cues = doc.xpath("//ol[@class='transcript']/li")
    texts = [text_of(c.xpath(".//div[@class='cue-body']/p[last()]")[0]) for c in cues]
    assert texts[:4] == ["Welcome to Leadership Live.", "Ready?", "Thank you so", "Good"]
    assert [(c.get("data-start"), c.get("data-end")) for c in cues[:4]] == [
        ("0.0", "1.4"),
        ("1.5", "2.0"),
        ("2.2", "3.4"),
        ("3.5", "4.0"),
    ]
    # The 40 s run is cut so no merged cue lasts more than 15 s.
    rest = [(float(c.get("data-start")), float(c.get("data-end"))) for c in cues[4:]]
    assert len(rest) == 3 and all(end - start <= 15 for start, end in rest)
    assert " ".join(texts[4:]) == " ".join(f"and{i}" for i in range(40))
    assert [text_of(p) for p in doc.xpath("//p[@class='speaker']")][:3] == ["Lorna", "Ayo", "Lorna"]
    part = parse(web.get(f"/episodes/{slug}/transcript"))
    assert starts(part) == [c.get("data-start") for c in cues]

    base = f"/episodes/{slug}/transcript"
    served = web.get(f"{base}.json").json()["segments"]
    assert len(served) == 50 and served[0]["body"] == "Welcome", "the JSON file stays as uploaded"
    assert web.get(f"{base}.vtt").text.count(" --> ") == 50
    assert web.get(f"{base}.txt").text.startswith(
        "[00:00:00.000] Lorna: Welcome to Leadership Live.\n\n[00:00:01.500] Lorna: Ready?\n\n"
    )
    html_file = web.get(f"{base}.html").text
    assert "<p>Thank you so</p>" in html_file and "<p>Welcome</p>" not in html_file


def test_rendering_is_cached_by_content_and_follows_a_replacement(
    web: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, title="Cached")
    upload(web, auth, episode["id"], big_vtt(1200))
    slug = episode["slug"]
    url = f"/episodes/{slug}/transcript.vtt"
    first = web.get(url)
    builds = service.render_cache.builds
    second = web.get(url)
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert service.render_cache.builds == builds, "served from the cache"
    assert web.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304

    page = web.get(f"/episodes/{slug}")
    part = web.get(f"/episodes/{slug}/transcript?page=2")
    fragment_builds = transcript_view.fragments.builds
    assert web.get(f"/episodes/{slug}").text == page.text
    assert web.get(f"/episodes/{slug}/transcript?page=2").text == part.text
    assert transcript_view.fragments.builds == fragment_builds

    upload(web, auth, episode["id"], big_vtt(3).replace("compassionate", "kind"))
    replaced = web.get(url)
    assert replaced.headers["etag"] != first.headers["etag"]
    assert "kind leadership" in replaced.text and "compassionate" not in replaced.text
    assert web.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 200
    doc = parse(web.get(f"/episodes/{slug}"))
    assert len(starts(doc)) == 3 and "kind leadership" in text_of(doc)
    assert not doc.xpath("//p[@class='transcript-more']"), "all of it fits"
    assert web.get(f"/episodes/{slug}/transcript?page=2").status_code == 404
    assert "kind leadership" in web.get(f"/episodes/{slug}/transcript").text


def test_other_languages_keep_their_parameter(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth, title="Bilingual")
    upload(web, auth, episode["id"], big_vtt(600).replace("Cue", "Ciw"), language="cy")
    upload(web, auth, episode["id"], big_vtt(10))
    slug = episode["slug"]
    doc = parse(web.get(f"/episodes/{slug}"))
    assert doc.xpath("//p[@class='transcript-more']//a/@href") == [
        f"/episodes/{slug}/transcript?lang=cy"
    ]
    welsh = parse(web.get(f"/episodes/{slug}/transcript?lang=cy"))
    check_structure(welsh)
    assert welsh.xpath("//ol[@class='transcript']/@lang") == ["cy"]
    assert welsh.xpath("//form[@class='part-form']//input[@name='lang']/@value") == ["cy"]
    assert welsh.xpath("//a[@rel='next']/@href") == [f"/episodes/{slug}/transcript?lang=cy&page=2"]
    check_links(web, welsh)
    assert "Ciw 599" in web.get(f"/episodes/{slug}/transcript?lang=cy&page=2").text
