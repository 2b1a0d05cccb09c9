"""The admin session secret: configured (``PODCAST_SECRET_KEY``) or kept on disk.

The web settings themselves are ``podcast.core.settings.WebSettings``, nested in ``Settings``.
"""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

from pydantic import SecretStr

SECRET_FILE = "session-secret"


class SecretKeyMissing(RuntimeError):
    """Start-up refused: replicas that share no data folder need one configured key."""


def require_shared_secret(storage: str, configured: SecretStr | None) -> None:
    """With media in S3 the replicas share no folder, so a key generated into one replica's
    data folder would sign sessions no other replica accepts: producers would be signed out
    at random. Refuse to start instead (``podcast doctor`` says the same)."""
    if storage == "s3" and (configured is None or not configured.get_secret_value()):
        raise SecretKeyMissing(
            "PODCAST_STORAGE=s3 runs replicas that share no data folder: set PODCAST_SECRET_KEY "
            "to the same long random value on every replica (e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
        )


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
    raise RuntimeError(f"{path} is empty: delete it or set PODCAST_SECRET_KEY")


def _create(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return b""
    value = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as file:
        file.write(value)
    return value
