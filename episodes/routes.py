"""``/api/episodes``: thin HTTP wrappers around the episode services."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.params import Depends
from pydantic import ValidationError
from python_multipart.multipart import parse_options_header
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from episodes import ingest, repository, service, visibility
from episodes.api_output import episode_read
from episodes.models import Episode, Status
from episodes.schemas import (
    EpisodeCreate,
    EpisodePage,
    EpisodeRead,
    EpisodeUpdate,
    EpisodeUploadFields,
    PublishRequest,
)
from podcast.core.deps import (
    ClockDep,
    OptionalProducer,
    ProducerDep,
    SessionDep,
    SettingsDep,
    end_transaction,
)
from podcast.core.errors import Invalid, Unauthorized, UnsupportedMediaType
from podcast.core.json_body import media_type_of, require_json
from podcast.core.openapi_errors import TOKEN_OPTIONAL, ContentError, responses
from podcast.core.request_body import MULTIPART_SLACK, check_declared_length
from podcast.core.settings import Settings
from podcast.media import Storage
from podcast.media.deps import StorageDep
from podcast.media.uploads import (
    Received,
    receive_multipart,
    receive_raw,
)
from podcast.shows.deps import ShowDep
from podcast.shows.models import Show

router = APIRouter(prefix="/api/episodes", tags=["episodes"])
_SLUG_TAKEN = (409, "The slug is already used by another episode.")
JsonOnly = [Depends(require_json)]
# Multipart framing around the file: generous, the file itself is what the limit is about.

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


_FILE_REQUIRED = "file: is required (the audio file, as the multipart field 'file')"


@dataclass(frozen=True)
class Producing:
    """What every producer route needs, resolved once; the token check is part of it."""

    session: Session
    show: Show
    settings: Settings
    storage: Storage
    now: datetime

    def fresh_show(self) -> Show:
        """The show, read again in the current transaction (after a long upload)."""
        self.session.refresh(self.show)
        return self.show

    def episode(self, episode_id: int) -> Episode:
        """Any episode of the show, drafts included (404 if there is none)."""
        return service.get_for(self.session, self.show, episode_id, self.now, producer=True)

    def read(self, episode: Episode) -> EpisodeRead:
        return episode_read(episode, self.settings.base_url, self.now)


def _producing(
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> Producing:
    return Producing(session, show, settings, storage, clock.now())


ProducingDep = Annotated[Producing, Depends(_producing)]


@router.get("", responses=responses(401, 422), openapi_extra=TOKEN_OPTIONAL)
def list_episodes(
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducer,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    status_filter: Annotated[Status | None, Query(alias="status")] = None,
) -> EpisodePage:
    """Newest first. The public sees published episodes only; producers may filter by status."""
    now = clock.now()
    where: ColumnElement[bool] | None
    if producer is None:
        if status_filter not in (None, Status.PUBLISHED):
            raise Unauthorized("filtering by status needs a producer token")
        where = visibility.public_clause(now)
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
    responses=responses(400, 401, _SLUG_TAKEN, 413, 415, 422, 503, unprocessable=ContentError),
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
async def create_episode(request: Request, ctx: ProducingDep, response: Response) -> EpisodeRead:
    """Create a draft from JSON metadata, or from an audio file (multipart ``file`` plus any
    metadata fields): fields left out are filled from the file's tags."""
    kind = media_type_of(request)
    if kind == "multipart/form-data":
        received, fields = await _receive_form(request, ctx)
        try:
            episode = await _create_from_upload(ctx, received, fields)
        finally:
            # Refused, failed or stored (then already moved): no temp file outlives the request.
            if received is not None:
                received.discard()
    elif kind == "application/json" or kind.endswith("+json"):
        await end_transaction(ctx.session)  # the body may arrive slowly
        try:
            data = EpisodeCreate.model_validate_json(await request.body())
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        episode = await to_thread.run_sync(
            service.create_episode, ctx.session, ctx.show, data, ctx.now
        )
    else:
        raise UnsupportedMediaType(
            "send JSON ('Content-Type: application/json') or an audio file as"
            f" multipart/form-data (got {kind or 'no Content-Type'!r})"
        )
    response.headers["Location"] = f"/api/episodes/{episode.id}"
    return ctx.read(episode)


