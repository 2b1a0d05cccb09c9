"""The ``transcribe`` job end to end, with the real model on espeak-ng speech (docs/asr.md).

Nothing is mocked: audio goes in through the API, the embedded queue and its in-process worker
run the job, the model (Whisper base, loaded once for the session) transcribes, and the draft is
read back through the API and search. Apps that must not run jobs by themselves (so a test can
look at a queued job, or run one at a chosen moment) are started with ``serve_jobs=False``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from podcast.app import create_app
from podcast.core.clock import FrozenClock
from podcast.core.db import session_scope
from podcast.core.jobs import Job
from podcast.core.settings import Settings
from podcast.core.tokens import create_token
from tests.conftest import FIXTURES, NOW
from tests.jobs.conftest import job_state, wait_for
from tests.web.helpers import VTT, check_structure, csrf_of, parse, put_transcript, sign_in

if os.environ.get("CI") != "true":
    pytest.importorskip("faster_whisper", reason="speech recognition needs pip install '.[asr]'")

from transcripts.asr.job import KIND, transcribe_handler_for
from transcripts.asr.model import prepare_model
from transcripts.asr.transcriber import load_model

# Transcriptions cost seconds each: those whose database makes no difference run on SQLite only.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
SPEECH = FIXTURES / "speech.mp3"  # "Welcome to Leadership Live, the podcast of the NHS ..."
OTHER = FIXTURES / "plain.mp3"  # the same words encoded differently: another audio key


@pytest.fixture(scope="session")
def asr_model_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The bundled model joined once, loaded once; every app of the session names this
    folder, so they share the loaded model."""
    joined = prepare_model(Settings(data_dir=tmp_path_factory.mktemp("asr-model")))
    load_model(Settings(asr_model=joined, asr_threads=2, _env_file=None))  # type: ignore[call-arg]
    return joined


@pytest.fixture
def settings(tmp_path: Path, database_url: str, asr_model_dir: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        base_url="https://podcast.example.org",
        asr_model=asr_model_dir,
        # Tests want the answer soon, not a responsive server: every core, normal priority.
        asr_threads=2,
        asr_nice=0,
        auto_transcribe=True,
        serve_jobs=True,
        job_lease_seconds=3.0,
        job_sweep_seconds=0.3,
        _env_file=None,  # type: ignore[call-arg]
    )


class Idle:
    """An app that queues jobs but runs none (``serve_jobs=False``), with a producer token."""

    def __init__(self, settings: Settings, **changes: Any) -> None:
        self.settings = settings.model_copy(update={"serve_jobs": False, **changes})
        self.app = create_app(self.settings, clock=FrozenClock(NOW))
        self.client = TestClient(self.app)

    def __enter__(self) -> Idle:
        self.client.__enter__()
        with session_scope(self.app.state.sessionmaker) as session:
            self.token = create_token(session, "tests", NOW)
        self.auth = {"Authorization": f"Bearer {self.token}"}
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.__exit__(*exc)

    def jobs(self) -> list[dict[str, Any]]:
        response = self.client.get("/api/jobs", params={"kind": KIND}, headers=self.auth)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def payload(self, job_id: str) -> dict[str, Any]:
        with session_scope(self.app.state.sessionmaker) as session:
            job = session.get(Job, job_id)
            assert job is not None
            return dict(job.payload)


@pytest.fixture
def idle(settings: Settings) -> Iterator[Idle]:
    with Idle(settings) as app:
        yield app


class Control:
    """Stands in for the queue's ``JobContext`` where a test runs the handler itself."""

    def __init__(self) -> None:
        self.seen: list[tuple[float, str | None]] = []

    def progress(self, fraction: float, message: str | None = None) -> None:
        self.seen.append((fraction, message))

    def cancelled(self) -> bool:
        return False


def upload(client: TestClient, auth: dict[str, str], path: Path = SPEECH) -> int:
    with open(path, "rb") as file:
        response = client.post(
            "/api/episodes",
            files={"file": (path.name, file, "audio/mpeg")},
            data={"title": "Compassionate leadership"},
            headers=auth,
        )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def replace(client: TestClient, auth: dict[str, str], episode_id: int, path: Path) -> None:
    response = client.put(
        f"/api/episodes/{episode_id}/audio",
        content=path.read_bytes(),
        headers={**auth, "Content-Type": "audio/mpeg"},
    )
    assert response.status_code == 200, response.text


