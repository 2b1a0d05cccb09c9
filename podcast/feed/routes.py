"""The feed's HTTP surface: ``/feed.xml`` (a fast path), JSON chapters and the feed check."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse

from episodes import repository, slug_history, visibility
from podcast.core.compression import VARY, compress, gzip_etag, wants_gzip
from podcast.core.conditional import http_date, not_modified
from podcast.core.cors import ALLOW_ORIGIN, add_preflight
from podcast.core.deps import (
    ClockDep,
    OptionalProducerOrAdmin,
    ProducerDep,
    SessionDep,
    SettingsDep,
)
from podcast.core.errors import NotFound
from podcast.core.metrics import Metrics
from podcast.core.openapi_errors import TOKEN_OPTIONAL, responses
from podcast.core.public_urls import chapters_path
from podcast.core.routing import get_and_head
from podcast.core.security import hsts_headers
from podcast.core.settings import Settings
from podcast.fastpath import FastPathApp
from podcast.feed import chapters
from podcast.feed.data import load_feed_data
from podcast.feed.lint import has_errors, lint
from podcast.feed.serve import FeedEndpoint, PermanentRedirect
from podcast.media.deps import StorageDep
from podcast.shows.deps import ShowDep

router = APIRouter(tags=["feed"])
CHAPTERS_CACHE = "public, max-age=300"


def install(app: FastPathApp, settings: Settings, metrics: Metrics | None = None) -> None:
    """``/feed.xml`` as a direct and a fast route, old feed paths as fast routes, the rest
    as ordinary routes."""
    headers = hsts_headers(settings.base_url)  # fast routes' send is not wrapped
    feed = FeedEndpoint(app.state, metrics, headers)
    app.fast_routes["/feed.xml"] = feed
    app.direct_routes[b"/feed.xml"] = feed.direct
    for path in settings.feed_old_paths:
        app.fast_routes[path] = PermanentRedirect(settings.feed_url, headers)
    app.include_router(router)


@get_and_head(
    router,
    "/episodes/{slug}/chapters.json",
    response_class=Response,
    openapi_extra=TOKEN_OPTIONAL,
    responses={
        200: {"content": {chapters.MEDIA_TYPE: {}}},
        301: {"description": "An old slug of the episode: the chapters' current URL."},
        **responses(304, 401, 404),
    },
)
def episode_chapters(
    slug: str,
    request: Request,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducerOrAdmin,
) -> Response:
    """Podcasting 2.0 JSON chapters (what ``podcast:chapters`` links): of published episodes,
    and for producers (by token or signed in) of drafts and scheduled ones too, as their
    audio and transcripts. An old slug of the episode redirects to its current one."""
    now = clock.now()
    found = repository.get_by_slug(session, show.id, slug)
    missing = "no chapters for this episode"
    if found is None:
        moved = slug_history.moved(session, show.id, slug)
        if visibility.may_see(moved, now, producer=producer is not None):
            assert moved is not None
            target = slug_history.with_query(chapters_path(moved.slug), request.url.query)
            return RedirectResponse(target, status_code=301, headers=ALLOW_ORIGIN)
    episode = visibility.visible_or_404(found, now, producer=producer is not None, missing=missing)
    if not episode.chapters:
        raise NotFound(missing)
    public = visibility.is_public(episode, now)
    body, etag = chapters.render(chapters.chapters_document(episode, show.title, settings.base_url))
    gzip = wants_gzip(request.headers)
    headers = {
        "ETag": gzip_etag(etag) if gzip else etag,
        "Last-Modified": http_date(episode.updated_at),
        "Cache-Control": CHAPTERS_CACHE if public else "private, no-store",
        **ALLOW_ORIGIN,
        "Access-Control-Expose-Headers": "ETag",
        **VARY,
    }
    if not_modified(request.headers, headers["ETag"], episode.updated_at):
        return Response(status_code=304, headers=headers)
    if gzip:
        body = compress(body)  # a few hundred bytes: cheaper than caching it
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=chapters.MEDIA_TYPE, headers=headers)


add_preflight(router, "/episodes/{slug}/chapters.json")


@router.get("/api/feed/check", responses=responses(401))
def feed_check(
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> dict[str, Any]:
    """Lint the feed as it is now: ``ok`` is false when a directory would refuse it."""
    data = load_feed_data(session, settings, clock.now())
    findings = lint(data, storage, base_url=settings.base_url)
    return {
        "ok": not has_errors(findings),
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "episodes": len(data.items),
        "findings": [f.as_dict() for f in findings],
    }