async def _create_from_upload(
    ctx: Producing, received: Received | None, fields: dict[str, str]
) -> Episode:
    if received is None:
        raise Invalid(_FILE_REQUIRED)
    try:
        data = EpisodeUploadFields.model_validate(_form_values(fields))
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from None
    info = await to_thread.run_sync(ingest.inspect, received)

    def create() -> Episode:
        show = ctx.fresh_show()
        values = data.model_dump(exclude_none=True)
        episode, _ = ingest.new_episode(
            ctx.session, ctx.storage, show, received, info, values, ctx.now
        )
        return episode

    return await to_thread.run_sync(create)


# Form fields holding JSON, as the JSON API takes them, and what each must be.
_JSON_FORM_FIELDS = {
    "soundbites": "a JSON list of soundbites",
    "funding": "a JSON list of funding links",
    "location": "a JSON object with a name",
    "license": "a JSON object with a name",
}


def _form_values(fields: dict[str, str]) -> dict[str, Any]:
    """HTML forms send every field, empty or not, and lists as text: make them JSON-like."""
    values: dict[str, Any] = {}
    for name, raw in fields.items():
        value = raw.strip()
        if value == "":
            continue
        if name == "people":
            values[name] = _json_field(name, value, "a JSON list of people")
        elif name in _JSON_FORM_FIELDS:
            values[name] = _json_field(name, value, _JSON_FORM_FIELDS[name])
        elif name == "keywords":
            values[name] = (
                _json_field(name, value, "a JSON list of words, or words separated by commas")
                if value.startswith("[")
                else [k for k in (p.strip() for p in value.split(",")) if k]
            )
        else:
            values[name] = value
    return values


def _json_field(name: str, value: str, expected: str) -> Any:
    """A form field holding JSON; anything unreadable (or absurdly nested) is the field's 422."""
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        raise Invalid(f"must be {expected}", field=name) from None


async def _replace_audio(
    ctx: Producing, episode_id: int, receive: Callable[[], Awaitable[Received]]
) -> EpisodeRead:
    await to_thread.run_sync(ctx.episode, episode_id)  # 404 before a byte of the body is read
    await end_transaction(ctx.session)
    received = await receive()
    try:
        info = await to_thread.run_sync(ingest.inspect, received)

        def replace() -> EpisodeRead:
            episode = ctx.episode(episode_id)  # again: it may have been deleted meanwhile
            ingest.replace_audio(ctx.session, ctx.storage, episode, received, info, ctx.now)
            return ctx.read(episode)

        return await to_thread.run_sync(replace)
    finally:
        received.discard()


async def _receive_raw(request: Request, ctx: Producing) -> Received:
    kind = media_type_of(request)
    if kind.startswith(("multipart/", "application/json", "text/")):
        raise UnsupportedMediaType(
            f"PUT the audio file itself as the body (got {kind!r}); for a form upload use POST"
        )
    limit = ctx.settings.max_upload_bytes
    check_declared_length(request.headers.get("content-length"), limit)
    await end_transaction(ctx.session)
    return await receive_raw(request.stream(), ctx.storage, limit, _raw_filename(request))


async def _receive_form(request: Request, ctx: Producing) -> tuple[Received | None, dict[str, str]]:
    if media_type_of(request) != "multipart/form-data":
        raise UnsupportedMediaType("send the audio as multipart/form-data with a 'file' field")
    limit = ctx.settings.max_upload_bytes
    check_declared_length(request.headers.get("content-length"), limit, slack=MULTIPART_SLACK)
    await end_transaction(ctx.session)
    return await receive_multipart(
        request.stream(), request.headers["content-type"], ctx.storage, limit, what="the audio"
    )


