"""``/api/episodes/{id}/artwork`` and ``/api/episodes/{id}/chapters``: a producer's own
episode artwork and chapters, beside (and instead of) what the audio's tags gave.

Artwork follows ``PUT /api/show/artwork``: the same body reader (``podcast.media.image_body``:
raw or multipart), checks and storage (``podcast.media.artwork``). Chapters are checked by
``episodes.chapter_edits``. The feed, the chapters file and the episode page read the same
rows, and every committed write drops the cached feed (``podcast.core.db.on_change``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Path, Request, status
from fastapi.exceptions import RequestValidationError

from episodes import chapter_edits, service
from episodes.chapter_edits import InvalidChapters
from episodes.routes import ProducingDep
from episodes.schemas import EpisodeRead
from podcast.core.deps import (
    ClockDep,
    OptionalProducer,
    SessionDep,
    SettingsDep,
    end_transaction,
)
from podcast.core.errors import BadRequest, UnsupportedMediaType
from podcast.core.json_body import media_type_of
from podcast.core.openapi_errors import TOKEN_OPTIONAL, ContentError, responses
from podcast.core.public_urls import PublicUrls
from podcast.core.request_body import read_limited
from podcast.media.artwork import read_artwork
from podcast.media.image_body import IMAGE_REQUEST_BODY, receive_image_body
from podcast.shows.deps import ShowDep

router = APIRouter(prefix="/api/episodes", tags=["episodes"])

_URL = {"type": ["string", "null"], "maxLength": 2048}
_TIME = {
    "oneOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "minLength": 1, "maxLength": 16, "examples": ["1:02:03"]},
    ]
}
_CHAPTER = {
    "type": "object",
    "properties": {
        "start": {**_TIME, "description": "Seconds, or a time as text (12:34, 1:02:03)."},
        "end": {"oneOf": [*_TIME["oneOf"], {"type": "null"}]},
        "title": {"type": ["string", "null"], "maxLength": 255},
        "url": {**_URL, "description": "An http(s) link for the chapter."},
        "img": {**_URL, "description": "An http(s) address of the chapter's image."},
    },
    "required": ["start"],
    "additionalProperties": False,
}
_DOCUMENT_CHAPTER = {
    "type": "object",
    "properties": {
        "startTime": {"type": "number", "minimum": 0},
        "endTime": {"type": ["number", "null"], "minimum": 0},
        "title": {"type": ["string", "null"], "maxLength": 255},
        "url": _URL,
        "img": _URL,
    },
    "required": ["startTime"],
}
_CHAPTERS_LIST = {"type": "array", "items": _CHAPTER, "maxItems": chapter_edits.MAX_CHAPTERS}
_CHAPTERS_BODY = {
    "content": {
        "application/json": {
            "schema": {
                "oneOf": [
                    _CHAPTERS_LIST,
                    {
                        "type": "object",
                        "description": "A Podcasting 2.0 JSON chapters document.",
                        "properties": {
                            "version": {"type": "string"},
                            "chapters": {
                                "type": "array",
                                "items": _DOCUMENT_CHAPTER,
                                "maxItems": chapter_edits.MAX_CHAPTERS,
                            },
                        },
                        "required": ["chapters"],
                    },
                ]
            }
        },
    },
    "required": True,
}
_CHAPTERS_READ: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "start": {"type": "number"},
                            "end": {"type": ["number", "null"]},
                            "title": {"type": ["string", "null"]},
                            "url": {"type": ["string", "null"]},
                            "img": {"type": ["string", "null"]},
                        },
                        "required": ["start", "end", "title", "url", "img"],
                    },
                }
            }
        }
    }
}
_NO_AUDIO = (409, "The episode has no audio yet: upload it first.")
_CHAPTERS_LIMIT = 2 * 1024 * 1024  # 500 chapters with long URLs fit many times over


# ----------------------------------------------------------------------------- artwork


@router.put(
    "/{episode_id}/artwork",
    openapi_extra={"requestBody": IMAGE_REQUEST_BODY},
    responses=responses(400, 401, 404, 413, 415, 422, 503, unprocessable=ContentError),
)
async def put_artwork(request: Request, episode_id: int, ctx: ProducingDep) -> EpisodeRead:
    """Set or replace the episode's artwork: the image as the raw body (as ``PUT
    /api/show/artwork``) or as the multipart field ``file``. A square JPEG or PNG of
    1400-3000 px in RGB; the artwork URL changes with the picture."""
    await to_thread.run_sync(ctx.episode, episode_id)  # 404 before a byte of the body is read
    await end_transaction(ctx.session)
    data = await receive_image_body(request, ctx.storage)
    picture = await to_thread.run_sync(service.check_episode_artwork, data)

    def replace() -> EpisodeRead:
        episode = ctx.episode(episode_id)  # again: it may have been deleted meanwhile
        service.replace_episode_artwork(ctx.session, ctx.storage, episode, picture, ctx.now)
        return ctx.read(episode)

    return await to_thread.run_sync(replace)


@router.delete(
    "/{episode_id}/artwork",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 404, 422, 503),
)
def delete_artwork(episode_id: int, ctx: ProducingDep) -> None:
    """Remove the episode's own artwork: the feed and the page then show the show's."""
    service.remove_episode_artwork(ctx.session, ctx.storage, ctx.episode(episode_id), ctx.now)


# ----------------------------------------------------------------------------- chapters


@router.get(
    "/{episode_id}/chapters",
    responses={**_CHAPTERS_READ, **responses(401, 404, 422)},
    openapi_extra=TOKEN_OPTIONAL,
)
def read_chapters(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducer,
) -> list[dict[str, Any]]:
    """The chapters as ``PUT`` takes them (start and end in seconds); drafts need a token."""
    episode = service.get_for(session, show, episode_id, clock.now(), producer is not None)
    return chapter_edits.chapters_out(episode, PublicUrls(settings.base_url))


@router.put(
    "/{episode_id}/chapters",
    openapi_extra={"requestBody": _CHAPTERS_BODY},
    responses={
        **_CHAPTERS_READ,
        **responses(400, 401, 404, _NO_AUDIO, 413, 415, 422, 503, unprocessable=ContentError),
    },
)
async def put_chapters(
    request: Request, episode_id: int, ctx: ProducingDep
) -> list[dict[str, Any]]:
    """Replace all the chapters: a JSON list of ``{start, end, title, url, img}`` (start in
    seconds or as 1:02:03, ascending, within the audio) or a Podcasting 2.0 chapters document
    (``application/json+chapters`` too). Every problem is a 422 naming its chapter and field
    (``chapters[2].start``); nothing is stored until all are right."""
    kind = media_type_of(request)
    if kind not in ("application/json", "application/json+chapters") and not kind.endswith("+json"):
        raise UnsupportedMediaType(
            "send the chapters as JSON with 'Content-Type: application/json'"
            + (f" (got {kind!r})" if kind else "")
        )
    await end_transaction(ctx.session)
    raw = await read_limited(request, _CHAPTERS_LIMIT, what="the chapters")
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}") from None

    def store() -> list[dict[str, Any]]:
        episode = ctx.episode(episode_id)
        urls = PublicUrls(ctx.settings.base_url)
        try:
            items, document = chapter_edits.from_body(data)
            chapter_edits.set_chapters(
                ctx.session, ctx.storage, episode, items, urls, ctx.now, document=document
            )
        except InvalidChapters as exc:
            raise RequestValidationError(
                [{"loc": p.loc, "msg": p.message, "type": "value_error"} for p in exc.problems]
            ) from None
        return chapter_edits.chapters_out(episode, urls)

    return await to_thread.run_sync(store)


@router.delete(
    "/{episode_id}/chapters",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 404, 422, 503),
)
def delete_chapters(episode_id: int, ctx: ProducingDep) -> None:
    """Remove every chapter (the tags' too): the feed then lists none."""
    chapter_edits.remove_chapters(ctx.session, ctx.storage, ctx.episode(episode_id), ctx.now)


ChapterIndex = Annotated[int, Path(ge=0, lt=chapter_edits.MAX_CHAPTERS)]


@router.put(
    "/{episode_id}/chapters/{index}/image",
    openapi_extra={"requestBody": IMAGE_REQUEST_BODY},
    responses={
        **_CHAPTERS_READ,
        **responses(400, 401, 404, 413, 415, 422, 503, unprocessable=ContentError),
    },
)
async def put_chapter_image(
    request: Request, episode_id: int, index: ChapterIndex, ctx: ProducingDep
) -> list[dict[str, Any]]:
    """Upload a picture for chapter ``index`` (0 is the first, as ``GET`` lists them): a JPEG
    or PNG as the raw body or the multipart field ``file``. It replaces the chapter's image."""
    await to_thread.run_sync(ctx.episode, episode_id)  # 404 before a byte of the body is read
    await end_transaction(ctx.session)
    data = await receive_image_body(request, ctx.storage)
    picture = await to_thread.run_sync(read_artwork, data, "a chapter image")

    def store() -> list[dict[str, Any]]:
        episode = ctx.episode(episode_id)
        chapter_edits.set_chapter_image(ctx.session, ctx.storage, episode, index, picture, ctx.now)
        return chapter_edits.chapters_out(episode, PublicUrls(ctx.settings.base_url))

    return await to_thread.run_sync(store)


@router.delete(
    "/{episode_id}/chapters/{index}/image",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 404, 422, 503),
)
def delete_chapter_image(episode_id: int, index: ChapterIndex, ctx: ProducingDep) -> None:
    """Chapter ``index`` has no image any more (neither uploaded nor an address)."""
    episode = ctx.episode(episode_id)
    chapter_edits.set_chapter_image(ctx.session, ctx.storage, episode, index, None, ctx.now)
