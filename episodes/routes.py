"""``/api/episodes``: thin HTTP wrappers around the episode services."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends
from pydantic import ValidationError
from python_multipart.multipart import parse_options_header
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from episodes import ingest, repository, service
from episodes.models import Episode, Status
from episodes.schemas import (
    EpisodeCreate,
    EpisodePage,
    EpisodeRead,
    EpisodeUpdate,
    EpisodeUploadFields,
    PublishRequest,
)
from episodes.uploads import (
    Received,
    check_declared_length,
    receive_multipart,
    receive_raw,
)
from episodes.views import episode_read
from podcast.clock import Clock
from podcast.deps import (
    ClockDep,
    OptionalProducer,
    ProducerDep,
    SessionDep,
    SettingsDep,
    ShowDep,
    StorageDep,
)
from podcast.errors import Unauthorized, Unprocessable, UnsupportedMediaType
from podcast.json_body import media_type_of, require_json
from podcast.settings import Settings
from podcast.show.models import Show
from podcast.storage import Storage

router = APIRouter(prefix="/api/episodes", tags=["episodes"])
JsonOnly = [Depends(require_json)]
# Multipart framing around the file: generous, the file itself is what the limit is about.
_MULTIPART_SLACK = 1024 * 1024

_AUDIO_BODY = {
    "content": {
        "audio/mpeg": {"schema": {"type": "string", "format": "binary"}},
        "audio/mp4": {"schema": {"type": "string", "format": "binary"}},
        "audio/ogg": {"schema": {"type": "string", "format": "binary"}},
        "audio/flac": {"schema": {"type": "string", "format": "binary"}},
        "audio/wav": {"schema": {"type": "string", "format": "binary"}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    },
    "required": True,
}
_MULTIPART_FILE = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
    }
}


@router.get("")
def list_episodes(
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducer,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    status_filter: Annotated[Status | None, Query(alias="status")] = None,
) -> EpisodePage:
    """Newest first. The public sees published episodes only; producers may filter by status."""
    now = clock.now()
    where: ColumnElement[bool] | None
    if producer is None:
        if status_filter not in (None, Status.PUBLISHED):
            raise Unauthorized("filtering by status needs a producer token")
        where = repository.visible(now)
    else:
        where = repository.status_is(status_filter, now) if status_filter else None
    rows, total = repository.page(
        session, show.id, where=where, offset=(page - 1) * per_page, limit=per_page
    )
    return EpisodePage(
        items=[episode_read(e, settings.base_url, now) for e in rows],
        total=total,
        page=page,
        per_page=per_page,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {"schema": EpisodeCreate.model_json_schema()},
                **_MULTIPART_FILE,
            },
            "required": True,
        }
    },
)
async def create_episode(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    response: Response,
    _producer: ProducerDep,
) -> EpisodeRead:
    """Create a draft from JSON metadata, or from an audio file (multipart ``file`` plus any
    metadata fields): fields left out are filled from the file's tags."""
    kind = media_type_of(request)
    if kind == "multipart/form-data":
        check_declared_length(
            request.headers.get("content-length"), settings.max_upload_bytes, _MULTIPART_SLACK
        )
        received, fields = await receive_multipart(
            request.stream(),
            request.headers["content-type"],
            storage,
            settings.max_upload_bytes,
        )
        episode = await _create_from_upload(session, storage, show, clock, received, fields)
    elif kind == "application/json" or kind.endswith("+json"):
        try:
            data = EpisodeCreate.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        episode = await to_thread.run_sync(service.create_episode, session, show, data, clock.now())
    else:
        raise UnsupportedMediaType(
            "send JSON ('Content-Type: application/json') or an audio file as"
            f" multipart/form-data (got {kind or 'no Content-Type'!r})"
        )
    response.headers["Location"] = f"/api/episodes/{episode.id}"
    return episode_read(episode, settings.base_url, clock.now())


async def _create_from_upload(
    session: Session,
    storage: Storage,
    show: Show,
    clock: Clock,
    received: Received | None,
    fields: dict[str, str],
) -> Episode:
    if received is None:
        raise Unprocessable("file: is required (the audio file, as the multipart field 'file')")
    try:
        data = EpisodeUploadFields.model_validate(_form_values(fields))
    except ValidationError as exc:
        received.discard()
        raise RequestValidationError(exc.errors()) from None
    episode, _ = await to_thread.run_sync(
        ingest.new_episode,
        session,
        storage,
        show,
        received,
        data.model_dump(exclude_none=True),
        clock.now(),
    )
    return episode


