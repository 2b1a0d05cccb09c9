"""Settings only the web pages use, read from the same ``PODCAST_`` environment as the rest.

Kept apart from ``podcast.core.settings`` so the web layer can grow without touching the kernel.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from podcast.core.schemas import Url

SECRET_FILE = "session-secret"


class SubscribeLink(BaseModel):
    """A directory the show is listed in, e.g. ``{"name": "Apple Podcasts", "url": "…"}``."""

    name: str = Field(min_length=1, max_length=60)
    url: Url


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PODCAST_", env_file=".env", extra="ignore")

    # Signs admin session cookies. Set it when several replicas serve the admin area; otherwise
    # one is generated into the data folder on first use.
    session_secret: SecretStr | None = None
    session_hours: int = Field(default=12, gt=0, le=24 * 30)
    # JSON list: PODCAST_SUBSCRIBE_LINKS='[{"name": "Spotify", "url": "https://…"}]'
    subscribe_links: list[SubscribeLink] = Field(default_factory=list)
    episodes_per_page: int = Field(default=10, gt=0, le=100)


def load_secret(configured: SecretStr | None, data_dir: Path) -> bytes:
    """The configured secret, else one kept in ``data_dir`` (created once, readable by us only)."""
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value().encode("utf-8")
    path = data_dir / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(50):
        try:
            value = path.read_bytes()
        except FileNotFoundError:
            value = _create(path)
        if value:  # empty: another worker created it and is still writing
            return value
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: delete it or set PODCAST_SESSION_SECRET")


def _create(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return b""
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as file:
        file.write(value)
    return value
