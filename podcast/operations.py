"""The service's own endpoints: ``/healthz``, ``/readyz`` and ``/metrics`` (docs/operations.md).

``/healthz`` says whether this replica can do its work now (database, storage, and whatever
else is on ``app.state.health_checks``); ``/readyz`` whether it has finished starting and is not
stopping. Neither ever shows an exception's text: that goes to the log.
"""

from __future__ import annotations

import hmac
import ipaddress
from typing import Literal

from anyio import to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from podcast.core.errors import Forbidden, NotFound
from podcast.core.health import run_checks
from podcast.core.metrics import CONTENT_TYPE, Metrics
from podcast.core.settings import Settings

router = APIRouter(tags=["service"])

CheckResult = Literal["ok", "unavailable"]


class Health(BaseModel):
    status: CheckResult
    checks: dict[str, CheckResult] = Field(
        description="Each check by name (`database`, `storage`, ...): `ok` or `unavailable`."
    )


class Readiness(BaseModel):
    status: Literal["ready", "starting", "stopping"]


@router.get(
    "/healthz",
    responses={
        200: {"model": Health},
        503: {"model": Health, "description": "A check failed (the log says why)."},
    },
)
def healthz(request: Request) -> JSONResponse:
    """200 when every check passes; 503 otherwise, so a load balancer takes us out."""
    checks = getattr(request.app.state, "health_checks", None)
    if checks is None:  # not started (or stopped): nothing to check with
        return JSONResponse({"status": "unavailable", "checks": {}}, 503)
    results = run_checks(checks)
    ok = all(result == "ok" for result in results.values())
    return JSONResponse(
        {"status": "ok" if ok else "unavailable", "checks": results}, 200 if ok else 503
    )


@router.get(
    "/readyz",
    responses={
        200: {"model": Readiness},
        503: {"model": Readiness, "description": "Starting (migrations) or stopping."},
    },
)
async def readyz(request: Request) -> JSONResponse:
    """200 once start-up (migrations, the default show) is done, 503 before and while stopping."""
    state = getattr(request.app.state, "readiness", "starting")
    return JSONResponse({"status": state}, 200 if state == "ready" else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"description": "Prometheus text format.", "content": {CONTENT_TYPE: {}}},
        403: {"description": "Not from loopback and no metrics token."},
        404: {"description": "Metrics are switched off (`PODCAST_METRICS=false`)."},
    },
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics, for loopback clients or with ``PODCAST_METRICS_TOKEN``."""
    found: Metrics | None = getattr(request.app.state, "metrics", None)
    if found is None:
        raise NotFound("metrics are switched off (PODCAST_METRICS=false)")
    if not may_scrape(request, request.app.state.settings):
        raise Forbidden(
            "metrics are served to loopback clients, or to others with "
            "'Authorization: Bearer <PODCAST_METRICS_TOKEN>'"
        )
    found.flush()  # here, on the event loop, where requests are tallied
    body = await to_thread.run_sync(found.exposition)  # the jobs collector asks the database
    return Response(body, media_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})


def may_scrape(request: Request, settings: Settings) -> bool:
    """A client on loopback (behind a local proxy: the address it forwards), or the token."""
    token = settings.metrics_token
    if token is not None:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), expected):
            return True
    client = request.client
    if client is None:
        return False
    try:
        return ipaddress.ip_address(client.host).is_loopback
    except ValueError:  # "testclient", a unix socket
        return False


def install(app: FastAPI) -> None:
    app.include_router(router)
