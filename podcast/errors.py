"""Errors that carry their HTTP status, and handlers that answer ``{"detail": ...}``.

Domain code raises these (or plain ``ValueError`` subclasses mapped here) without knowing HTTP
beyond a status number; every answer has the same shape so a producer's script can rely on it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

log = logging.getLogger(__name__)
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")

log = logging.getLogger(__name__)


class ApiError(Exception):
    status_code = 400

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers


class BadRequest(ApiError):
    status_code = 400


class Unauthorized(ApiError):
    status_code = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="podcast"'})


class Forbidden(ApiError):
    status_code = 403


class NotFound(ApiError):
    status_code = 404


class Conflict(ApiError):
    status_code = 409


class PayloadTooLarge(ApiError):
    status_code = 413


class UnsupportedMediaType(ApiError):
    status_code = 415


class Unprocessable(ApiError):
    status_code = 422


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


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return JSONResponse({"detail": exc.detail}, exc.status_code, headers=exc.headers)


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


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
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
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(ClientDisconnect, _client_gone)
