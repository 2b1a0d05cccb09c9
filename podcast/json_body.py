"""Refuse bodies that are not JSON with 415 rather than a confusing validation error."""

from __future__ import annotations

from fastapi import Request

from podcast.errors import UnsupportedMediaType


async def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"send the body as JSON with 'Content-Type: application/json' (got {media_type!r})"
            if media_type
            else "send the body as JSON with 'Content-Type: application/json'"
        )
