"""The editor's rules without the web: times as producers type them, split/merge/rename/shift
edge cases, and two saves racing from the same version (one wins, the other is refused: the
row lock on PostgreSQL, the write lock on SQLite)."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from episodes.models import Episode
from podcast.core.db import session_scope
from podcast.core.errors import Invalid
from tests.conftest import NOW
from tests.factories import create_episode
from tests.web.helpers import VTT, put_transcript
from transcripts import editing, repository
from transcripts.cues import MAX_MS, Cue, CueWord
from transcripts.editing import CueInput, InvalidCues, StaleTranscript

CUES = [
    Cue(1000, 2000, "One two.", "Ann", (CueWord(1000, 1400, "One"), CueWord(1500, 2000, "two."))),
    Cue(2000, 3000, "Three.", "Bob"),
]


@pytest.mark.parametrize(
    ("typed", "ms"),
    [
        ("01:05.250", 65_250),
        ("1:02:03.5", 3_723_500),
        ("75", 75_000),
        ("75,5", 75_500),
        (" 00:00.000 ", 0),
        ("1:60.000", None),
        ("1:60:00", None),
        ("-1", None),
        ("soon", None),
        ("1.2345", None),
    ],
)
def test_times_as_producers_type_them(typed: str, ms: int | None) -> None:
    assert editing.parse_time(typed) == ms
    if ms is not None and ms < 3_600_000:
        assert editing.parse_time(editing.clock(ms)) == ms


def test_every_typed_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidCues) as caught:
        editing.apply_page(
            CUES,
            [
                CueInput(1, "One two.", "A" * 256, "", "00:02.000"),
                CueInput(2, "Three.", "Bob", "00:03.000", "200:00:00.000"),
            ],
        )
    assert [(e.number, e.field) for e in caught.value.errors] == [
        (1, "start"),
        (1, "speaker"),
        (2, "end"),
    ]
    assert caught.value.errors[0].message == "cue 1: enter the start time"
    assert "later than 100 hours" in caught.value.errors[2].message


def test_word_timings_stay_only_with_the_same_words() -> None:
    same = editing.apply_page(CUES, [CueInput(1, " One  two. ", "Ann", "00:01.000", "00:02.000")])
    assert same[0].words == CUES[0].words and same[0].text == "One  two."  # as typed
    moved = editing.apply_page(CUES, [CueInput(1, "One two.", "Ann", "00:01.100", "00:02.000")])
    assert moved[0].words == ()


def test_split_merge_rename_and_shift_edges() -> None:
    untimed = [Cue(None, None, "Hello there friends", None), Cue(None, None, "Bye", None)]
    halves = editing.split(untimed, 1, 11)
    assert [c.text for c in halves] == ["Hello there", "friends", "Bye"]
    assert all(c.start_ms is None for c in halves)
    with pytest.raises(Invalid, match="very start or end"):
        editing.split(untimed, 1, 0)
    with pytest.raises(Invalid, match="there is no cue 3"):
        editing.split(untimed, 3, 1)
    with pytest.raises(Invalid, match="last one"):
        editing.merge_next(untimed, 2)
    assert editing.merge_next(untimed, 1)[0].text == "Hello there friends Bye"
    merged = editing.merge_next(CUES, 1)
    assert (merged[0].start_ms, merged[0].end_ms, merged[0].speaker, merged[0].words) == (
        1000,
        3000,
        "Ann",
        (),  # the second cue had no word timings: none are made up
    )
    with pytest.raises(Invalid, match="no cue has the speaker 'Cy'"):
        editing.rename_speaker(CUES, "Cy", "Dai")
    assert [c.speaker for c in editing.rename_speaker(CUES, "Bob", "  ")] == ["Ann", None]
    with pytest.raises(Invalid, match="no times to shift"):
        editing.shift(untimed, 1000)
    with pytest.raises(Invalid, match="later than 100 hours"):
        editing.shift(CUES, MAX_MS)
    shifted = editing.shift(CUES, -1000)
    assert [c.start_ms for c in shifted] == [0, 1000]
    assert shifted[0].words == (CueWord(0, 400, "One"), CueWord(500, 1000, "two."))


def test_two_saves_from_the_same_version_never_both_win(
    client: TestClient, auth: dict[str, str]
) -> None:
    episode = create_episode(client, auth, "Race")
    put_transcript(client, auth, episode["id"], VTT)
    app = client.app
    assert isinstance(app, FastAPI)
    sessions = app.state.sessionmaker
    with session_scope(sessions) as session:
        (record,) = repository.for_episode(session, episode["id"])
        sha = record.content_sha256
        cues = repository.cues_of(session, record.id)
    outcome: dict[str, object] = {}
    first_saved = threading.Event()
    release = threading.Event()

    def save(name: str, text: str, hold: bool) -> None:
        try:
            with session_scope(sessions) as session:
                target = session.get(Episode, episode["id"])
                assert target is not None
                (current,) = repository.for_episode(session, target.id)
                mine = [Cue(c.start_ms, c.end_ms, text, c.speaker) for c in cues]
                editing.save_edit(
                    session, target, current, sha, mine, reviewed=True, author=name, now=NOW
                )
                if hold:  # still inside the transaction: the other save must wait for it
                    first_saved.set()
                    release.wait(10)
            outcome[name] = "saved"
        except StaleTranscript as exc:
            outcome[name] = exc

    first = threading.Thread(target=save, args=("first", "First words.", True))
    first.start()
    assert first_saved.wait(10)
    second = threading.Thread(target=save, args=("second", "Second words.", False))
    second.start()
    time.sleep(0.3)
    assert second.is_alive(), "the second save did not wait for the first"
    release.set()
    first.join(10)
    second.join(10)
    assert outcome["first"] == "saved"
    refused = outcome["second"]
    assert isinstance(refused, StaleTranscript) and refused.by == "first"
    with session_scope(sessions) as session:
        (record,) = repository.for_episode(session, episode["id"])
        assert {c.text for c in repository.cues_of(session, record.id)} == {"First words."}
