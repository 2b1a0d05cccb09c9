"""``/api/show``: the channel's metadata."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request

from podcast.core.deps import ClockDep, ProducerDep, SessionDep, SettingsDep, end_transaction
from podcast.core.openapi_errors import ContentError, responses
from podcast.media.deps import StorageDep
from podcast.media.image_body import IMAGE_REQUEST_BODY, receive_image_body
from podcast.shows.artwork import check_show_artwork, replace_show_artwork
from podcast.shows.deps import ShowDep
from podcast.shows.schemas import ShowRead, ShowUpdate
from podcast.shows.service import show_read, update_show

router = APIRouter(prefix="/api/show", tags=["show"])


@router.get("")
def read_show(show: ShowDep, settings: SettingsDep) -> ShowRead:
    return show_read(show, settings)


@router.patch("", responses=responses(400, 401, 413, 422, 503, unprocessable=ContentError))
def patch_show(
    changes: ShowUpdate,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> ShowRead:
    return show_read(update_show(show, changes, clock.now()), settings)


@router.put(
    "/artwork",
    openapi_extra={"requestBody": IMAGE_REQUEST_BODY},
    responses=responses(400, 401, 413, 415, 422, 503, unprocessable=ContentError),
)
async def put_artwork(
    request: Request,
    show: ShowDep,
    session: SessionDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> ShowRead:
    """Replace the show's artwork: the image as the raw body or as the multipart field
    ``file`` (as ``PUT /api/episodes/{id}/artwork``). A square JPEG or PNG of 1400-3000 px in
    RGB; the artwork URL changes with the picture."""
    await end_transaction(session)
    data = await receive_image_body(request, storage)
    picture = await to_thread.run_sync(check_show_artwork, data)
    await to_thread.run_sync(replace_show_artwork, session, storage, show, picture, clock.now())
    return show_read(show, settings)
