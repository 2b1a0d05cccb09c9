"""Public media: episode audio at stable URLs, and images by digest. GET and HEAD both."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from episodes import repository
from episodes.media_store import is_image_in_use
from podcast.deps import ClockDep, OptionalProducer, SessionDep, ShowDep, StorageDep
from podcast.errors import NotFound
from podcast.media_response import serve_file
from podcast.storage.base import content_key, is_content_key

router = APIRouter(tags=["media"])

# Replaced audio keeps its URL, so caches revalidate (ETag) after an hour.
AUDIO_CACHE = "public, max-age=3600"
# Images are named by their digest: a URL's bytes never change.
IMAGE_CACHE = "public, max-age=31536000, immutable"
_IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


@router.api_route("/media/{filename}", methods=["GET", "HEAD"])
def episode_audio(
    filename: str,
    request: Request,
    session: SessionDep,
    show: ShowDep,
    storage: StorageDep,
    clock: ClockDep,
    producer: OptionalProducer,
) -> Response:
    """The enclosure. Drafts and scheduled episodes are 404 to everyone but producers."""
    slug, _, extension = filename.rpartition(".")
    episode = repository.get_by_slug(session, show.id, slug) if slug else None
    if (
        episode is None
        or episode.audio is None
        or not (producer is not None or episode.is_public(clock.now()))
    ):
        raise NotFound("no such episode audio")
    audio = episode.audio
    if extension != audio.extension:
        # The audio was replaced by another format: send old links to the new file.
        return RedirectResponse(f"/media/{slug}.{audio.extension}", status_code=301)
    return serve_file(
        request.headers,
        storage.path(audio.key),
        size=audio.size_bytes,
        etag=f'"{audio.sha256}"',
        last_modified=audio.uploaded_at,
        media_type=audio.mime_type,
        cache_control=AUDIO_CACHE if producer is None else "private, no-store",
    )


@router.api_route("/images/{name}", methods=["GET", "HEAD"])
def image(name: str, request: Request, session: SessionDep, storage: StorageDep) -> Response:
    """Artwork and chapter images; only files some show, episode or chapter uses."""
    digest, _, extension = name.rpartition(".")
    media_type = _IMAGE_TYPES.get(extension)
    key = f"{digest[:2]}/{digest}.{extension}"
    if media_type is None or not is_content_key(key) or not is_image_in_use(session, key):
        raise NotFound("no such image")
    path = storage.path(content_key(digest, extension))
    if not path.is_file():
        raise NotFound("no such image")
    return serve_file(
        request.headers,
        path,
        size=path.stat().st_size,
        etag=f'"{digest}"',
        last_modified=datetime.fromtimestamp(path.stat().st_mtime, UTC),
        media_type=media_type,
        cache_control=IMAGE_CACHE,
    )
