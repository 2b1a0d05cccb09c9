"""What every producer-area module shares: page context, episode lookup, the 404 page, and
streamed multipart uploads with their CSRF check.

Kept apart from the routes so ``admin``, ``admin_show`` and ``admin_delete`` stay small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from episodes import service
from episodes.models import Episode
from podcast.core import auth
from podcast.core.auth import AdminSession
from podcast.core.deps import ClockDep, SessionDep, end_transaction
from podcast.core.errors import BadRequest, DomainError, Invalid
from podcast.core.request_body import MULTIPART_SLACK, check_declared_length
from podcast.media import Storage
from podcast.media.uploads import Received, receive_multipart
from podcast.shows.deps import ShowDep
from podcast.shows.models import Show
from podcast.web.responses import render
from podcast.web.sessions import (
    CSRF_FIELD,
    CSRF_HEADER,
    AdminDep,
    CsrfFailed,
    WebState,
    check_csrf,
    web_state,
)

_MAX_ID_DIGITS = 9  # fits a 32-bit integer column on PostgreSQL


def context(request: Request, admin: AdminSession, show: Show, **extra: Any) -> dict[str, Any]:
    """The template context every signed-in page needs: the show, who, and the CSRF token."""
    web = web_state(request)
    return {
        "show": show,
        "admin": admin,
        "csrf": auth.csrf_token(web.secret, admin.session_id),
    } | extra


def sentence(text: str) -> str:
    """Service messages start in lower case (they follow a field name); pages want a capital."""
    text = text.strip()
    return (text[:1].upper() + text[1:]) if text else text


def text(value: Any) -> str | None:
    """A form value as text; an uploaded file where text belongs counts as nothing."""
    return value if isinstance(value, str) else None


def find_episode(session: Session, show: Show, raw_id: str, now: datetime) -> Episode | None:
    """The episode an admin URL names; ids that are not plain numbers are simply not found,
    so ``/admin/episodes/abc`` gets the HTML 404 page rather than FastAPI's JSON 422."""
    if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > _MAX_ID_DIGITS:
        return None
    try:
        return service.get_for(session, show, int(raw_id), now, producer=True)
    except DomainError:
        return None


def missing(request: Request, admin: AdminSession, show: Show) -> HTMLResponse:
    page = {"show": show, "admin": admin, "what": "episode"}
    return render(request, "not_found.html", page, status_code=404, private=True)


class EpisodeNotFound(Exception):
    """An admin URL names no episode of this show: answered with the HTML 404 page, rendered
    where it is raised (the session, and the show it loaded, are gone by the handler)."""

    def __init__(self, page: HTMLResponse) -> None:
        super().__init__("episode not found")
        self.page = page


@dataclass(frozen=True)
class AdminEpisode:
    """The episode a producer-area URL names, with what every such route needs beside it."""

    request: Request
    session: Session
    show: Show
    admin: AdminSession
    episode: Episode
    now: datetime


def admin_episode(
    request: Request,
    episode_id: str,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    admin: AdminDep,
) -> AdminEpisode:
    now = clock.now()
    episode = find_episode(session, show, episode_id, now)
    if episode is None:
        raise EpisodeNotFound(missing(request, admin, show))
    return AdminEpisode(request, session, show, admin, episode, now)


AdminEpisodeDep = Annotated[AdminEpisode, Depends(admin_episode)]


async def receive_upload(
    request: Request,
    session: Session,
    admin: AdminSession,
    web: WebState,
    storage: Storage,
    limit: int,
) -> tuple[Received | None, dict[str, str]]:
    """A multipart form streamed to a temp file (its ``file`` part) and text fields.

    The CSRF token is checked before the body when the script sends it as a header, else
    from the form field once the body is in; a refused request leaves no file behind. Raises
    ``DomainError`` (400, 413) for the form to show next to the file field. The request's
    transaction is ended first (no lock is held while the body arrives): rows read before
    must be looked up again.
    """
    header_token = request.headers.get(CSRF_HEADER)
    if header_token is not None:
        check_csrf(web, admin.session_id, header_token)
    check_declared_length(request.headers.get("content-length"), limit, slack=MULTIPART_SLACK)
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest("send the form as multipart/form-data")
    await end_transaction(session)
    received, fields = await receive_multipart(request.stream(), content_type, storage, limit)
    if header_token is None:
        try:
            check_csrf(web, admin.session_id, fields.get(CSRF_FIELD))
        except CsrfFailed:
            if received is not None:
                received.discard()
            raise
    return received, fields


async def receive_image(
    request: Request,
    session: Session,
    admin: AdminSession,
    web: WebState,
    storage: Storage,
    limit: int,
) -> bytes:
    """An artwork form's image (show or episode): streamed as :func:`receive_upload` does,
    read back once and its temp file deleted. Raises ``Invalid`` when no file was chosen;
    the caller checks the bytes against Apple's rules."""
    received, _fields = await receive_upload(request, session, admin, web, storage, limit)
    if received is None or received.size == 0:
        if received is not None:
            received.discard()
        raise Invalid("choose a JPEG or PNG image to upload")
    try:
        return await to_thread.run_sync(received.read_bytes)
    finally:
        received.discard()
