"""``podcast doctor`` against real configurations: the lines it prints and its exit code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from podcast.bootstrap import prepare
from podcast.cli import app
from podcast.core.clock import SystemClock
from podcast.core.settings import Settings
from podcast.doctor import DISK_FAIL_BYTES, DISK_WARN_BYTES, Level, disk_finding, placeholder_email
from podcast.migrate import known_revisions

GOOD = {
    "PODCAST_BASE_URL": "https://podcast.leadershipacademy.nhs.uk",
    "PODCAST_SHOW_OWNER_EMAIL": "podcast@leadershipacademy.nhs.uk",
}


def installed(tmp_path: Path, database_url: str | None = None) -> dict[str, str]:
    """An installation made by `podcast init`'s code, and the environment naming it."""
    env = {"PODCAST_DATA_DIR": str(tmp_path / "data")}
    if database_url:
        env["PODCAST_DATABASE_URL"] = database_url
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url or "",
        _env_file=None,  # type: ignore[call-arg]
    )
    prepare(settings, SystemClock()).engine.dispose()
    return env


def doctor(env: dict[str, str], *args: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["doctor", *args], env=env)
    lines = [line.rstrip() for line in result.output.splitlines()]
    return result.exit_code, lines


def line_for(lines: list[str], check: str) -> str:
    found = [line for line in lines if line[5:].startswith(f"{check}:")]
    assert len(found) == 1, lines
    return found[0]


def test_a_ready_installation_passes(tmp_path: Path, database_url: str) -> None:
    env = {**installed(tmp_path, database_url), **GOOD, "PODCAST_SECRET_KEY": "x" * 40}
    code, lines = doctor(env, "--replicas", "3")
    assert code == 0, lines
    assert (
        line_for(lines, "base URL")
        == "ok   base URL: https://podcast.leadershipacademy.nhs.uk (https)"
    )
    assert line_for(lines, "owner email").startswith("ok   owner email: podcast@leadershipacademy")
    assert line_for(lines, "session secret") == "ok   session secret: PODCAST_SECRET_KEY is set"
    assert line_for(lines, "database").startswith("ok   database: answers")
    head = known_revisions()[0]
    assert (
        line_for(lines, "migrations") == f"ok   migrations: schema at the latest revision ({head})"
    )
    assert line_for(lines, "storage").startswith("ok   storage: writable")
    assert line_for(lines, "queue").startswith("ok   queue: the embedded queue")
    assert line_for(lines, "disk space").startswith("ok   disk space:")
    assert lines[-1] == "0 failure(s), 0 warning(s)"


def test_a_queue_that_does_not_answer_fails_without_its_password(tmp_path: Path) -> None:
    env = {**installed(tmp_path), **GOOD}
    env["PODCAST_QUEUE_URL"] = "redis://:hunter2@127.0.0.1:1/0"  # nothing listens on port 1
    code, lines = doctor(env)
    assert code == 1
    line = line_for(lines, "queue")
    assert line.startswith("fail queue: cannot reach redis://…@127.0.0.1:1/0"), line
    assert "hunter2" not in "\n".join(lines)


def test_placeholders_and_plain_http_warn(tmp_path: Path) -> None:
    env = {**installed(tmp_path), "PODCAST_BASE_URL": "http://podcast.leadershipacademy.nhs.uk"}
    code, lines = doctor(env)
    assert code == 0, "warnings alone do not fail"
    assert line_for(lines, "base URL").startswith(
        "warn base URL: http://podcast.leadershipacademy.nhs.uk is plain http"
    )
    assert "fix: serve behind TLS and set PODCAST_BASE_URL=https://..." in "\n".join(lines)
    assert line_for(lines, "owner email").startswith(
        "warn owner email: leadershipacademy@example.nhs.uk is a placeholder"
    )
    assert line_for(lines, "session secret").startswith("ok   session secret: generated")
    assert lines[-1] == "0 failure(s), 2 warning(s)"


def test_local_http_is_fine(tmp_path: Path) -> None:
    env = {**installed(tmp_path), **GOOD, "PODCAST_BASE_URL": "http://127.0.0.1:8000"}
    _code, lines = doctor(env)
    assert line_for(lines, "base URL") == "ok   base URL: http://127.0.0.1:8000 (this machine only)"


