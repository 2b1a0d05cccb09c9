"""Deleting from the producer area: a whole episode (after a confirmation page) or one
transcript language. Both go through the domain services the API uses.

Deleting an episode takes two POSTs, each with the CSRF token: the first shows what will go,
the second (with ``confirm=yes``) deletes. No script ``confirm()`` is needed, and a stray
click or a forged link cannot delete anything.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from episodes import repository, service
from podcast.media.deps import StorageDep
from podcast.web import template_helpers
from podcast.web.admin import transcripts as transcript_admin
from podcast.web.admin.common import (
    AdminEpisode,
    AdminEpisodeDep,
    context,
    text,
)
from podcast.web.admin.episodes import edit_page
from podcast.web.responses import render
from podcast.web.sessions import FormDep

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)


def _confirm_page(page: AdminEpisode) -> HTMLResponse:
    values = context(
        page.request,
        page.admin,
        page.show,
        episode=page.episode,
        status=template_helpers.status_label(page.episode, page.now),
        transcripts=transcript_admin.summaries(page.session, page.episode),
        # The audio file stays when another episode's audio is the same stored file.
        audio_shared_with=repository.sharing_audio(page.session, page.episode),
    )
    return render(page.request, "admin/delete.html", values, private=True)


@router.get("/episodes/{episode_id}/delete", response_class=HTMLResponse)
def confirm_delete(
    page: AdminEpisodeDep,
) -> HTMLResponse:
    """The confirmation page again (a reload or a shared link): it shows, never deletes."""
    return _confirm_page(page)


@router.post("/episodes/{episode_id}/delete", response_class=HTMLResponse)
def delete_episode(
    form: FormDep,
    storage: StorageDep,
    page: AdminEpisodeDep,
) -> Response:
    episode, now = page.episode, page.now
    if text(form.get("confirm")) != "yes":
        return _confirm_page(page)
    service.delete_episode(page.session, storage, episode, now)
    return RedirectResponse("/admin?done=deleted", status_code=303)


@router.post("/episodes/{episode_id}/transcript/delete", response_class=HTMLResponse)
def delete_transcript(
    form: FormDep,
    page: AdminEpisodeDep,
) -> Response:
    """One language goes; the others, and the episode, stay."""
    episode, now = page.episode, page.now
    language = (text(form.get("language")) or "").strip()
    if not transcript_admin.remove(page.session, episode, language, now):
        message = f"There is no {language or 'such'} transcript to delete: it may be gone already"
        return edit_page(
            page,
            transcript_errors={"transcript-delete": message},
            status_code=404,
        )
    return RedirectResponse(
        f"/admin/episodes/{episode.id}?done=transcript-deleted", status_code=303
    )
