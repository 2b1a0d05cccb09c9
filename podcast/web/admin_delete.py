"""Deleting from the producer area: a whole episode (after a confirmation page) or one
transcript language. Both go through the domain services the API uses.

Deleting an episode takes two POSTs, each with the CSRF token: the first shows what will go,
the second (with ``confirm=yes``) deletes. No script ``confirm()`` is needed, and a stray
click or a forged link cannot delete anything.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from episodes import service
from episodes.models import Episode
from podcast.auth import AdminSession
from podcast.deps import ClockDep, SessionDep, ShowDep, StorageDep
from podcast.show.models import Show
from podcast.web import transcript_admin, views
from podcast.web.admin import edit_page
from podcast.web.admin_common import context, find_episode, missing, text
from podcast.web.responses import render
from podcast.web.sessions import AdminDep, FormDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)


def _confirm_page(
    request: Request,
    session: Session,
    admin: AdminSession,
    show: Show,
    episode: Episode,
    now: datetime,
) -> HTMLResponse:
    page = context(
        request,
        admin,
        show,
        episode=episode,
        status=views.status_label(episode, now),
        transcripts=transcript_admin.summaries(session, episode),
    )
    return render(request, "admin/delete.html", page, private=True)


@router.get("/episodes/{episode_id}/delete", response_class=HTMLResponse)
def confirm_delete(
    request: Request,
    episode_id: str,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    admin: AdminDep,
) -> HTMLResponse:
    """The confirmation page again (a reload or a shared link): it shows, never deletes."""
    now = clock.now()
    episode = find_episode(session, show, episode_id, now)
    if episode is None:
        return missing(request, admin, show)
    return _confirm_page(request, session, admin, show, episode, now)


@router.post("/episodes/{episode_id}/delete", response_class=HTMLResponse)
def delete_episode(
    request: Request,
    episode_id: str,
    form: FormDep,
    session: SessionDep,
    show: ShowDep,
    storage: StorageDep,
    clock: ClockDep,
    admin: AdminDep,
) -> Response:
    now = clock.now()
    episode = find_episode(session, show, episode_id, now)
    if episode is None:
        return missing(request, admin, show)
    if text(form.get("confirm")) != "yes":
        return _confirm_page(request, session, admin, show, episode, now)
    service.delete_episode(session, storage, episode, now)
    return RedirectResponse("/admin?done=deleted", status_code=303)


@router.post("/episodes/{episode_id}/transcript/delete", response_class=HTMLResponse)
def delete_transcript(
    request: Request,
    episode_id: str,
    form: FormDep,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    admin: AdminDep,
) -> Response:
    """One language goes; the others, and the episode, stay."""
    now = clock.now()
    episode = find_episode(session, show, episode_id, now)
    if episode is None:
        return missing(request, admin, show)
    language = (text(form.get("language")) or "").strip()
    if not transcript_admin.remove(session, episode, language, now):
        message = f"There is no {language or 'such'} transcript to delete: it may be gone already"
        return edit_page(
            request,
            session,
            admin,
            show,
            episode,
            now,
            transcript_errors={"transcript-delete": message},
            status_code=404,
        )
    return RedirectResponse(
        f"/admin/episodes/{episode.id}?done=transcript-deleted", status_code=303
    )
