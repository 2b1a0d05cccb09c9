"""Configuration from the environment (prefix ``PODCAST_``) and an optional ``.env`` file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, EmailStr, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from podcast.core.db import SQLITE_BUSY_TIMEOUT_MS
from podcast.core.schemas import Url


class SubscribeLink(BaseModel):
    """A directory the show is listed in, e.g. ``{"name": "Apple Podcasts", "url": "…"}``."""

    name: str = Field(min_length=1, max_length=60)
    url: Url


class WebSettings(BaseSettings):
    """What only the web pages use, from the same ``PODCAST_`` variables (``Settings.web``)."""

    model_config = SettingsConfigDict(env_prefix="PODCAST_", env_file=".env", extra="ignore")

    # Signs admin session cookies. Set it when several replicas serve the admin area; otherwise
    # one is generated into the data folder on first use.
    session_secret: SecretStr | None = None
    session_hours: int = Field(default=12, gt=0, le=24 * 30)
    # JSON list: PODCAST_SUBSCRIBE_LINKS='[{"name": "Spotify", "url": "https://…"}]'
    subscribe_links: list[SubscribeLink] = Field(default_factory=list)
    episodes_per_page: int = Field(default=10, gt=0, le=100)


class Settings(BaseSettings):
    """Everything that differs between a laptop, a test and a deployment.

    Defaults make ``podcast serve`` work in an empty folder: SQLite and media under ``./data``.
    """

    model_config = SettingsConfigDict(env_prefix="PODCAST_", env_file=".env", extra="ignore")

    # The pages' and admin's settings: read with the rest, from the same variables.
    web: WebSettings = Field(default_factory=WebSettings)
    data_dir: Path = Path("data")
    database_url: str = ""
    base_url: str = "http://127.0.0.1:8000"
    max_upload_mb: int = Field(default=1024, gt=0)
    # SQLite only: how long a write waits for another to finish before answering 503 with
    # Retry-After (writers queue; they never fail at once).
    sqlite_busy_timeout_ms: int = Field(default=SQLITE_BUSY_TIMEOUT_MS, ge=0)

    # The default show, created on first start; edited afterwards through the API.
    show_slug: str = "leadership-live"
    show_title: str = "Leadership Live"
    show_author: str = "NHS North West Leadership Academy"
    show_description: str = (
        "Leadership Live is the podcast of the NHS North West Leadership Academy: conversations"
        " with people who lead, learn and care across health and social care in the North West."
    )
    show_language: str = "en-GB"
    show_owner_name: str = "NHS North West Leadership Academy"
    show_owner_email: EmailStr = "leadershipacademy@example.nhs.uk"
    show_category: str = "Business"
    show_subcategory: str | None = "Management"

    # The feed (README "The feed"): Cache-Control max-age for apps and proxies, in seconds.
    feed_max_age: int = Field(default=300, ge=0)
    # How stale a replica's caches (the built feed, where each enclosure URL points) may be
    # after another replica or the CLI changes the database: they ask the database again at
    # most once per this many seconds. Changes made through this process clear them at once;
    # scheduled episodes appear on time.
    cache_check_interval: float = Field(default=1.0, ge=0)
    # Moving the feed, step 2: once the show's new_feed_url is set (step 1 puts
    # itunes:new-feed-url in this feed), True makes /feed.xml a 301 to that URL.
    feed_redirect: bool = False
    # Paths of an earlier feed on this host (e.g. ["/rss", "/podcast.xml"]): 301 to /feed.xml.
    feed_old_paths: list[str] = Field(default_factory=list)
    # Speech recognition (docs/asr.md): a local model directory or a faster-whisper model name
    # (downloaded on first use); empty means Whisper base from the bundled packages (`.[asr]`).
    asr_model: str = ""

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("feed_old_paths")
    @classmethod
    def _absolute_paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/") or path == "/feed.xml":
                raise ValueError(f"{path!r}: old feed paths start with '/' and are not /feed.xml")
        return value

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'podcast.db').resolve()}"
        return self

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}/feed.xml"
