"""Rendering a template into a response with the headers every HTML page carries."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from podcast.core.security import CSP, SECURITY_HEADERS
from podcast.web.templating import templates

__all__ = ["CSP", "SECURITY_HEADERS", "render"]


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    private: bool = False,
) -> HTMLResponse:
    """A page; ``private`` for anything a producer's session changes (never cached)."""
    response = templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    response.headers["Vary"] = "Cookie"
    return response
