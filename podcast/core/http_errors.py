"""Domain errors (``podcast.core.errors``) and framework errors as JSON ``{"detail": ...}``.

The one place that knows which status each domain error answers with; every answer has the
same shape so a producer's script can rely on it.

A browser asking for a path nothing answers (404) or with a method it does not take (405)
gets the site's HTML page instead, when its ``Accept`` prefers ``text/html``: the web layer
registers the page with :func:`use_html_pages` (core cannot import it). Scripts, ``curl``
and ``fetch`` send ``*/*`` or ``application/json`` and keep the JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.routing import Match

from podcast.core.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    Invalid,
    InvalidFile,
    NotFound,
    PayloadTooLarge,
    PreconditionFailed,
    Unauthorized,
    Unavailable,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")
HTML_STATUSES = frozenset({404, 405})
# The page for a status, for browsers: blocking (it reads the show), so run in a thread.
HtmlErrorPage = Callable[[Request, int], Response]


# The status each domain error answers with (the first class in its MRO that is listed).
STATUS: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthorized: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    Invalid: 422,
    Unavailable: 503,
    DomainError: 400,
}


def status_of(exc: DomainError) -> int:
    return next(STATUS[cls] for cls in type(exc).__mro__ if cls in STATUS)


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for part in parts:
        out += f"[{part}]" if part.isdigit() else (f".{part}" if out else part)
    return out or "body"


def validation_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as ``{"field", "message"}`` pairs a person can read."""
    out = []
    for error in errors:
        loc = error.get("loc", ())
        message = error.get("msg", "is not valid")
        if error.get("type") == "extra_forbidden":
            message = "is not a field that can be set here"
        elif error.get("type") == "missing":
            message = "is required"
        out.append({"field": _field(loc), "message": message})
    return out


def _summary(items: list[dict[str, str]]) -> str:
    return "; ".join(f"{i['field']}: {i['message']}" for i in items)


def error_body(exc: DomainError) -> dict[str, object]:
    """``{"detail": ...}``, plus ``line`` when the error has one."""
    body: dict[str, object] = {"detail": exc.detail}
    if exc.line is not None or isinstance(exc, InvalidFile):
        body["line"] = exc.line
    return body


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    headers = None
    if isinstance(exc, Unauthorized):
        headers = {"WWW-Authenticate": 'Bearer realm="podcast"'}
    return JSONResponse(error_body(exc), status_of(exc), headers=headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    bad_json = [e for e in errors if e.get("type") == "json_invalid"]
    if bad_json:
        ctx = bad_json[0].get("ctx") or {}
        reason = ctx.get("error", "it could not be parsed")
        return JSONResponse({"detail": f"the body is not valid JSON: {reason}"}, 400)
    items = validation_errors(errors)
    return JSONResponse({"detail": _summary(items), "errors": items}, 422)


# Seconds a client should wait before retrying when the database is busy or unreachable.
RETRY_AFTER_SECONDS = 2


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    """A lock that could not be had in time (SQLite busy, a PostgreSQL deadlock) or a lost
    connection: nothing was committed, and trying again shortly will most likely work."""
    log.warning("database unavailable: %s", exc)
    return JSONResponse(
        {"detail": "the database is busy or unreachable: nothing was saved; try again shortly"},
        503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def prefers_html(accept: str) -> bool:
    """Whether an ``Accept`` header names HTML and ranks it at least as high as JSON.

    Browsers navigating send ``text/html,...,*/*;q=0.8``; ``*/*`` alone (curl, fetch,
    httpx) is not a preference for HTML.
    """
    html = json = 0.0
    for item in accept.split(","):
        media_type, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 0.0
        media_type = media_type.lower()
        if media_type in ("text/html", "application/xhtml+xml"):
            html = max(html, quality)
        elif media_type == "application/json":
            json = max(json, quality)
    return html > 0 and html >= json


def use_html_pages(app: FastAPI, page: HtmlErrorPage) -> None:
    """Answer browsers' 404s and 405s with ``page`` (the web layer's HTML)."""
    app.state.html_error_page = page


async def _html_page(request: Request, status: int) -> Response | None:
    page: HtmlErrorPage | None = getattr(request.app.state, "html_error_page", None)
    if page is None or status not in HTML_STATUSES:
        return None
    if not prefers_html(request.headers.get("accept", "")):
        return None
    try:
        return await run_in_threadpool(page, request, status)
    except Exception:  # the JSON answer is still an answer (no show yet, database down)
        log.exception("the HTML %s page failed; answering JSON", status)
        return None


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    page = await _html_page(request, exc.status_code)
    if page is not None:
        page.headers.update(headers)
        page.headers["Vary"] = ", ".join(filter(None, (page.headers.get("Vary"), "Accept")))
        return page
    if exc.status_code in HTML_STATUSES and hasattr(request.app.state, "html_error_page"):
        headers["Vary"] = "Accept"  # a browser gets HTML at this address
    return JSONResponse({"detail": exc.detail}, exc.status_code, headers=headers or None)


def _allowed_methods(request: Request) -> str:
    """Every method the path answers to (RFC 9110 15.5.6).

    Starlette names only those of the first route that matched the path, and GET and PATCH
    of one path are two routes here (in nested routers: hence asking each method in turn).
    """
    routes = request.app.router.routes
    allowed = [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]
    return ", ".join(allowed)


async def _client_gone(request: Request, _exc: Exception) -> JSONResponse:
    """A client that goes away mid-body (a dropped connection, a cancelled upload) is routine.

    One INFO line instead of uvicorn's ERROR traceback; the upload code has already removed
    what it received. The answer goes nowhere, but the ASGI contract wants one.
    """
    log.info(
        "%s %s: the client disconnected before sending the whole body",
        request.method,
        request.url.path,
    )
    return JSONResponse({"detail": "the client disconnected before sending the whole body"}, 400)


def install(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(ClientDisconnect, _client_gone)
