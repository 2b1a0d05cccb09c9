"""Refusing query parameters a route does not take, so a typo (``?groupby=week``) is a clear
422 naming it instead of an answer that silently ignored what was asked."""

from __future__ import annotations

from fastapi import Request
from fastapi.routing import APIRoute

from podcast.core.errors import Invalid


def known_query_only(request: Request) -> None:
    """A dependency: 422 for any query parameter the matched route does not declare."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    known = {param.alias for param in route.dependant.query_params}
    for dependency in route.dependant.dependencies:
        known |= {param.alias for param in dependency.query_params}
    for name in request.query_params:
        if name not in known:
            takes = ", ".join(sorted(known)) or "none"
            raise Invalid(f"unknown query parameter; this endpoint takes: {takes}", field=name)