def transcripts(client: TestClient, auth: dict[str, str], episode_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/episodes/{episode_id}/transcripts", headers=auth)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()
    return items


def handler(app: FastAPI, settings: Settings) -> Any:
    return transcribe_handler_for(settings, app.state.sessionmaker, FrozenClock(NOW))


def test_uploaded_speech_becomes_a_searchable_automatic_transcript(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Issue 13's "done when": an MP3 of speech through the API and nothing else."""
    episode_id = upload(client, auth)
    response = client.get("/api/jobs", params={"kind": KIND}, headers=auth)
    [job] = response.json()["items"]
    assert job["status"] in ("queued", "running", "succeeded")
    done = wait_for(
        lambda: (state := job_state(client, auth, job["id"]))["status"] == "succeeded" and state,
        timeout=120,
        what="the transcription",
    )
    assert done["progress"] == 1.0
    assert done["result"]["language"] == "en-GB" and done["result"]["cues"] >= 1
    assert done["message"].startswith("Saved an automatic en-GB transcript")

    [record] = transcripts(client, auth, episode_id)
    assert record["source"] == "automatic" and record["reviewed"] is False
    assert record["language"] == "en-GB" and record["timed"] is True
    assert record["edited_at"] is None

    # Word timings reach the Podcasting 2.0 JSON: one segment per word.
    json_url = record["urls"]["json"].removeprefix("https://podcast.example.org")
    segments = client.get(json_url, headers=auth).json()["segments"]
    assert len(segments) > record["cues"]
    assert "leadership" in " ".join(s["body"] for s in segments).lower()
    assert all(s["startTime"] <= s["endTime"] for s in segments)

    published = client.post(f"/api/episodes/{episode_id}/publish", json={}, headers=auth)
    assert published.status_code == 200, published.text
    hits = client.get("/api/search", params={"q": "academy", "scope": "transcripts"}).json()
    assert [(h["kind"], h["language"]) for h in hits["hits"]] == [("transcript", "en-GB")], hits
    assert hits["hits"][0]["start"] is not None


def test_replacing_the_audio_cancels_the_queued_job(idle: Idle) -> None:
    client, auth = idle.client, idle.auth
    episode_id = upload(client, auth)
    [first] = idle.jobs()
    assert first["status"] == "queued"
    old = idle.payload(first["id"])
    assert old["language"] == "en-GB" and old["episode_id"] == episode_id

    replace(client, auth, episode_id, OTHER)
    second, cancelled = idle.jobs()
    assert cancelled["id"] == first["id"] and cancelled["status"] == "cancelled"
    assert second["status"] == "queued"
    assert idle.payload(second["id"])["audio_key"] != old["audio_key"]

    # A job for the old audio that runs anyway (a worker took it first) does nothing.
    control = Control()
    result = handler(idle.app, idle.settings)(control, old)
    assert "replaced" in result["skipped"]
    assert transcripts(client, auth, episode_id) == []

    # Asking again for the same audio and language answers the queued job.
    again = client.post(f"/api/episodes/{episode_id}/transcript/auto", headers=auth)
    assert again.status_code == 202 and again.json()["id"] == second["id"]


def test_a_running_job_stops_when_the_audio_is_replaced(idle: Idle) -> None:
    """The replacement cancels the running job; whether the job notices between segments or
    only at the save (where it checks the audio key again), it saves nothing."""
    client, auth = idle.client, idle.auth
    episode_id = upload(client, auth)
    [job] = idle.jobs()
    from podcast.core.jobs import JobContext, state_sessions
    from podcast.jobs.runner import claim

    sessions = idle.app.state.sessionmaker
    state = state_sessions(sessions)
    claimed = claim(state, job["id"], lease_seconds=60)
    assert claimed is not None
    replaced = threading.Event()

    class Replacing(JobContext):
        def progress(self, fraction: float, message: str | None = None) -> None:
            super().progress(fraction, message)
            if fraction > 0 and not replaced.is_set():
                replaced.set()
                replace(client, auth, episode_id, OTHER)  # mid-transcription

    context = Replacing(sessions, job["id"], claimed.attempt, state=state)
    result = handler(idle.app, idle.settings)(context, claimed.payload)
    assert replaced.is_set()
    assert result.get("cancelled") or "replaced" in result["skipped"], result
    assert transcripts(client, auth, episode_id) == []
    statuses = {j["id"]: j["status"] for j in idle.jobs()}
    assert statuses[job["id"]] == "cancelled"


@SQLITE_ONLY
def test_a_producer_transcript_is_never_replaced(idle: Idle) -> None:
    client, auth = idle.client, idle.auth
    episode_id = upload(client, auth)
    [queued] = idle.jobs()
    put_transcript(client, auth, episode_id, VTT)  # en-GB, the show's language

    refused = client.post(f"/api/episodes/{episode_id}/transcript/auto", headers=auth)
    assert refused.status_code == 409
    assert "en-GB transcript was written or edited by a producer" in refused.json()["detail"]

    run = handler(idle.app, idle.settings)
    control = Control()
    result = run(control, idle.payload(queued["id"]))  # queued before the producer's upload
    assert result["conflict"] is False and "written or edited by a producer" in result["skipped"]
    # Detected in the audio, the language turns out to be the producer's: not saved either.
    detected = run(Control(), {**idle.payload(queued["id"]), "language": "auto"})
    assert detected["conflict"] is True and "does not replace it" in detected["skipped"]
    [record] = transcripts(client, auth, episode_id)
    assert record["source"] == "producer" and record["cues"] == 3

    # New audio for an episode whose transcript is the producer's queues nothing.
    replace(client, auth, episode_id, OTHER)
    assert [j["status"] for j in idle.jobs()] == ["cancelled"]


def test_the_api_answers_clearly(idle: Idle, settings: Settings) -> None:
    client, auth = idle.client, idle.auth
    episode_id = upload(client, auth)
    url = f"/api/episodes/{episode_id}/transcript/auto"
    assert client.post(url).status_code == 401
    assert client.post("/api/episodes/999/transcript/auto", headers=auth).status_code == 404

    welsh = client.post(url, params={"language": "cy"}, headers=auth)
    assert welsh.status_code == 202, welsh.text
    assert welsh.headers["location"] == f"/api/jobs/{welsh.json()['id']}"
    assert welsh.json()["kind"] == KIND and welsh.json()["status"] == "queued"
    assert idle.payload(welsh.json()["id"])["language"] == "cy"
    detect = client.post(url, params={"language": "auto"}, headers=auth)
    assert detect.status_code == 202 and idle.payload(detect.json()["id"])["language"] == "auto"

    unknown = client.post(url, params={"language": "tlh"}, headers=auth)
    assert unknown.status_code == 422
    assert unknown.json()["detail"].startswith("language: 'tlh' is not a language Whisper")
    assert client.post(url, params={"language": "not a tag"}, headers=auth).status_code == 422

    draft = client.post("/api/episodes", json={"title": "No audio yet"}, headers=auth).json()
    silent = client.post(f"/api/episodes/{draft['id']}/transcript/auto", headers=auth)
    assert silent.status_code == 422
    assert silent.json()["detail"] == (
        "audio: the episode has no audio to transcribe: upload its audio first"
    )
    assert len(idle.jobs()) == 3  # the upload's, Welsh, detected; nothing for the refusals

    folder = settings.data_dir.parent / "no-asr"
    missing = settings.model_copy(
        update={"data_dir": folder, "database_url": f"sqlite:///{folder / 'podcast.db'}"}
    )
    with Idle(missing, asr_model="/nowhere/whisper") as other:
        other_id = upload(other.client, other.auth)
        assert other.jobs() == []  # no model: nothing is queued by itself
        other.client.base_url = "https://testserver"  # type: ignore[assignment]
        sign_in(other.client, other.token)
        page = parse(other.client.get(f"/admin/episodes/{other_id}"))
        [notice] = page.xpath("//p[@id='auto']")
        assert notice.text_content() == (
            "Speech recognition is not installed on this server, so it cannot make automatic "
            "transcripts: PODCAST_ASR_MODEL=/nowhere/whisper: no such folder."
        )
        assert not page.xpath("//form[contains(@action, '/transcript/auto')]")
        answer = other.client.post(f"/api/episodes/{other_id}/transcript/auto", headers=other.auth)
        assert answer.status_code == 503
        assert answer.json()["detail"] == (
            "speech recognition is not available: PODCAST_ASR_MODEL=/nowhere/whisper: "
            "no such folder"
        )


def test_a_failed_attempt_is_retried_later(idle: Idle) -> None:
    from podcast.jobs.runner import run_job

    client, auth = idle.client, idle.auth
    episode_id = upload(client, auth)
    [job] = idle.jobs()
    key = idle.payload(job["id"])["audio_key"]
    (idle.settings.media_dir / key).unlink()  # lost from the store: the attempt fails
    queue = idle.app.state.jobs
    run_job(
        queue.sessions,
        queue.state,
        queue.registry,
        job["id"],
        lease_seconds=60,
        dispatch=lambda *_: None,
    )
    state = job_state(client, auth, job["id"])
    assert state["status"] == "queued" and state["attempts"] == 1 and state["max_attempts"] == 4
    assert state["error"] == f"the episode's audio ({key}) is not in the media store"
    assert state["message"].startswith("Attempt 1 of 4 failed; trying again in")
    assert transcripts(client, auth, episode_id) == []


def test_a_job_waits_without_holding_a_worker_while_another_transcribes(idle: Idle) -> None:
    """One transcription at a time per process: a second job gives its worker thread back to
    the queue (other kinds of job run meanwhile) and comes back later, its attempt unused."""
    from podcast.jobs.runner import run_job
    from transcripts.asr import lane

    client, auth = idle.client, idle.auth
    upload(client, auth)
    [job] = idle.jobs()
    release, running = threading.Event(), threading.Event()

    def busy() -> None:
        running.set()
        release.wait(30)

    holder = threading.Thread(target=lane.run, args=(busy,))
    holder.start()
    try:
        assert running.wait(10)
        queue = idle.app.state.jobs
        sent: list[str] = []
        run_job(
            queue.sessions,
            queue.state,
            queue.registry,
            job["id"],
            lease_seconds=60,
            dispatch=lambda job_id, _at: sent.append(job_id),
        )
    finally:
        release.set()
        holder.join(10)
    state = job_state(client, auth, job["id"])
    assert state["status"] == "queued" and state["attempts"] == 0 and state["error"] is None
    assert state["message"] == "Waiting: this worker is transcribing another episode."
    assert state["run_at"] > state["updated_at"] and sent == [job["id"]]


def test_auto_transcription_can_be_turned_off(settings: Settings) -> None:
    with Idle(settings, auto_transcribe=False) as app:
        upload(app.client, app.auth)
        assert app.jobs() == []


def test_the_admin_button_queues_a_job_and_its_page_shows_progress(idle: Idle) -> None:
    client = idle.client
    episode_id = upload(client, idle.auth)
    client.base_url = "https://testserver"  # type: ignore[assignment]
    sign_in(client, idle.token)
    page = parse(client.get(f"/admin/episodes/{episode_id}"))
    action = f"/admin/episodes/{episode_id}/transcript/auto"
    [button] = page.xpath(f"//form[@action='{action}']//button")
    assert button.text_content() == "Make an automatic transcript"
    [job] = idle.jobs()
    assert page.xpath(f"//a[@href='/admin/jobs/{job['id']}']")  # the upload's job, linked

    refused = client.post(
        action, data={"csrf_token": "wrong", "language": "cy"}, follow_redirects=False
    )
    assert refused.status_code == 403
    answer = client.post(
        action,
        data={"csrf_token": csrf_of(page, action), "language": "cy"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    job_path = answer.headers["location"]
    assert job_path.startswith("/admin/jobs/")
    shown = parse(client.get(job_path))
    check_structure(shown)
    check_structure(page)
    assert shown.xpath("//progress") and "Queued" in shown.text_content()
    assert shown.xpath("//meta[@http-equiv='refresh']")  # reloads while unfinished
    assert shown.xpath(f"//a[@href='/admin/episodes/{episode_id}']")

    bad = client.post(
        action,
        data={"csrf_token": csrf_of(page, action), "language": "tlh"},
        follow_redirects=False,
    )
    assert bad.status_code == 422
    assert (
        "not a language Whisper recognises"
        in parse(bad).xpath("//p[@id='auto-language-error']")[0].text_content()
    )


@SQLITE_ONLY
def test_the_cli_transcribes_with_a_progress_bar(
    idle: Idle, monkeypatch: pytest.MonkeyPatch
) -> None:
    from podcast.cli import app as cli

    episode_id = upload(idle.client, idle.auth)
    for name, value in {
        "PODCAST_DATA_DIR": str(idle.settings.data_dir),
        "PODCAST_DATABASE_URL": idle.settings.database_url,
        "PODCAST_ASR_MODEL": idle.settings.asr_model,
        "PODCAST_BASE_URL": idle.settings.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    result = CliRunner().invoke(cli, ["transcribe", str(episode_id)])
    assert result.exit_code == 0, result.output
    assert "Automatic transcript en-GB saved" in result.output
    [record] = transcripts(idle.client, idle.auth, episode_id)
    assert record["source"] == "automatic" and record["reviewed"] is False

    again = CliRunner().invoke(cli, ["transcribe", str(episode_id), "--language", "tlh"])
    assert again.exit_code == 1 and "not a language Whisper recognises" in again.output
