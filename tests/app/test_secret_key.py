"""Replicas that share no data folder refuse to start without a shared secret key."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from podcast.app import create_app
from podcast.core.settings import Settings
from podcast.web.config import SecretKeyMissing


def _settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(data_dir=tmp_path / "data", _env_file=None, **values)  # type: ignore[call-arg]


def test_s3_storage_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    app = create_app(_settings(tmp_path, storage="s3", s3_bucket="podcast-media"))
    with pytest.raises(SecretKeyMissing, match="set PODCAST_SECRET_KEY"):
        with TestClient(app):
            pass
    assert not (tmp_path / "data" / "podcast.db").exists(), "refused before touching anything"


def test_the_secret_key_is_read_by_both_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PODCAST_SECRET_KEY", "k" * 40)
    secret = _settings(tmp_path).web.session_secret
    assert secret is not None and secret.get_secret_value() == "k" * 40
    monkeypatch.delenv("PODCAST_SECRET_KEY")
    monkeypatch.setenv("PODCAST_SESSION_SECRET", "s" * 40)
    secret = _settings(tmp_path).web.session_secret
    assert secret is not None and secret.get_secret_value() == "s" * 40
