"""Configuration from the environment (prefix ``PODCAST_``) and an optional ``.env`` file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AliasChoices,
    BaseModel,
    EmailStr,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from podcast.core.db import SQLITE_BUSY_TIMEOUT_MS
from podcast.core.public_urls import PublicUrls
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
    # PODCAST_SECRET_KEY (PODCAST_SESSION_SECRET, its earlier name, is read too).
    session_secret: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "PODCAST_SECRET_KEY", "PODCAST_SESSION_SECRET", "session_secret"
        ),
    )
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
    # Where media files live (README "Storage"): this machine's data folder, or an S3 bucket
    # (AWS or any S3-compatible service; credentials from the standard AWS variables or role).
    storage: Literal["local", "s3"] = "local"
    s3_bucket: str = ""
    s3_prefix: str = ""
    s3_endpoint_url: str | None = None  # e.g. https://s3.example.net; path-style addressing
    s3_region: str | None = None
    # Media URLs straight from the store: this base + "/" + key (a CDN, a public bucket);
    # otherwise presigned GET URLs valid this long (SigV4 allows at most 7 days).
    media_public_url: str | None = None
    presign_seconds: int = Field(default=12 * 3600, gt=0, le=7 * 24 * 3600)
    # How /media/... and /images/... hand over the bytes (README "Storage"): "redirect" answers
    # 302 to the store's URL above (the store serves the bytes, ranges and HEAD); "proxy"
    # streams them through this service. Unset: redirect with s3, proxy with local (local
    # storage has no URL of its own: redirect is refused there).
    media_delivery: Literal["redirect", "proxy"] | None = None
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
    # CPU threads one transcription uses; 0: every core. Each process runs one transcription
    # at a time, at a lower CPU priority than the web service (asr_nice), so requests go first.
    asr_threads: int = Field(default=0, ge=0, le=256)
    # How much lower than the web service's the transcription thread's CPU priority is (a nice
    # increment, 0-19; docs/asr.md, "Sharing the machine").
    asr_nice: int = Field(default=10, ge=0, le=19)
    # Transcribe every uploaded or replaced audio by itself (a `transcribe` job); unset: on
    # when speech recognition is installed and its model is available.
    auto_transcribe: bool | None = None

    # Moving a show here (podcast import): fetch from private or local addresses too (an old
    # host on the same network; tests on loopback). Off: only public addresses are fetched.
    import_allow_private: bool = False
    # Enclosures an import downloads at once (each streamed to storage, never in memory): the
    # whole takes about as long as the slowest few, not the sum. 1: one after another.
    import_concurrency: int = Field(default=4, ge=1, le=16)
    # Telling directories at once (README "Telling directories at once"). WebSub hubs the feed
    # names in <atom:link rel="hub"> and pings on publish: a JSON list or comma-separated URLs.
    websub_hubs: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Other notification URLs (a Podping gateway, a directory's ping endpoint): templates whose
    # ``{feed_url}`` is replaced by the URL-encoded feed URL, called with ``ping_method``.
    ping_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    ping_method: Literal["GET", "POST"] = "GET"
    # Sent as the Authorization header to the ping URLs only (never to WebSub hubs).
    ping_authorization: SecretStr | None = None
    # Background jobs (README "Background jobs"). Empty: the queue is data_dir/queue.db and
    # `podcast serve` runs the jobs itself. redis://host:6379/0 when several replicas share
    # the work; `podcast worker` processes run them.
    queue_url: str = ""
    queue_name: str = Field(default="podcast", min_length=1, max_length=100)
    # Whether `podcast serve` also runs jobs; unset: yes with the embedded queue, no with Redis.
    serve_jobs: bool | None = None
    # Threads per process running jobs. Two, so that a transcription (one per process at a time,
    # docs/asr.md) never makes a feed announcement or an import wait behind it.
    job_workers: int = Field(default=2, ge=1, le=64)
    # A running job's worker renews its hold every third of this; a worker killed mid-job
    # leaves the job to be retried once it runs out.
    job_lease_seconds: float = Field(default=60.0, gt=0)
    job_sweep_seconds: float = Field(default=15.0, gt=0)  # how often lost jobs are looked for
    # Extension point: "module:function" returning more job handlers ({kind: handler}).
    job_handlers: str = ""
    # Operations (docs/operations.md). Log lines as text or as JSON lines.
    log_format: Literal["text", "json"] = "text"
    # A request taking longer than this is logged (route, status, time), access log or not.
    slow_request_ms: int = Field(default=1000, ge=0)
    # Prometheus metrics at /metrics. Scrapers on loopback need nothing; others send
    # "Authorization: Bearer <this token>" (no token set: loopback only).
    # Listener analytics (docs/analytics.md, docs/privacy.md): enclosure requests counted as
    # IAB v2.2 downloads; no IP address or User-Agent is ever written down.
    analytics: bool = True
    # How old a recorded request must be before it is counted: every server has written its
    # requests down by then (they flush every second), so requests are counted in time order.
    analytics_settle_seconds: float = Field(default=30.0, gt=0, le=3600)
    metrics: bool = True
    metrics_token: SecretStr | None = None

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("queue_url")
    @classmethod
    def _queue_scheme(cls, value: str) -> str:
        if value and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:port/db (or leave it empty for the embedded queue)")
        return value

    @field_validator("feed_old_paths")
    @classmethod
    def _absolute_paths(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/") or path == "/feed.xml":
                raise ValueError(f"{path!r}: old feed paths start with '/' and are not /feed.xml")
        return value

    @field_validator("s3_endpoint_url", "media_public_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("s3_prefix")
    @classmethod
    def _key_prefix(cls, value: str) -> str:
        parts = value.strip("/").split("/") if value.strip("/") else []
        if any(part in ("", ".", "..") for part in parts):
            raise ValueError("a key prefix like 'podcast/media': no '..' or empty segments")
        return "/".join(parts)

    @model_validator(mode="after")
    def _s3_needs_a_bucket(self) -> Settings:
        if self.storage == "s3" and not self.s3_bucket:
            raise ValueError("PODCAST_STORAGE=s3 needs PODCAST_S3_BUCKET (the bucket's name)")
        return self

    @model_validator(mode="after")
    def _delivery(self) -> Settings:
        if self.media_delivery is None:
            self.media_delivery = "redirect" if self.storage == "s3" else "proxy"
        elif self.media_delivery == "redirect" and self.storage != "s3":
            raise ValueError(
                "PODCAST_MEDIA_DELIVERY=redirect needs PODCAST_STORAGE=s3: local storage has no"
                " URL to redirect to and always serves the bytes itself (use proxy, or unset it)"
            )
        return self

    @field_validator("websub_hubs", "ping_urls", mode="before")
    @classmethod
    def _url_list(cls, value: Any) -> Any:
        """A JSON list, or URLs separated by commas (as a shell variable is easiest to write)."""
        if not isinstance(value, str):
            return value
        text = value.strip()
        if text.startswith("["):
            try:
                return json.loads(text)
            except ValueError:
                raise ValueError(
                    "must be a JSON list of URLs, or URLs separated by commas"
                ) from None
        return [part.strip() for part in text.split(",") if part.strip()]

    @field_validator("websub_hubs")
    @classmethod
    def _hub_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            _require_http_url(url, "each WebSub hub")
        return list(dict.fromkeys(value))

    @field_validator("ping_urls")
    @classmethod
    def _ping_templates(cls, value: list[str]) -> list[str]:
        for template in value:
            if "{feed_url}" not in template:
                raise ValueError(f"{template!r}: a ping URL must contain {{feed_url}}")
            _require_http_url(template.replace("{feed_url}", "x"), "each ping URL")
        return list(dict.fromkeys(value))

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
    def public_urls(self) -> PublicUrls:
        return PublicUrls(self.base_url)

    @property
    def feed_url(self) -> str:
        return self.public_urls.feed()


def _require_http_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r}: {what} must be an http:// or https:// URL with a host")