def _form_values(fields: dict[str, str]) -> dict[str, Any]:
    """HTML forms send every field, empty or not, and lists as text: make them JSON-like."""
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        value = raw.strip()
        if value == "":
            continue
        if name == "people":
            try:
                values[name] = json.loads(value)
            except json.JSONDecodeError:
                raise Unprocessable("people: must be a JSON list of people") from None
        elif name == "keywords":
            values[name] = (
                json.loads(value)
                if value.startswith("[")
                else [k for k in (p.strip() for p in value.split(",")) if k]
            )
        else:
            values[name] = value
    return values


@dataclass(frozen=True)
class _Uploading:
    """What every audio upload route needs, resolved once."""

    session: Session
    show: Show
    settings: Settings
    storage: Storage
    clock: Clock


def _uploading(
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> _Uploading:
    return _Uploading(session, show, settings, storage, clock)


UploadingDep = Annotated[_Uploading, Depends(_uploading)]


async def _replace_audio(
    ctx: _Uploading, episode_id: int, receive: Callable[[], Awaitable[Received]]
) -> EpisodeRead:
    now = ctx.clock.now()
    episode = await to_thread.run_sync(
        service.get_for, ctx.session, ctx.show, episode_id, now, True
    )
    received = await receive()
    await to_thread.run_sync(ingest.replace_audio, ctx.session, ctx.storage, episode, received, now)
    return episode_read(episode, ctx.settings.base_url, now)


async def _receive_raw(request: Request, ctx: _Uploading) -> Received:
    kind = media_type_of(request)
    if kind.startswith(("multipart/", "application/json", "text/")):
        raise UnsupportedMediaType(
            f"PUT the audio file itself as the body (got {kind!r}); for a form upload use POST"
        )
    limit = ctx.settings.max_upload_bytes
    check_declared_length(request.headers.get("content-length"), limit)
    return await receive_raw(request.stream(), ctx.storage, limit, _raw_filename(request))


async def _receive_form_file(request: Request, ctx: _Uploading) -> Received:
    if media_type_of(request) != "multipart/form-data":
        raise UnsupportedMediaType("send the audio as multipart/form-data with a 'file' field")
    limit = ctx.settings.max_upload_bytes
    check_declared_length(request.headers.get("content-length"), limit, _MULTIPART_SLACK)
    received, _fields = await receive_multipart(
        request.stream(), request.headers["content-type"], ctx.storage, limit
    )
    if received is None:
        raise Unprocessable("file: is required (the audio file, as the multipart field 'file')")
    return received


def _raw_filename(request: Request) -> str | None:
    disposition = request.headers.get("content-disposition")
    if disposition:
        _, options = parse_options_header(disposition)
        name = options.get(b"filename")
        if name:
            return name.decode("utf-8", "replace")
    return request.query_params.get("filename")


@router.put("/{episode_id}/audio", openapi_extra={"requestBody": _AUDIO_BODY})
async def put_audio(request: Request, episode_id: int, ctx: UploadingDep) -> EpisodeRead:
    """Upload or replace the audio with the file as the raw body. The guid stays the same."""
    return await _replace_audio(ctx, episode_id, lambda: _receive_raw(request, ctx))


@router.post(
    "/{episode_id}/audio",
    openapi_extra={"requestBody": {"content": _MULTIPART_FILE, "required": True}},
)
async def post_audio(request: Request, episode_id: int, ctx: UploadingDep) -> EpisodeRead:
    """Upload or replace the audio as a multipart form field ``file``."""
    return await _replace_audio(ctx, episode_id, lambda: _receive_form_file(request, ctx))


@router.get("/{episode_id}")
def read_episode(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducer,
) -> EpisodeRead:
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer is not None)
    return episode_read(episode, settings.base_url, now)


@router.patch("/{episode_id}", dependencies=JsonOnly)
def patch_episode(
    episode_id: int,
    data: EpisodeUpdate,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> EpisodeRead:
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer=True)
    service.update_episode(session, episode, data, now)
    return episode_read(episode, settings.base_url, now)


@router.delete("/{episode_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_episode(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    storage: StorageDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> None:
    """Delete the episode and, once that is committed, files nothing else uses."""
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer=True)
    service.delete_episode(session, storage, episode, now)


@router.post("/{episode_id}/publish")
def publish_episode(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
    data: PublishRequest | None = None,
) -> EpisodeRead:
    """Publish now, or at ``at``; a future time schedules it (status ``scheduled``)."""
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer=True)
    service.publish(episode, data.at if data else None, now)
    return episode_read(episode, settings.base_url, now)


@router.post("/{episode_id}/unpublish")
def unpublish_episode(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> EpisodeRead:
    """Back to draft: gone from the public API and the feed."""
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer=True)
    service.unpublish(episode, now)
    return episode_read(episode, settings.base_url, now)
