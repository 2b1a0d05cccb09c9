"""Public media: episode audio at stable URLs, and images by digest. GET and HEAD both."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Protocol

from anyio import to_thread
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import Headers, State
from starlette.types import Receive, Scope, Send

from episodes.audio import STORED_MIME_TYPES
from episodes.media_index import MediaEntry, MediaIndex
from podcast.core.cors import add_preflight
from podcast.core.deps import SessionDep, producer_of
from podcast.core.errors import NotFound, PreconditionFailed, Unauthorized
from podcast.core.openapi_errors import responses
from podcast.core.public_urls import enclosure_path, split_media_name
from podcast.core.routing import get_and_head
from podcast.media.delivery import Delivery
from podcast.media.deps import StorageDep
from podcast.media.responses import MEDIA_CORS, serve_file
from podcast.media.storage import MEDIA_TYPES, content_key, is_content_key
from podcast.media.store import is_image_in_use

router = APIRouter(tags=["media"])

# Replaced audio keeps its URL, so caches revalidate (ETag) after an hour.
AUDIO_CACHE = "public, max-age=3600"
# Images are named by their digest: a URL's bytes never change.
IMAGE_CACHE = "public, max-age=31536000, immutable"
_REPLACED = {"Cache-Control": "no-cache", **MEDIA_CORS}
_IMAGE_TYPES = {ext: MEDIA_TYPES[ext] for ext in ("jpg", "png")}
_BINARY = {"schema": {"type": "string", "format": "binary"}}
# What a file answer can be besides 200: byte ranges (podcast apps seek) and revalidation.
_FILE_ANSWERS: dict[int | str, dict[str, Any]] = {
    206: {"description": "The byte range asked for (Range).", "content": {"*/*": _BINARY}},
    416: {"description": "The range asked for starts beyond the end of the file."},
    302: {
        "description": "Redirect delivery (PODCAST_MEDIA_DELIVERY=redirect): the store's URL"
        " for the bytes, which answers ranges, HEAD and revalidation itself."
    },
    **responses(304, 404, 412),
}


@get_and_head(
    router,
    "/media/{filename}",
    response_class=Response,
    responses={
        200: {
            "description": "The audio file.",
            "content": {media: _BINARY for media in sorted(STORED_MIME_TYPES)},
        },
        301: {"description": "The episode's slug changed: the same file under its slug now."},
        302: {
            "description": "The audio was replaced (by another version or format): the URL"
            " of the current one. Temporary, as the audio may change again, or back."
        },
        **_FILE_ANSWERS,
    },
)
async def episode_audio(filename: str, request: Request) -> Response:
    """The enclosure. Drafts and scheduled episodes are 404 to everyone but producers.

    The hot path of the service: no dependency injection, no database on a cache hit,
    one worker-thread hop for the bytes (docs/performance.md, "Enclosure index" and
    "Audio downloads and ranges").
    """
    state = request.app.state
    index: MediaIndex = state.media_index
    slug, version, extension = split_media_name(filename)
    if not slug:
        raise NotFound("no such episode audio")
    hit, entry = index.cached(slug)
    if not hit or (entry is not None and version is not None and version != entry.version):
        # A version this replica has not seen yet may be newer than its index: ask once.
        entry = await to_thread.run_sync(index.load, slug)
    if entry is None:
        raise NotFound("no such episode audio")
    public = entry.is_public(state.clock.now())
    if not public and not await _is_producer(request):
        raise NotFound("no such episode audio")
    if entry.slug != slug:
        # A slug the episode was published under before: its links live for ever.
        moved = enclosure_path(entry.slug, extension, version)
        return RedirectResponse(moved, status_code=301, headers=MEDIA_CORS)
    if extension != entry.extension or (version is not None and version != entry.version):
        # Replaced by other audio, in another format or not: never the old bytes under the
        # new length. Temporary (302, no-cache), as the audio can change again, or back: a
        # kept 301 from .mp3 to .m4a and, after a change back, from .m4a to .mp3 would loop.
        current = enclosure_path(slug, entry.extension, entry.version)
        return RedirectResponse(current, status_code=302, headers=_REPLACED)
    try:
        return _audio(state, entry, request.scope, request.headers, public=public)
    except (FileNotFoundError, RuntimeError):
        # Replaced by another process since it was cached: look again once.
        index.forget(slug)
        raise NotFound("the audio changed while it was requested: try again") from None


class MediaRequestSink(Protocol):
    """Where public enclosure GETs are reported (listener analytics, in the shell): called on
    the hot path, so it must only take note, never wait."""

    def record(
        self,
        episode_id: int,
        size: int,
        duration: float,
        ip: str,
        user_agent: str,
        referer: str,
        range_header: str,
    ) -> None: ...


def _audio(
    state: State, entry: MediaEntry, scope: Scope, headers: Headers, *, public: bool
) -> Response:
    """The answer for an episode's audio, shared by the route and :class:`EnclosureFastPath`:
    a 302 to the store (redirect delivery: the store answers ranges and conditionals, and a
    missing object is its 404), or the bytes.

    Raises ``FileNotFoundError`` or ``RuntimeError`` when the stored file changed meanwhile.
    A public GET that is answered with audio (or a redirect to it) is reported to
    ``state.media_requests`` when the app has one.
    """
    method: str = scope["method"]
    cache_control = AUDIO_CACHE if public else "private, no-store"
    delivery: Delivery = state.delivery
    if delivery.redirect:
        response = delivery.to_store(
            state.storage, entry.key, method, cache_control=cache_control, public=public
        )
    else:
        response = serve_file(
            headers,
            state.storage,
            entry.key,
            size=entry.size,
            etag=entry.etag,
            last_modified=entry.last_modified,
            media_type=entry.mime_type,
            cache_control=cache_control,
        )
    sink: MediaRequestSink | None = state.media_requests
    if sink is not None and public and method == "GET" and response.status_code != 304:
        client = scope.get("client")
        sink.record(
            entry.episode_id,
            entry.size,
            entry.duration,
            client[0] if client else "",
            headers.get("user-agent", ""),
            headers.get("referer", ""),
            headers.get("range", ""),
        )
    return response


class EnclosureFastPath:
    """``GET``/``HEAD /media/{slug}[.{version}].{ext}`` answered before FastAPI's middleware
    and routing.

    Podcast apps fetch audio in many ranges, and the framework around a request cost more
    than the request (docs/performance.md, "Enclosure fast path"). Only the common case is
    answered here: an episode the index already holds, public, asked for by its current
    extension and version (or none), whose file is there. Everything else (a miss, a draft or
    a producer's preview, an old extension or version, a file replaced meanwhile, a failed
    If-Match) returns False without sending anything, and
    :func:`episode_audio` answers it; both build the answer with :func:`_audio`.
    """

    prefix = "/media/"

    def __init__(self, state: State) -> None:
        self._state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> bool:
        if scope["method"] not in ("GET", "HEAD"):
            return False
        state = self._state
        slug, version, extension = split_media_name(scope["path"][len(self.prefix) :])
        entry = state.media_index.cached(slug)[1]
        if (
            entry is None
            or entry.slug != slug
            or extension != entry.extension
            or (version is not None and version != entry.version)
            or not entry.is_public(state.clock.now())
        ):
            return False
        try:
            response = _audio(state, entry, scope, Headers(scope=scope), public=True)
        except (FileNotFoundError, RuntimeError, PreconditionFailed):
            return False  # the route answers (a 412 through the one error mapping)
        await response(scope, receive, send)
        return True


add_preflight(router, "/media/{filename}")
add_preflight(router, "/images/{name}")


async def _is_producer(request: Request) -> bool:
    """A bearer token or the admin session cookie (:func:`podcast.core.deps.producer_of`).

    A wrong token counts as none: the answer stays 404, as for anyone, rather than a 401
    that would tell a stranger a draft has this slug.
    """
    if "authorization" not in request.headers and "cookie" not in request.headers:
        return False  # the public: no thread hop, no database

    def check() -> bool:
        state = request.app.state
        with state.read_sessionmaker() as session:
            try:
                return producer_of(request, session, state.clock.now()) is not None
            except Unauthorized:
                return False

    return await to_thread.run_sync(check)


@get_and_head(
    router,
    "/images/{name}",
    response_class=Response,
    responses={
        200: {
            "description": "The image.",
            "content": {media: _BINARY for media in _IMAGE_TYPES.values()},
        },
        **_FILE_ANSWERS,
    },
)
def image(name: str, request: Request, session: SessionDep, storage: StorageDep) -> Response:
    """Artwork and chapter images; only files some show, episode or chapter uses."""
    digest, _, extension = name.rpartition(".")
    media_type = _IMAGE_TYPES.get(extension)
    key = f"{digest[:2]}/{digest}.{extension}"
    if media_type is None or not is_content_key(key) or not is_image_in_use(session, key):
        raise NotFound("no such image")
    key = content_key(digest, extension)
    delivery: Delivery = request.app.state.delivery
    if delivery.redirect:
        return delivery.to_store(
            storage, key, request.method, cache_control=IMAGE_CACHE, public=True
        )
    found = storage.stat(key)
    if found is None:
        raise NotFound("no such image")
    try:
        return serve_file(
            request.headers,
            storage,
            key,
            size=found.size,
            etag=f'"{digest}"',
            last_modified=datetime.fromtimestamp(found.modified, UTC),
            media_type=media_type,
            cache_control=IMAGE_CACHE,
        )
    except (FileNotFoundError, RuntimeError):
        raise NotFound("no such image") from None
