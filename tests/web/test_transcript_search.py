"""Searching one transcript without JavaScript: the form on the episode and transcript pages,
``?q=`` on the transcript page, and ``/api/search?episode=``. Real uploads, real HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from podcast.web.public import transcript_search
from tests.factories import create_episode
from tests.web.helpers import check_structure, parse, put_transcript, text_of

TALK = """WEBVTT

00:00:00.000 --> 00:00:04.000
<v Lorna Krisson>Welcome. Today we talk about compassionate leadership.

00:00:04.000 --> 00:00:09.000
<v Michael West>Leaders who listen & care: that is the heart of it.

00:01:05.000 --> 00:01:10.000
<v Lorna Krisson>And the café in the hospital? It shows how a leader listens.

00:02:00.000 --> 00:02:03.000
<v Michael West>Compassion is not softness.
"""


def results(doc) -> list:  # type: ignore[no-untyped-def]
    return doc.xpath("//section[@aria-labelledby='matches-heading']//ol/li")


def heading(doc) -> str:  # type: ignore[no-untyped-def]
    return text_of(doc.xpath("//h2[@id='matches-heading']")[0])


def test_the_forms_search_one_transcript_and_link_each_match_to_its_time(
    web: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, title="Kind leaders")
    put_transcript(web, auth, episode["id"], TALK)
    other = create_episode(web, auth, title="Another talk")
    put_transcript(web, auth, other["id"], TALK)
    slug = episode["slug"]
    page = f"/episodes/{slug}/transcript"

    # Both pages offer a labelled GET form that sends q to the transcript page.
    for path in (f"/episodes/{slug}", page):
        doc = parse(web.get(path))
        form = doc.xpath("//form[contains(@class, 'transcript-search')]")[0]
        assert (form.get("method"), form.get("action"), form.get("role")) == ("get", page, "search")
        field = form.xpath(".//input[@name='q']")[0]
        assert form.xpath(f".//label[@for='{field.get('id')}']")
        assert form.xpath(".//button[@type='submit']")

    # Stemming: "leaders" finds "Leaders" and "leader"; in time order; times seek the audio.
    response = web.get(page, params={"q": "leaders"})
    assert response.status_code == 200
    doc = parse(response)
    check_structure(doc)
    assert heading(doc) == "2 matches for “leaders”"
    found = results(doc)
    assert [li.get("data-start") for li in found] == ["4.0", "65.0"]
    assert [li.xpath(".//a[@class='cue-time seek']/@href")[0] for li in found] == ["#t=4", "#t=65"]
    assert [m.text for m in doc.xpath("//ol//mark")] == ["Leaders", "leader"]
    # Escaped, marked text; and a link to the moment in the whole transcript (no JS needed).
    assert "listen &amp; care" in response.text
    assert found[1].xpath(".//p[@class='cue-context']/a/@href") == [f"{page}?t=65"]
    assert doc.xpath("//audio/@src"), "the player is on the page for the seek links"
    assert doc.xpath("//a[text()='Show the whole transcript']/@href") == [page]
    assert doc.xpath("//input[@name='q']/@value") == ["leaders"]
    assert doc.xpath("//meta[@name='robots']/@content") == ["noindex"]

    # Phrases and prefixes, the search box's syntax.
    assert heading(parse(web.get(page, params={"q": '"compassionate leadership"'}))).startswith(
        "1 match "
    )
    assert heading(parse(web.get(page, params={"q": "compass*"}))).startswith("2 matches ")
    # The café: accents folded on SQLite (FTS5 remove_diacritics); PostgreSQL's 'english'
    # configuration keeps them, so there only the accented word finds it.
    assert heading(parse(web.get(page, params={"q": "café"}))) == "1 match for “café”"
    dialect = web.app.state.engine.dialect.name  # type: ignore[attr-defined]
    if dialect == "sqlite":
        assert heading(parse(web.get(page, params={"q": "cafe"}))) == "1 match for “cafe”"
    # Nothing found, and bad input, are messages on the page.
    doc = parse(web.get(page, params={"q": "zeppelin"}))
    assert heading(doc) == "No matches for “zeppelin”"
    assert "No matches for “zeppelin” in this transcript" in text_of(doc)
    assert not results(doc)
    for bad, message in (
        ("  ", "Type a word or a phrase"),
        ("x" * 201, "at most 200 characters"),
        ("&&", "punctuation alone"),
    ):
        response = web.get(page, params={"q": bad})
        assert response.status_code == 200
        doc = parse(response)
        assert message in text_of(doc.xpath("//div[@role='status']")[0])
        assert not results(doc)


def test_a_query_matching_every_cue_shows_a_bounded_first_page(
    web: TestClient, auth: dict[str, str]
) -> None:
    total = transcript_search.MAX_SHOWN + 50
    cues = "\n".join(
        f"00:{i // 60:02d}:{i % 60:02d}.000 --> 00:{i // 60:02d}:{i % 60:02d}.900\n"
        f"Line {i} about kindness.\n"
        for i in range(total)
    )
    episode = create_episode(web, auth, title="Kindness, again and again")
    put_transcript(web, auth, episode["id"], "WEBVTT\n\n" + cues)
    doc = parse(web.get(f"/episodes/{episode['slug']}/transcript", params={"q": "kind*"}))
    assert heading(doc) == f"{total} matches for “kind*”"
    shown = results(doc)
    assert len(shown) == transcript_search.MAX_SHOWN
    assert shown[-1].get("data-start") == f"{transcript_search.MAX_SHOWN - 1}.0"
    status = text_of(doc.xpath("//div[@role='status']")[0])
    assert f"Showing the first {transcript_search.MAX_SHOWN} of {total} matches" in status


def test_drafts_stay_hidden_and_other_languages_keep_their_lang(
    web: TestClient, auth: dict[str, str]
) -> None:
    draft = create_episode(web, auth, title="Not yet", publish=False)
    put_transcript(web, auth, draft["id"], TALK)
    assert web.get(f"/episodes/{draft['slug']}/transcript?q=leaders").status_code == 404
    hidden = web.get("/api/search", params={"q": "leaders", "episode": draft["slug"]})
    assert hidden.status_code == 404

    episode = create_episode(web, auth, title="In two languages")
    put_transcript(web, auth, episode["id"], TALK)
    welsh = "WEBVTT\n\n00:00:02.000 --> 00:00:04.000\nCroeso i arweinyddiaeth dosturiol.\n"
    put_transcript(web, auth, episode["id"], welsh, language="cy")
    doc = parse(web.get(f"/episodes/{episode['slug']}"))
    forms = doc.xpath("//form[contains(@class, 'transcript-search')]")
    assert [f.xpath(".//input[@name='lang']/@value") for f in forms] == [[], ["cy"]]
    assert len({f.xpath(".//input[@name='q']/@id")[0] for f in forms}) == 2, "unique ids"
    doc = parse(web.get(f"/episodes/{episode['slug']}/transcript?lang=cy&q=croeso"))
    assert heading(doc) == "1 match for “croeso”"
    form = doc.xpath("//form[contains(@class, 'transcript-search')]")[0]
    assert form.xpath(".//input[@name='lang']/@value") == ["cy"]
    assert results(doc)[0].xpath(".//p[@class='cue-context']/a/@href") == [
        f"/episodes/{episode['slug']}/transcript?lang=cy&t=2"
    ]


def test_api_search_within_one_episode(web: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(web, auth, title="Kind leaders")
    put_transcript(web, auth, episode["id"], TALK)
    other = create_episode(web, auth, title="Leaders elsewhere")
    put_transcript(web, auth, other["id"], TALK)
    everywhere = web.get("/api/search", params={"q": "leaders"}).json()["hits"]
    assert {h["slug"] for h in everywhere} == {episode["slug"], other["slug"]}

    response = web.get(
        "/api/search", params={"q": "leaders", "episode": episode["slug"], "scope": "transcripts"}
    )
    assert response.status_code == 200, response.text
    hits = response.json()["hits"]
    # One episode: all its moments, not only the first three.
    assert {h["slug"] for h in hits} == {episode["slug"]}
    assert sorted(h["start"] for h in hits) == [4.0, 65.0]
    titled = web.get("/api/search", params={"q": "leaders", "episode": other["slug"]}).json()
    assert titled["hits"][0]["kind"] == "title" and titled["hits"][0]["slug"] == other["slug"]
    assert {h["slug"] for h in titled["hits"]} == {other["slug"]}

    paged = web.get(
        "/api/search",
        params={"q": "leaders", "episode": episode["slug"], "scope": "transcripts", "limit": 1},
    ).json()
    assert len(paged["hits"]) == 1 and paged["has_more"]

    response = web.get("/api/search", params={"q": "leaders", "episode": "no-such-episode"})
    assert response.status_code == 404
    assert response.json()["detail"].startswith("episode: no published episode")


def test_an_untimed_transcript_shows_its_matches_without_times(
    web: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(web, auth, title="Notes only")
    text = "Kindness first.\n\nThen the budget.\n\nKindness again, at the end."
    put_transcript(web, auth, episode["id"], text, media_type="text/plain")
    doc = parse(web.get(f"/episodes/{episode['slug']}/transcript", params={"q": "kindness"}))
    assert heading(doc) == "2 matches for “kindness”"
    found = results(doc)
    assert len(found) == 2
    assert not doc.xpath("//ol//a[contains(@class, 'cue-time')] | //p[@class='cue-context']")
