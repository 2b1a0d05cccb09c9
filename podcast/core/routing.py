"""Route helpers shared by the routers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter

F = TypeVar("F", bound=Callable[..., Any])


def get_and_head(router: APIRouter, path: str, **kwargs: Any) -> Callable[[F], F]:
    """Serve ``path`` for GET and HEAD with one handler.

    Podcast apps and Apple's checker send HEAD, which FastAPI's ``@get`` answers with 405.
    Registering HEAD as its own route, left out of the OpenAPI schema, keeps operation ids
    unique (one ``api_route`` with both methods makes FastAPI warn about duplicates).
    """

    def decorate(endpoint: F) -> F:
        router.add_api_route(path, endpoint, methods=["GET"], **kwargs)
        router.add_api_route(path, endpoint, methods=["HEAD"], include_in_schema=False, **kwargs)
        return endpoint

    return decorate
