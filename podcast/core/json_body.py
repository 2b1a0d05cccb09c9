"""Refuse bodies that are not JSON with 415 rather than a confusing validation error."""

from __future__ import annotations

from fastapi import Request

from podcast.core.errors import UnsupportedMediaType


def media_type_of(request: Request) -> str:
    """The request's media type, lower case, without parameters ("" when absent)."""
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


async def require_json(request: Request) -> None:
    media_type = media_type_of(request)
    if media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            "send the body as JSON with 'Content-Type: application/json'"
            + (f" (got {media_type!r})" if media_type else "")
        )
