"""Search over titles, show notes and transcripts, the same tests on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from podcast.core.clock import FrozenClock
from podcast.core.settings import Settings
from tests.factories import create_episode
from tests.transcripts.support import corpus_file, put_transcript, vtt
from transcripts.search_query import Term, parse_query


def _search(client: TestClient, q: str, **params: object) -> dict:
    response = client.get("/api/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _moments(client: TestClient, q: str) -> list[tuple[str, float | None]]:
    return [
        (h["slug"], h["start"]) for h in _search(client, q)["hits"] if h["kind"] == "transcript"
    ]


@pytest.fixture
def library(client: TestClient, auth: dict[str, str]) -> dict[str, dict]:
    """Three published episodes with transcripts and one draft."""
    voices = create_episode(
        client,
        auth,
        "Compassionate leadership",
        summary="Ayo Barley on listening.",
        show_notes="<p>Resources on <strong>psychological safety</strong> &amp; rotas.</p>",
    )
    put_transcript(client, auth, voices["id"], corpus_file("good/interview-voices.vtt"))
    panel = create_episode(client, auth, "Rotas that work")
    put_transcript(
        client, auth, panel["id"], corpus_file("good/panel.srt"), media_type="application/x-subrip"
    )
    burnout = create_episode(client, auth, "Burnout")
    put_transcript(
        client, auth, burnout["id"], corpus_file("good/episode.json"), media_type="application/json"
    )
    draft = create_episode(client, auth, "Unreleased leadership secrets", publish=False)
    put_transcript(client, auth, draft["id"], vtt((1, 2, "A secret about listening.")))
    return {"voices": voices, "panel": panel, "burnout": burnout, "draft": draft}


def test_words_spoken_find_the_moment(client: TestClient, library: dict[str, dict]) -> None:
    slug = library["voices"]["slug"]
    assert _moments(client, "psychological safety") == [(slug, 3723.004)]
    [hit] = [h for h in _search(client, "rota around people")["hits"] if h["kind"] == "transcript"]
    assert hit["slug"] == library["panel"]["slug"]
    assert hit["start"] == 3.5
    assert hit["speaker"] == "Dr Priya Natarajan"
    assert hit["language"] == "en-GB"
    assert hit["title"] == "Rotas that work"
    assert hit["url"] == f"https://podcast.example.org/episodes/{library['panel']['slug']}"
    assert "<mark>rota</mark>" in hit["snippet"] and "<mark>people</mark>" in hit["snippet"]


def test_titles_and_notes_rank_before_moments(client: TestClient, library: dict[str, dict]) -> None:
    hits = _search(client, "rotas")["hits"]
    kinds = [(h["kind"], h["slug"]) for h in hits]
    assert kinds[0] == ("title", library["panel"]["slug"])
    assert hits[0]["snippet"] == "<mark>Rotas</mark> that work"
    assert hits[0]["start"] is None
    assert ("notes", library["voices"]["slug"]) in kinds
    assert kinds.index(("notes", library["voices"]["slug"])) < kinds.index(
        ("transcript", library["panel"]["slug"])
    )
    notes = next(h for h in hits if h["kind"] == "notes")
    assert "<strong>" not in notes["snippet"], "show notes HTML is reduced to text"
    assert "&amp; <mark>rotas</mark>" in notes["snippet"]


def test_phrases_need_adjacent_words(client: TestClient, library: dict[str, dict]) -> None:
    assert _moments(client, '"really listening"') == [(library["voices"]["slug"], 15.0)]
    assert _moments(client, '"patients listening"') == []
    assert len(_moments(client, "patients listening")) == 1  # without quotes: anywhere in a cue


def test_prefixes(client: TestClient, library: dict[str, dict]) -> None:
    assert _moments(client, "psycho*") == [(library["voices"]["slug"], 3723.004)]
    assert _moments(client, "psycho") == []
    # Too short to be a prefix: the * is ignored and "ps" is an ordinary word.
    assert _moments(client, "ps*") == []


def test_stemming_leaders_leadership(
    client: TestClient, auth: dict[str, str], library: dict[str, dict]
) -> None:
    """Both stemmers (porter on SQLite, Snowball english on PostgreSQL) reduce "leaders" and
    "leader" to "leader" but keep "leadership": "leaders" does not find "leadership", "leader*"
    does. Recorded here so a change of tokenizer shows up."""
    episode = create_episode(client, auth, "Stems")
    put_transcript(
        client,
        auth,
        episode["id"],
        vtt(
            (0, 1, "Good leaders listen."), (1, 2, "A leader listened."), (2, 3, "Leading is hard.")
        ),
    )
    slug = episode["slug"]
    assert _moments(client, "leaders") == [(slug, 1.0), (slug, 0.0)]
    assert _moments(client, "leader") == [(slug, 1.0), (slug, 0.0)]
    leadership = {s for s, _ in _moments(client, "leadership")}
    assert slug not in leadership
    assert library["voices"]["slug"] in leadership
    assert library["panel"]["slug"] in leadership
    assert {s for s, _ in _moments(client, "leader*")} >= {slug, library["voices"]["slug"]}
    assert (slug, 2.0) in _moments(client, "lead"), '"leading" stems to "lead"'
    assert set(_moments(client, "listens")) == {
        (slug, 0.0),
        (slug, 1.0),
        (library["voices"]["slug"], 15.0),  # "listening"
    }


def test_accented_names(client: TestClient, library: dict[str, dict], settings: Settings) -> None:
    found = [(library["burnout"]["slug"], 10.5)]
    assert _moments(client, "Zoë") == found
    # FTS5's remove_diacritics folds accents; PostgreSQL's english config keeps them.
    assert _moments(client, "zoe") == (found if settings.database_url.startswith("sqlite") else [])


@pytest.mark.parametrize(
    "q",
    [
        'AND OR NEAR ( " *',
        '"',
        "leader AND",
        "NEAR(leaders, listening)",
        "(((",
        "*",
        "a OR b",
        "col:leadership",
        "{title}: rotas",
        "'; DROP TABLE episodes; --",
        "\\",
        "leader\x00ship",
        "rota -people",
        "x" * 200,
        "\ue000mark\ue001",
        "ünïcödé 東京 🙂",
    ],
)
def test_hostile_queries_never_error(client: TestClient, library: dict[str, dict], q: str) -> None:
    body = _search(client, q)
    for hit in body["hits"]:
        assert hit["snippet"].count("<mark>") == hit["snippet"].count("</mark>")


def test_query_syntax_is_plain() -> None:
    assert parse_query('AND OR NEAR ( " *').terms == ()
    assert parse_query('"Really listening" leader* don\'t ps*').terms == (
        Term(("Really", "listening")),
        Term(("leader",), prefix=True),
        Term(("don", "t")),
        Term(("ps",)),
    )
    assert parse_query('say "hi').fts5() == '"say" "hi"'


def test_empty_or_too_long_queries_are_422(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": ""}).status_code == 422
    assert client.get("/api/search", params={"q": "   "}).status_code == 422
    assert client.get("/api/search").status_code == 422
    assert client.get("/api/search", params={"q": "x" * 201}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "limit": 0}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "limit": 51}).status_code == 422


def test_snippets_escape_everything_but_mark(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, "Hostile <script>alert(1)</script> & brave")
    put_transcript(
        client,
        auth,
        episode["id"],
        corpus_file("good/hostile.srt"),
        media_type="application/x-subrip",
    )
    [hit] = _moments_hits(client, "alert")
    snippet = hit["snippet"]
    assert "onerror=<mark>alert</mark>(1)&gt; --&gt; &quot;quotes&quot;" in snippet
    # PostgreSQL's parser reads "<script>" as a tag and leaves it out of the headline;
    # SQLite keeps it as text. Either way nothing but <mark> is markup.
    assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    [sentinel] = _moments_hits(client, "sentinel")
    snippet = sentinel["snippet"]
    assert snippet.count("<mark>") == snippet.count("</mark>")
    assert "&amp;amp;" in snippet, "stored text is escaped, never trusted as markup"
    title = _search(client, "brave")["hits"][0]
    assert title["kind"] == "title"
    assert title["snippet"].endswith("&amp; <mark>brave</mark>")
    assert "<" not in title["snippet"].replace("<mark>", "").replace("</mark>", "")


def _moments_hits(client: TestClient, q: str) -> list[dict]:
    return [h for h in _search(client, q)["hits"] if h["kind"] == "transcript"]


def test_only_public_episodes(
    client: TestClient, auth: dict[str, str], library: dict[str, dict], clock: FrozenClock
) -> None:
    assert _search(client, "secret")["hits"] == []
    assert _search(client, "unreleased")["hits"] == []
    draft = library["draft"]
    future = (clock.now() + timedelta(hours=1)).isoformat()
    client.post(f"/api/episodes/{draft['id']}/publish", json={"at": future}, headers=auth)
    assert _search(client, "secret", headers=auth)["hits"] == []
    clock.advance(timedelta(hours=2))
    assert _moments(client, "secret") == [(draft["slug"], 1.0)]
    client.post(f"/api/episodes/{library['voices']['id']}/unpublish", headers=auth)
    assert _moments(client, "psychological") == []


def test_index_follows_episode_and_transcript_changes(
    client: TestClient, auth: dict[str, str], library: dict[str, dict]
) -> None:
    burnout = library["burnout"]
    client.patch(
        f"/api/episodes/{burnout['id']}",
        json={
            "title": "Recovery",
            "show_notes": "## Kindness\n\nNotes in *Markdown*.",
            "show_notes_format": "markdown",
        },
        headers=auth,
    )
    assert [h["kind"] for h in _search(client, "recovery")["hits"]] == ["title"]
    assert all(h["kind"] != "title" for h in _search(client, "burnout")["hits"])
    assert [h["kind"] for h in _search(client, "kindness")["hits"]][:1] == ["notes"]
    put_transcript(client, auth, burnout["id"], vtt((7, 8, "Entirely new words: marmalade.")))
    assert _moments(client, "marmalade") == [(burnout["slug"], 7.0)]
    assert _moments(client, "failing") == []
    client.delete(
        f"/api/episodes/{burnout['id']}/transcript", params={"language": "en-GB"}, headers=auth
    )
    assert _moments(client, "marmalade") == []
    welsh = put_transcript(
        client, auth, burnout["id"], corpus_file("good/welsh.vtt"), language="cy"
    )
    assert welsh.status_code == 201
    [hit] = _moments_hits(client, "tosturi")
    assert hit["language"] == "cy"


def test_at_most_three_moments_per_episode_and_paging(
    client: TestClient, auth: dict[str, str]
) -> None:
    chatty = create_episode(client, auth, "Chatty")
    put_transcript(
        client, auth, chatty["id"], vtt(*[(i, i + 1, f"Kindness number {i}.") for i in range(10)])
    )
    quiet = create_episode(client, auth, "Quiet")
    put_transcript(client, auth, quiet["id"], vtt((0, 1, "One kindness.")))
    hits = _search(client, "kindness")["hits"]
    slugs = [h["slug"] for h in hits]
    assert slugs.count(chatty["slug"]) == 3
    assert slugs.count(quiet["slug"]) == 1
    assert len({(h["slug"], h["start"]) for h in hits}) == len(hits), "one hit per cue"
    first = _search(client, "kindness", limit=2)
    assert first["has_more"] is True and len(first["hits"]) == 2
    second = _search(client, "kindness", limit=2, offset=2)
    assert second["has_more"] is False and len(second["hits"]) == 2
    assert first["hits"] + second["hits"] == hits


def test_scope(client: TestClient, library: dict[str, dict]) -> None:
    everything = _search(client, "rotas")["hits"]
    episodes = _search(client, "rotas", scope="episodes")["hits"]
    moments = _search(client, "rotas", scope="transcripts")["hits"]
    assert {h["kind"] for h in episodes} == {"title", "notes"}
    assert {h["kind"] for h in moments} == {"transcript"}
    assert episodes + moments == everything
    assert client.get("/api/search", params={"q": "x", "scope": "bad"}).status_code == 422
