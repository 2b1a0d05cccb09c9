"""The admin session secret: configured (``settings.web.session_secret``) or kept on disk.

The web settings themselves are ``podcast.core.settings.WebSettings``, nested in ``Settings``.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from pydantic import SecretStr

SECRET_FILE = "session-secret"


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
