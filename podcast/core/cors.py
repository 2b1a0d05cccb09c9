"""CORS for what web players fetch from other origins: media, transcripts, chapters, the feed.

Everything public here is public to every origin (``*``, never with credentials). Simple GETs
need only ``Access-Control-Allow-Origin``; a request with a header outside the safelist (a
multi-part ``Range``, ``If-Match``...) is preflighted with ``OPTIONS``, answered 204 by
:func:`add_preflight` without touching the database (docs/standards.md, "CORS").
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Response

ALLOW_ORIGIN = {"Access-Control-Allow-Origin": "*"}
# What a player may send: ranges and the validators of a resumed or revalidated fetch.
REQUEST_HEADERS = ("Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since")
PREFLIGHT_MAX_AGE = 86400


def preflight_headers(
    methods: Sequence[str] = ("GET", "HEAD"), headers: Sequence[str] = REQUEST_HEADERS
) -> dict[str, str]:
    """The headers of a 204 answer to ``OPTIONS``: the methods and request headers allowed."""
    return {
        **ALLOW_ORIGIN,
        "Access-Control-Allow-Methods": ", ".join((*methods, "OPTIONS")),
        "Access-Control-Allow-Headers": ", ".join(headers),
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
        "Allow": ", ".join((*methods, "OPTIONS")),
    }


def add_preflight(
    router: APIRouter,
    path: str,
    *,
    methods: Sequence[str] = ("GET", "HEAD"),
    headers: Sequence[str] = REQUEST_HEADERS,
) -> None:
    """``OPTIONS path`` → 204 (:func:`preflight_headers`), left out of the OpenAPI schema:
    browsers send it, not API clients. Bare-ASGI routes (the feed) answer it themselves."""
    answer = preflight_headers(methods, headers)

    async def preflight() -> Response:
        return Response(status_code=204, headers=answer)

    router.add_api_route(path, preflight, methods=["OPTIONS"], include_in_schema=False)