def test_replicas_without_a_shared_secret_fail(tmp_path: Path) -> None:
    code, lines = doctor({**installed(tmp_path), **GOOD}, "--replicas", "2")
    assert code == 1
    assert line_for(lines, "session secret").startswith(
        "fail session secret: not set, with 2 replicas"
    )
    assert lines[-1] == "1 failure(s), 0 warning(s)"


def test_postgresql_without_a_secret_warns_and_an_unreachable_database_fails(
    tmp_path: Path,
) -> None:
    env = {
        **GOOD,
        "PODCAST_DATA_DIR": str(tmp_path / "data"),
        "PODCAST_DATABASE_URL": "postgresql+psycopg://podcast:hunter2@127.0.0.1:9/podcast",
    }
    code, lines = doctor(env)
    assert code == 1
    assert line_for(lines, "session secret").startswith(
        "warn session secret: not set, and the database is PostgreSQL"
    )
    database = line_for(lines, "database")
    assert database.startswith("fail database: does not answer: OperationalError")
    assert "hunter2" not in "\n".join(lines), "never the database password"
    assert "migrations" not in "\n".join(lines)


def test_old_and_unknown_schemas(tmp_path: Path) -> None:
    env = {**installed(tmp_path), **GOOD}
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    from podcast.core.db import make_engine

    engine = make_engine(settings.database_url)
    previous = known_revisions()[1]
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": previous})
    code, lines = doctor(env)
    assert code == 0
    assert line_for(lines, "migrations").startswith(f"warn migrations: schema at {previous}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
    engine.dispose()
    code, lines = doctor(env)
    assert code == 1
    assert line_for(lines, "migrations").startswith(
        "fail migrations: schema at f00dfeed, which this version does not know"
    )


def test_storage_that_cannot_take_uploads_fails(tmp_path: Path) -> None:
    env = {**installed(tmp_path), **GOOD}
    media = tmp_path / "data" / "media"
    shutil.rmtree(media)
    media.write_text("a file where the media folder should be")
    code, lines = doctor(env)
    assert code == 1
    assert line_for(lines, "storage").startswith(f"fail storage: cannot take uploads at {media}")


@pytest.mark.parametrize(
    ("free", "level"),
    [
        (DISK_FAIL_BYTES - 1, Level.FAIL),
        (DISK_FAIL_BYTES, Level.WARN),
        (DISK_WARN_BYTES - 1, Level.WARN),
        (DISK_WARN_BYTES, Level.OK),
    ],
)
def test_disk_space_thresholds(free: int, level: Level) -> None:
    assert disk_finding(free, Path("/srv/podcast")).level is level


@pytest.mark.parametrize(
    ("email", "placeholder"),
    [
        ("leadershipacademy@example.nhs.uk", True),
        ("someone@example.com", True),
        ("someone@podcast.example", True),
        ("a@b.invalid", True),
        ("podcast@leadershipacademy.nhs.uk", False),
        ("someone@examples.co.uk", False),
    ],
)
def test_placeholder_emails(email: str, placeholder: bool) -> None:
    assert placeholder_email(email) is placeholder


def test_media_in_s3_without_a_secret_key_fails(tmp_path: Path) -> None:
    env = {**installed(tmp_path), **GOOD, "PODCAST_STORAGE": "s3", "PODCAST_S3_BUCKET": "b"}
    _code, lines = doctor(env)
    line = line_for(lines, "session secret")
    assert line.startswith("fail session secret: not set, with media in S3"), line
    # The earlier name still counts.
    _code, lines = doctor({**env, "PODCAST_SESSION_SECRET": "y" * 40})
    assert line_for(lines, "session secret") == "ok   session secret: PODCAST_SECRET_KEY is set"


def test_speech_recognition_is_reported(tmp_path: Path) -> None:
    pytest.importorskip("faster_whisper", reason="speech recognition needs pip install '.[asr]'")
    env = installed(tmp_path)
    _, lines = doctor(env)
    assert line_for(lines, "speech recognition") == (
        "ok   speech recognition: installed; model whisper-base (bundled) installed; joined and "
        "verified (size and SHA-256) on the first transcription; transcribing new audio: off "
        "(PODCAST_AUTO_TRANSCRIBE)"
    )
    _, lines = doctor({**env, "PODCAST_ASR_MODEL": str(tmp_path / "no-model")})
    assert line_for(lines, "speech recognition") == (
        "warn speech recognition: not available, so no automatic transcripts: "
        f"PODCAST_ASR_MODEL={tmp_path / 'no-model'}: no such folder"
    )
