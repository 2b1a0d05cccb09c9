"""Public URLs of stored images: made in one place, always absolute."""

from __future__ import annotations


def image_url(base_url: str, key: str | None) -> str | None:
    """Images are named by their digest, so a new picture always gets a new URL."""
    if key is None:
        return None
    return f"{base_url}/images/{key.split('/', 1)[1]}"
