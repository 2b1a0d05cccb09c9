"""Where a transcript came from and whether it is checked: automatic drafts never replace a
producer's work, every change keeps a revision, word timings are stored with the cues."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from episodes.models import Episode
from podcast.core.db import session_scope
from podcast.core.errors import Conflict
from tests.conftest import NOW
from tests.factories import create_episode
from transcripts import repository, service
from transcripts.cues import Cue, CueWord, Transcript

WORDS = (CueWord(0, 400, "Hello"), CueWord(450, 900, "there."))


def _save(
    client: TestClient,
    episode_id: int,
    cues: tuple[Cue, ...],
    origin: service.Origin,
    *,
    reviewed: bool | None = None,
    minutes: int = 0,
) -> service.Saved:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        episode = session.get(Episode, episode_id)
        assert episode is not None
        parsed = service.Parsed(Transcript("en-GB", cues), "json")
        return service.save(
            session,
            episode,
            parsed,
            NOW + timedelta(minutes=minutes),
            origin=origin,
            reviewed=reviewed,
            author="tester",
        )


def _stored(client: TestClient, episode_id: int) -> tuple[dict[str, object], list[Cue], int]:
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        (record,) = repository.for_episode(session, episode_id)
        facts = {
            "source": record.source,
            "reviewed": record.reviewed,
            "edited": record.edited_at is not None,
        }
        cues = repository.cues_of(session, record.id)
        return facts, cues, len(repository.revisions_of(session, record.id))


def test_an_automatic_draft_is_unreviewed_keeps_words_and_may_be_redone(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    draft = (Cue(0, 900, "Hello there.", None, WORDS),)
    _save(client, episode["id"], draft, "automatic")
    facts, cues, revisions = _stored(client, episode["id"])
    assert facts == {"source": "automatic", "reviewed": False, "edited": False}
    assert cues == list(draft), "word timings come back as stored"
    again = _save(client, episode["id"], (Cue(0, 900, "Hello, there."),), "automatic", minutes=1)
    assert again.changed
    assert _stored(client, episode["id"])[2] == revisions + 1, "the first draft is a revision"


def test_an_edit_marks_the_draft_edited_and_automatic_work_then_stops(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    _save(client, episode["id"], (Cue(0, 900, "Helo there."),), "automatic")
    _save(client, episode["id"], (Cue(0, 900, "Hello there."),), "edit", minutes=1)
    facts, cues, revisions = _stored(client, episode["id"])
    assert facts == {"source": "automatic", "reviewed": False, "edited": True}
    assert [c.text for c in cues] == ["Hello there."]
    assert revisions == 1
    # Marking it reviewed with the same text is a change (the feed shows reviewed ones).
    marked = _save(client, episode["id"], (Cue(0, 900, "Hello there."),), "edit", reviewed=True)
    assert marked.changed and marked.record.reviewed
    with pytest.raises(Conflict) as info:
        _save(client, episode["id"], (Cue(0, 900, "Something else."),), "automatic", minutes=2)
    assert "edited by a producer" in str(info.value)
    assert [c.text for c in _stored(client, episode["id"])[1]] == ["Hello there."]


def test_a_producer_upload_is_reviewed_and_never_replaced_by_a_draft(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    _save(client, episode["id"], (Cue(0, 900, "Written by hand."),), "upload")
    assert _stored(client, episode["id"])[0] == {
        "source": "producer",
        "reviewed": True,
        "edited": True,
    }
    with pytest.raises(Conflict):
        _save(client, episode["id"], (Cue(0, 900, "Machine words."),), "automatic", minutes=1)
    listed = client.get(f"/api/episodes/{episode['id']}/transcripts", headers=auth).json()
    assert [(t["source"], t["reviewed"]) for t in listed] == [("producer", True)]


def test_revisions_are_bounded(client: TestClient, auth: dict[str, str]) -> None:
    episode = create_episode(client, auth, audio="speech.mp3")
    for n in range(repository.KEEP_REVISIONS + 3):
        _save(client, episode["id"], (Cue(0, 900, f"Version {n}."),), "upload", minutes=n)
    app = client.app
    assert isinstance(app, FastAPI)
    with session_scope(app.state.sessionmaker) as session:
        (record,) = repository.for_episode(session, episode["id"])
        revisions = repository.revisions_of(session, record.id)
        assert len(revisions) == repository.KEEP_REVISIONS
        newest = repository.revision_cues(revisions[0])
        assert [c.text for c in newest] == [f"Version {repository.KEEP_REVISIONS + 1}."]
