"""Show settings in the producer area: the channel's details and its artwork.

Thin routes over ``podcast.shows``: ``update_show`` validates categories like ``PATCH
/api/show``, and artwork goes through the same ``check_show_artwork`` and
``replace_show_artwork`` as ``PUT /api/show/artwork``, so the rules and messages are one.
"""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from podcast.core.auth import AdminSession
from podcast.core.deps import ClockDep, SessionDep, get_settings
from podcast.core.errors import DomainError, UnsupportedMediaType
from podcast.core.http_errors import status_of
from podcast.core.podcast_namespace import MEDIUMS, SOCIAL_PROTOCOLS
from podcast.core.request_body import describe_limit
from podcast.media.deps import StorageDep
from podcast.media.images import ARTWORK_MAX_SIDE, ARTWORK_MIN_SIDE
from podcast.shows.artwork import MAX_BYTES, check_show_artwork, replace_show_artwork
from podcast.shows.deps import ShowDep
from podcast.shows.models import Show
from podcast.shows.service import update_show
from podcast.web import template_helpers
from podcast.web.admin import show_form
from podcast.web.admin.common import context, receive_image, sentence
from podcast.web.admin.forms import LOCATION_REL_CHOICES
from podcast.web.responses import render
from podcast.web.sessions import AdminDep, FormDep, WebDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
ARTWORK_FIELD = "artwork"  # the file input's id: its errors sit next to it
DONE = {
    "saved": "Show settings saved. The feed shows them at once.",
    "artwork": "Artwork uploaded. Podcast apps pick it up at their next refresh.",
}


def _page(
    request: Request,
    admin: AdminSession,
    show: Show,
    *,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    key = show.artwork_key
    page = context(
        request,
        admin,
        show,
        values=extra.pop("values", None) or show_form.values_from_show(show),
        errors=extra.pop("errors", {}),
        artwork_errors=extra.pop("artwork_errors", {}),
        artwork=template_helpers.image_path(key),
        artwork_format=key.rsplit(".", 1)[-1].upper().replace("JPG", "JPEG") if key else None,
        categories=show_form.category_groups(),
        mediums=sorted(MEDIUMS),
        protocols=SOCIAL_PROTOCOLS,
        location_rels=LOCATION_REL_CHOICES,
        min_side=ARTWORK_MIN_SIDE,
        max_side=ARTWORK_MAX_SIDE,
        max_size=describe_limit(MAX_BYTES),
        feed_url=get_settings(request).feed_url,
        **extra,
    )
    return render(request, "admin/show.html", page, status_code=status_code, private=True)


@router.get("/show", response_class=HTMLResponse)
def show_settings(
    request: Request,
    show: ShowDep,
    admin: AdminDep,
    done: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    return _page(request, admin, show, done=DONE.get(done or ""))


@router.post("/show", response_class=HTMLResponse)
def save_show(
    request: Request,
    form: FormDep,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    admin: AdminDep,
) -> Response:
    values = show_form.values_from_form(form)
    update, errors = show_form.parse(values, show)
    if update is not None:
        try:
            with session.begin_nested():
                update_show(show, update, clock.now())
        except DomainError as exc:
            errors = {show_form.field_of(exc): sentence(exc.message)}
            session.refresh(show)
    if errors:
        return _page(request, admin, show, values=values, errors=errors, status_code=422)
    return RedirectResponse("/admin/show?done=saved", status_code=303)


@router.post("/show/artwork", response_class=HTMLResponse)
async def upload_artwork(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    storage: StorageDep,
    clock: ClockDep,
    admin: AdminDep,
    web: WebDep,
) -> Response:
    """The file streams to a temp file (size-limited, CSRF-checked), is read back once and
    deleted, then checked against Apple's rules; only a picture that passes is stored."""
    try:
        data = await receive_image(request, session, admin, web, storage, MAX_BYTES)
        picture = await to_thread.run_sync(check_show_artwork, data)
        await to_thread.run_sync(replace_show_artwork, session, storage, show, picture, clock.now())
    except DomainError as exc:
        errors = {ARTWORK_FIELD: _artwork_message(exc)}
        return _page(request, admin, show, artwork_errors=errors, status_code=status_of(exc))
    return RedirectResponse("/admin/show?done=artwork", status_code=303)


def _artwork_message(exc: DomainError) -> str:
    if isinstance(exc, UnsupportedMediaType):
        # The API's wording adds how to send the file (as the body...), which means nothing here.
        return "The file is not a JPEG or PNG image: show artwork must be a JPEG or PNG"
    return sentence(exc.detail)
