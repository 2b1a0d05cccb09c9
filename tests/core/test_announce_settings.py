"""PODCAST_WEBSUB_HUBS and PODCAST_PING_URLS: lists from the environment, checked at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from podcast.core.settings import Settings


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(f"PODCAST_{name.upper()}", value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_empty_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PODCAST_WEBSUB_HUBS", raising=False)
    monkeypatch.delenv("PODCAST_PING_URLS", raising=False)
    settings = load(monkeypatch)
    assert settings.websub_hubs == [] and settings.ping_urls == []
    assert settings.ping_method == "GET" and settings.ping_authorization is None


@pytest.mark.parametrize(
    "value",
    [
        "https://pubsubhubbub.appspot.com/, http://hub.internal:8080/hub",
        '["https://pubsubhubbub.appspot.com/", "http://hub.internal:8080/hub"]',
        "https://pubsubhubbub.appspot.com/,,http://hub.internal:8080/hub,"
        " https://pubsubhubbub.appspot.com/",
    ],
)
def test_hubs_as_a_json_list_or_separated_by_commas(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    settings = load(monkeypatch, websub_hubs=value)
    assert settings.websub_hubs == [
        "https://pubsubhubbub.appspot.com/",
        "http://hub.internal:8080/hub",
    ]


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("websub_hubs", "ftp://hub.example.org/", "each WebSub hub must be an http:// or https://"),
        ("websub_hubs", "hub.example.org", "'hub.example.org': each WebSub hub must be"),
        ("websub_hubs", "https://", "with a host"),
        ("websub_hubs", '["https://a.example/"', "must be a JSON list of URLs, or URLs separated"),
        ("ping_urls", "https://podping.example/?url=", "a ping URL must contain {feed_url}"),
        ("ping_urls", "javascript:{feed_url}", "each ping URL must be an http:// or https://"),
    ],
)
def test_bad_urls_are_refused_naming_them(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        load(monkeypatch, **{name: value})
    assert name in str(raised.value) and says in str(raised.value)


def test_ping_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        ping_urls="https://podping.example/?url={feed_url}&reason=newEpisode",
        ping_method="POST",
        ping_authorization="Bearer s3cret",
    )
    assert settings.ping_urls == ["https://podping.example/?url={feed_url}&reason=newEpisode"]
    assert settings.ping_method == "POST"
    assert settings.ping_authorization is not None
    assert settings.ping_authorization.get_secret_value() == "Bearer s3cret"
    assert "s3cret" not in repr(settings)
