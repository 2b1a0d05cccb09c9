"""The episode page's artwork and chapters forms: thin routes over the services the API uses
(``episodes.service`` artwork, ``episodes.chapter_edits``), so rules and messages are one."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from episodes import chapter_edits, service
from episodes.chapter_edits import InvalidChapters
from podcast.core.deps import SettingsDep
from podcast.core.errors import DomainError, NotFound, UnsupportedMediaType
from podcast.core.http_errors import status_of
from podcast.core.public_urls import PublicUrls
from podcast.media.artwork import MAX_BYTES, read_artwork
from podcast.media.deps import StorageDep
from podcast.web.admin import chapter_form
from podcast.web.admin.chapter_form import ARTWORK_FIELD
from podcast.web.admin.common import AdminEpisodeDep, find_episode, receive_image, sentence
from podcast.web.admin.episodes import edit_page
from podcast.web.sessions import FormDep, WebDep, read_checked_form

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)


@router.post("/episodes/{episode_id}/artwork", response_class=HTMLResponse)
async def upload_artwork(storage: StorageDep, web: WebDep, page: AdminEpisodeDep) -> Response:
    """As the show's artwork form: streamed (size-limited, CSRF-checked), then Apple's rules."""
    episode, now = page.episode, page.now
    try:
        data = await receive_image(page.request, page.session, page.admin, web, storage, MAX_BYTES)
        picture = await to_thread.run_sync(service.check_episode_artwork, data)

        def replace() -> None:
            current = find_episode(page.session, page.show, str(episode.id), now)
            if current is None:
                raise NotFound("this episode was deleted while the image was uploading")
            service.replace_episode_artwork(page.session, storage, current, picture, now)

        await to_thread.run_sync(replace)
    except DomainError as exc:
        await to_thread.run_sync(page.session.rollback)
        errors = {ARTWORK_FIELD: _artwork_message(exc)}
        return edit_page(page, artwork_errors=errors, status_code=status_of(exc))
    return RedirectResponse(f"/admin/episodes/{episode.id}?done=artwork", status_code=303)


def _artwork_message(exc: DomainError) -> str:
    if isinstance(exc, UnsupportedMediaType):
        return "The file is not a JPEG or PNG image: episode artwork must be a JPEG or PNG"
    return sentence(exc.detail)


@router.post("/episodes/{episode_id}/chapters/{index}/image", response_class=HTMLResponse)
async def upload_chapter_image(
    index: int, storage: StorageDep, web: WebDep, page: AdminEpisodeDep
) -> Response:
    """A picture for stored chapter ``index``, as ``PUT /api/episodes/{id}/chapters/{index}/
    image`` takes it: streamed (size-limited, CSRF-checked), any JPEG or PNG, stored by digest
    and served under /images; the chapter's image address becomes its URL."""
    episode, now = page.episode, page.now
    try:
        data = await receive_image(page.request, page.session, page.admin, web, storage, MAX_BYTES)
        picture = await to_thread.run_sync(read_artwork, data, "a chapter image")

        def store() -> None:
            current = find_episode(page.session, page.show, str(episode.id), now)
            if current is None:
                raise NotFound("this episode was deleted while the image was uploading")
            chapter_edits.set_chapter_image(page.session, storage, current, index, picture, now)

        await to_thread.run_sync(store)
    except DomainError as exc:
        await to_thread.run_sync(page.session.rollback)
        message = (
            "The file is not a JPEG or PNG image: a chapter image must be a JPEG or PNG"
            if isinstance(exc, UnsupportedMediaType)
            else sentence(exc.message)
        )
        # Beside the row's file input; a chapter with no row (gone meanwhile) above the table.
        row = 0 <= index < len(episode.chapters)
        errors = {chapter_form.image_field(index) if row else "chapters": message}
        return edit_page(page, chapter_errors=errors, status_code=status_of(exc))
    return RedirectResponse(f"/admin/episodes/{episode.id}?done=chapter-image", status_code=303)


@router.post("/episodes/{episode_id}/artwork/remove")
def remove_artwork(_form: FormDep, storage: StorageDep, page: AdminEpisodeDep) -> Response:
    service.remove_episode_artwork(page.session, storage, page.episode, page.now)
    url = f"/admin/episodes/{page.episode.id}?done=artwork-removed"
    return RedirectResponse(url, status_code=303)


@router.post("/episodes/{episode_id}/chapters", response_class=HTMLResponse)
async def save_chapters(
    settings: SettingsDep, storage: StorageDep, web: WebDep, page: AdminEpisodeDep
) -> Response:
    """The whole table at once: saved only if every row is right, else each problem is shown
    in its row (the API's checks)."""
    form = await read_checked_form(
        page.request, page.admin, web, max_fields=chapter_form.MAX_FIELDS
    )
    rows = chapter_form.rows_from_form(form)
    items, kept = chapter_form.items(rows)
    episode, now = page.episode, page.now
    urls = PublicUrls(settings.base_url)

    def save() -> Response | None:
        try:
            with page.session.begin_nested():
                chapter_edits.set_chapters(page.session, storage, episode, items, urls, now)
        except DomainError as exc:
            page.session.refresh(episode)
            errors = (
                chapter_form.errors(exc.problems, kept)
                if isinstance(exc, InvalidChapters)
                else {"chapters": sentence(exc.message)}
            )
            status = status_of(exc)
            return edit_page(page, chapter_rows=rows, chapter_errors=errors, status_code=status)
        return None

    refused = await to_thread.run_sync(save)
    if refused is not None:
        return refused
    return RedirectResponse(f"/admin/episodes/{episode.id}?done=chapters", status_code=303)