async def _receive_form_file(request: Request, ctx: Producing) -> Received:
    received, _fields = await _receive_form(request, ctx)
    if received is None:
        raise Invalid(_FILE_REQUIRED)
    return received


def _raw_filename(request: Request) -> str | None:
    disposition = request.headers.get("content-disposition")
    if disposition:
        _, options = parse_options_header(disposition)
        name = options.get(b"filename")
        if name:
            return name.decode("utf-8", "replace")
    return request.query_params.get("filename")


@router.put(
    "/{episode_id}/audio",
    openapi_extra={"requestBody": _AUDIO_BODY},
    responses=responses(401, 404, 413, 415, 422, 503, unprocessable=ContentError),
)
async def put_audio(request: Request, episode_id: int, ctx: ProducingDep) -> EpisodeRead:
    """Upload or replace the audio with the file as the raw body. The guid stays the same."""
    return await _replace_audio(ctx, episode_id, lambda: _receive_raw(request, ctx))


@router.post(
    "/{episode_id}/audio",
    openapi_extra={"requestBody": {"content": _MULTIPART_FILE, "required": True}},
    responses=responses(400, 401, 404, 413, 415, 422, 503, unprocessable=ContentError),
)
async def post_audio(request: Request, episode_id: int, ctx: ProducingDep) -> EpisodeRead:
    """Upload or replace the audio as a multipart form field ``file``."""
    return await _replace_audio(ctx, episode_id, lambda: _receive_form_file(request, ctx))


@router.get("/{episode_id}", responses=responses(401, 404, 422), openapi_extra=TOKEN_OPTIONAL)
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


@router.patch(
    "/{episode_id}",
    dependencies=JsonOnly,
    responses=responses(
        400,
        401,
        404,
        (409, "The slug is used by another episode, or the episode is published (its slug stays)."),
        413,
        415,
        422,
        503,
        unprocessable=ContentError,
    ),
)
def patch_episode(episode_id: int, data: EpisodeUpdate, ctx: ProducingDep) -> EpisodeRead:
    """Change what is sent. A published or scheduled episode keeps its ``slug`` (409: links
    use it); a draft's may change, and if it was published before, its old slugs redirect."""
    episode = ctx.episode(episode_id)
    service.update_episode(ctx.session, episode, data, ctx.now)
    return ctx.read(episode)


@router.delete(
    "/{episode_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=responses(401, 404, 422, 503),
)
def delete_episode(episode_id: int, ctx: ProducingDep) -> None:
    """Delete the episode and, once that is committed, files nothing else uses."""
    service.delete_episode(ctx.session, ctx.storage, ctx.episode(episode_id), ctx.now)


@router.post(
    "/{episode_id}/publish",
    responses=responses(
        400, 401, 404, (409, "The episode has no audio yet: upload it first."), 413, 422, 503
    ),
)
def publish_episode(
    episode_id: int, ctx: ProducingDep, data: PublishRequest | None = None
) -> EpisodeRead:
    """Publish now, or at ``at``; a future time schedules it (status ``scheduled``), a past
    one needs ``backdated``: true. Publishing an episode that is already public without ``at``
    keeps its date."""
    episode = ctx.episode(episode_id)
    if data is None:
        service.publish(episode, None, ctx.now)
    else:
        service.publish(episode, data.at, ctx.now, backdate=data.backdated)
    return ctx.read(episode)


@router.post("/{episode_id}/unpublish", responses=responses(401, 404, 422, 503))
def unpublish_episode(episode_id: int, ctx: ProducingDep) -> EpisodeRead:
    """Back to draft: gone from the public API and the feed."""
    episode = ctx.episode(episode_id)
    service.unpublish(episode, ctx.now)
    return ctx.read(episode)
