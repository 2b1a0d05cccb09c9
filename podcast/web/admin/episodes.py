"""The producers' area: sign in with a token, then list, create, edit and publish episodes.

Routes are thin: uploads go through ``podcast.media.uploads``/``episodes.ingest``, changes through
``episodes.service``. Every POST checks the CSRF token; every page needs a session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from episodes import ingest, repository, service, visibility
from episodes.models import Episode
from podcast.core import auth
from podcast.core.auth import AdminSession
from podcast.core.auth_log import refusal_reason, refused
from podcast.core.clock import Clock
from podcast.core.db import session_scope
from podcast.core.deps import ClockDep, SessionDep, SettingsDep
from podcast.core.errors import Conflict, DomainError, Invalid, NotFound
from podcast.core.http_errors import status_of
from podcast.core.observe import note_producer
from podcast.media import Storage
from podcast.media.deps import StorageDep
from podcast.media.uploads import Received
from podcast.shows.deps import ShowDep
from podcast.shows.models import Show
from podcast.shows.service import get_default_show
from podcast.web import template_helpers
from podcast.web.admin import chapter_form, feed_check, forms
from podcast.web.admin import transcripts as transcript_admin
from podcast.web.admin.common import (
    AdminEpisode,
    AdminEpisodeDep,
    find_episode,
    receive_upload,
)
from podcast.web.admin.common import context as _context
from podcast.web.admin.common import sentence as _sentence
from podcast.web.admin.common import text as _text
from podcast.web.responses import render
from podcast.web.sessions import (
    CSRF_FIELD,
    AdminDep,
    CsrfFailed,
    FormDep,
    OptionalAdmin,
    WebDep,
    WebState,
    check_csrf,
    clear_session_cookie,
    login_form_id,
    safe_next,
    set_login_cookie,
    set_session_cookie,
)
from transcripts.asr import job as asr_job
from transcripts.asr.model import asr_status

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
PER_PAGE = 50
AUDIO_FIELD = "audio-file"  # the replace-audio input's id: its errors sit next to it
# Messages after a redirect, chosen by key so nothing a request says is echoed into the page.
DONE = {
    "created": "Episode created from the audio file.",
    "saved": "Changes saved.",
    "published": "Episode published.",
    "scheduled": "Episode scheduled.",
    "unpublished": "Episode unpublished: it is a draft again.",
    "transcript": "Transcript saved.",
    "audio": "Audio replaced. The episode keeps its place and its guid in the feed.",
    "transcript-deleted": "Transcript deleted.",
    "artwork": "Artwork uploaded. Podcast apps pick it up at their next refresh.",
    "artwork-removed": "Artwork removed: podcast apps show the show's artwork for this episode.",
    "chapters": "Chapters saved. The feed and the episode page show them at once.",
    "chapter-image": "Chapter image uploaded. The feed and the episode page show it at once.",
}
# Messages on the episode list, after an episode is gone.
LIST_DONE = {"deleted": "Episode deleted, with its audio, transcripts and feed item."}


def csrf_failed_page(request: Request) -> HTMLResponse:
    """403 for a POST without a valid token: say what happened and how to carry on."""
    with session_scope(request.app.state.sessionmaker) as session:
        show = get_default_show(session, request.app.state.settings)
    context = {"show": show, "admin": None}
    return render(request, "admin/csrf.html", context, status_code=403, private=True)


# ----------------------------------------------------------------------------- sign in / out


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request,
    show: ShowDep,
    web: WebDep,
    admin: OptionalAdmin,
    next: Annotated[str | None, Query()] = None,
    signed_out: Annotated[str | None, Query()] = None,
) -> Response:
    if admin is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, show, web, next_path=safe_next(next), signed_out=bool(signed_out))


def _login_page(
    request: Request,
    show: Show,
    web: WebState,
    *,
    next_path: str,
    error: str | None = None,
    signed_out: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    form_id = login_form_id(request, web)
    context = {
        "show": show,
        "admin": None,
        "csrf": auth.csrf_token(web.secret, form_id),
        "next": next_path,
        "error": error,
        "signed_out": signed_out,
    }
    response = render(request, "admin/login.html", context, status_code=status_code, private=True)
    set_login_cookie(response, web, form_id)
    return response


@router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request, session: SessionDep, show: ShowDep, clock: ClockDep, web: WebDep
) -> Response:
    form = await request.form(max_files=0, max_fields=10)
    try:
        check_csrf(web, request.cookies.get(web.login_cookie), _text(form.get(CSRF_FIELD)))
    except CsrfFailed:
        refused(request, "sign_in_refused", "form_expired", 403)
        raise
    next_path = safe_next(_text(form.get("next")))
    presented = _text(form.get("token")) or ""
    if not presented.strip():
        refused(request, "sign_in_refused", "missing_token", 400)
        return _login_page(
            request,
            show,
            web,
            next_path=next_path,
            error="Enter your producer token",
            status_code=400,
        )
    signed_in = auth.sign_in(session, web.secret, presented, clock.now())
    if signed_in is None:
        refused(request, "sign_in_refused", refusal_reason(presented))
        return _login_page(
            request,
            show,
            web,
            next_path=next_path,
            error=(
                "That token is not valid here. Check it, or ask whoever runs the server for a "
                "new one: a token made with podcast token create for another data folder or "
                "database works only there"
            ),
            status_code=401,
        )
    note_producer(request, signed_in.token_name)  # the write log names who signed in
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, web, signed_in.cookie)
    response.delete_cookie(web.login_cookie, path="/", secure=web.secure, httponly=True)
    return response


@router.post("/logout")
def logout(_form: FormDep, web: WebDep) -> Response:
    response = RedirectResponse("/admin/login?signed_out=1", status_code=303)
    clear_session_cookie(response, web)
    return response


# ----------------------------------------------------------------------------- episodes


@router.get("", response_class=HTMLResponse)
def episode_list(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    admin: AdminDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    done: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    now = clock.now()
    rows, total = repository.page(
        session, show.id, where=None, offset=(page - 1) * PER_PAGE, limit=PER_PAGE
    )
    context = _context(
        request,
        admin,
        show,
        rows=[(e, template_helpers.status_label(e, now)) for e in rows],
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        total=total,
        done=LIST_DONE.get(done or ""),
    )
    return render(request, "admin/episodes.html", context, private=True)


@router.get("/episodes/new", response_class=HTMLResponse)
def new_episode_form(request: Request, show: ShowDep, admin: AdminDep) -> HTMLResponse:
    return _new_page(request, admin, show)


def _new_page(
    request: Request,
    admin: AdminSession,
    show: Show,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = _context(request, admin, show, errors=errors or {}, values=values or {})
    return render(request, "admin/new.html", context, status_code=status_code, private=True)


@router.post("/episodes/new", response_class=HTMLResponse)
async def create_from_upload(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    admin: AdminDep,
    web: WebDep,
) -> Response:
    """The upload form: the audio streams to storage like the API's, then the edit page opens
    with the fields its tags filled. JavaScript sends the CSRF token as a header too, so a
    forged request is refused before a byte of the body is read."""
    try:
        received, fields = await receive_upload(
            request, session, admin, web, storage, settings.max_upload_bytes
        )
    except DomainError as exc:
        return _new_page(request, admin, show, {"file": _sentence(exc.detail)}, {}, status_of(exc))
    values = {"title": fields.get("title", "").strip()[:255]}
    try:
        if received is None or received.size == 0:
            return _new_page(
                request, admin, show, {"file": "Choose an audio file to upload"}, values, 422
            )
        try:
            episode, filled = await _ingest(
                session, storage, show, clock, received, values["title"]
            )
        except DomainError as exc:
            await to_thread.run_sync(session.rollback)  # nothing of a refused upload is kept
            return _new_page(
                request, admin, show, {"file": _sentence(exc.detail)}, values, status_of(exc)
            )
    finally:
        if received is not None:
            received.discard()  # refused, failed, or already moved into the store
    query = "done=created" + (f"&filled={','.join(filled)}" if filled else "")
    return RedirectResponse(f"/admin/episodes/{episode.id}?{query}", status_code=303)


async def _ingest(
    session: Session, storage: Storage, show: Show, clock: Clock, received: Received, title: str
) -> tuple[Episode, list[str]]:
    info = await to_thread.run_sync(ingest.inspect, received)

    def create() -> tuple[Episode, list[str]]:
        session.refresh(show)
        episode, result = ingest.new_episode(
            session, storage, show, received, info, {"title": title}, clock.now()
        )
        return episode, result.filled

    return await to_thread.run_sync(create)


def edit_page(page: AdminEpisode, *, status_code: int = 200, **extra: Any) -> HTMLResponse:
    """The episode's edit page, with any errors or messages a form left."""
    request, session, admin, show = page.request, page.session, page.admin, page.show
    episode, now = page.episode, page.now
    context = _context(
        request,
        admin,
        show,
        episode=episode,
        status=template_helpers.status_label(episode, now),
        is_public=visibility.is_public(episode, now),
        values=extra.pop("values", None) or forms.values_from_episode(episode),
        errors=extra.pop("errors", {}),
        publish_errors=extra.pop("publish_errors", {}),
        publish_values=extra.pop("publish_values", None)
        or {"when": "now", "publish_at": forms.london_input(episode.publish_at)},
        transcript_errors=extra.pop("transcript_errors", {}),
        transcript_values=extra.pop("transcript_values", None) or {"language": show.language},
        audio_errors=extra.pop("audio_errors", {}),
        transcripts=transcript_admin.summaries(session, episode),
        transcript_upload=transcript_admin.upload_form(),
        asr=asr_status(request.app.state.settings),
        auto_job=asr_job.latest_for_episode(session, episode.id),
        auto_errors=extra.pop("auto_errors", {}),
        auto_values=extra.pop("auto_values", None) or {"language": show.language},
        editable_slug=service.slug_can_change(episode),
        location_rels=forms.LOCATION_REL_CHOICES,
        **chapter_form.page_context(episode, request.app.state.settings.base_url, extra),
        **extra,
    )
    return render(request, "admin/edit.html", context, status_code=status_code, private=True)


@router.get("/episodes/{episode_id}", response_class=HTMLResponse)
def edit_episode(
    page: AdminEpisodeDep,
    done: Annotated[str | None, Query()] = None,
    filled: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    filled_labels = [
        forms.LABELS.get(f, f.replace("_", " "))
        for f in (filled or "").split(",")
        if f in {*forms.LABELS, "chapters", "artwork", "suggested_publish_date"}
    ]
    return edit_page(
        page,
        done=DONE.get(done or ""),
        filled=filled_labels,
    )


@router.post("/episodes/{episode_id}", response_class=HTMLResponse)
def save_metadata(
    form: FormDep,
    page: AdminEpisodeDep,
) -> Response:
    episode, now = page.episode, page.now
    values = forms.values_from_form(form, with_slug=service.slug_can_change(episode))
    update, errors = forms.parse_metadata(values)
    if update is not None:
        try:
            with page.session.begin_nested():
                service.update_episode(page.session, episode, update, now)
        except DomainError as exc:
            errors = {forms.field_of(exc): _sentence(exc.message)}
            page.session.refresh(episode)
    if errors:
        return edit_page(
            page,
            values=values,
            errors=errors,
            status_code=422,
        )
    return RedirectResponse(f"/admin/episodes/{episode.id}?done=saved", status_code=303)


@router.post("/episodes/{episode_id}/publish", response_class=HTMLResponse)
def publish(
    form: FormDep,
    page: AdminEpisodeDep,
) -> Response:
    episode, now = page.episode, page.now
    when = _text(form.get("when")) or "now"
    raw = _text(form.get("publish_at")) or ""
    backdate = _text(form.get("backdate")) == "yes"
    values = {"when": when, "publish_at": raw, "backdate": "yes" if backdate else ""}
    errors: dict[str, str] = {}
    at: datetime | None = None
    if when == "schedule":
        if not raw.strip():
            errors["publish_at"] = "Enter the date and time to publish, in UK time"
        else:
            at, error = forms.parse_london(raw)
            if error:
                errors["publish_at"] = error
    elif when == "tag_date" and episode.suggested_publish_date is not None:
        # One click on the date the audio's tags give: the click is the confirmation.
        at = forms.london_midnight(episode.suggested_publish_date)
        backdate = True
    elif when != "now":
        errors["when"] = "Choose to publish now or at a time"
    if not errors:
        try:
            service.publish(episode, at, now, backdate=backdate)
        except service.BackdateUnconfirmed:
            errors["publish_at"] = (
                "That time is in the past. To back-date the episode (it will appear below "
                "newer ones), tick “Yes, publish it at a past date”, or choose a later time"
            )
        except Conflict:
            errors["publish"] = "Upload the audio before publishing"
    if errors:
        return edit_page(
            page,
            publish_errors=errors,
            publish_values=values,
            status_code=422,
        )
    done = "scheduled" if at is not None and at > now else "published"
    return RedirectResponse(f"/admin/episodes/{episode.id}?done={done}", status_code=303)


@router.post("/episodes/{episode_id}/unpublish")
def unpublish(
    _form: FormDep,
    page: AdminEpisodeDep,
) -> Response:
    episode, now = page.episode, page.now
    service.unpublish(episode, now)
    return RedirectResponse(f"/admin/episodes/{episode.id}?done=unpublished", status_code=303)


@router.post("/episodes/{episode_id}/transcript", response_class=HTMLResponse)
async def upload_transcript(
    form: FormDep,
    page: AdminEpisodeDep,
) -> Response:
    episode, now = page.episode, page.now
    language = (_text(form.get("language")) or "").strip()
    outcome = await transcript_admin.store(
        page.session, page.show, episode, form.get("file"), language, now
    )
    if outcome.errors:
        return edit_page(
            page,
            transcript_errors=outcome.errors,
            transcript_values={"language": language},
            status_code=outcome.status,
        )
    if outcome.warnings:
        # Saved, but worth a look: say so on the page itself rather than through the URL.
        return edit_page(
            page,
            done=DONE["transcript"],
            warnings=outcome.warnings,
        )
    return RedirectResponse(f"/admin/episodes/{episode.id}?done=transcript", status_code=303)


@router.post("/episodes/{episode_id}/transcript/auto", response_class=HTMLResponse)
def auto_transcript(
    form: FormDep,
    page: AdminEpisodeDep,
    settings: SettingsDep,
) -> Response:
    """Queue an automatic draft transcript (docs/asr.md); the job's page shows its progress."""
    episode = page.episode
    language = (_text(form.get("language")) or "").strip()
    try:
        with page.session.begin_nested():
            job = asr_job.request_transcription(
                page.session, settings, episode, page.show, language or None
            )
    except DomainError as exc:
        field = "auto-language" if exc.field == "language" else "auto"
        return edit_page(
            page,
            auto_errors={field: _sentence(exc.message)},
            auto_values={"language": language},
            status_code=status_of(exc),
        )
    return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)


@router.post("/episodes/{episode_id}/audio", response_class=HTMLResponse)
async def replace_audio(
    settings: SettingsDep,
    storage: StorageDep,
    web: WebDep,
    page: AdminEpisodeDep,
) -> Response:
    """New audio for an existing episode (a re-edit, a fixed mix): streamed and checked like
    the first upload; a refused file is deleted and the episode keeps the audio it had."""
    episode, now = page.episode, page.now
    received: Received | None = None
    try:
        received, _fields = await receive_upload(
            page.request, page.session, page.admin, web, storage, settings.max_upload_bytes
        )
        if received is None or received.size == 0:
            raise Invalid("choose an audio file to upload")
        info = await to_thread.run_sync(ingest.inspect, received)

        def replace(received: Received) -> None:
            current = find_episode(page.session, page.show, str(episode.id), now)
            if current is None:
                raise NotFound("this episode was deleted while the audio was uploading")
            ingest.replace_audio(page.session, storage, current, received, info, now)

        await to_thread.run_sync(replace, received)
    except DomainError as exc:
        await to_thread.run_sync(page.session.rollback)
        errors = {AUDIO_FIELD: _sentence(exc.detail)}
        return edit_page(
            page,
            audio_errors=errors,
            status_code=status_of(exc),
        )
    finally:
        if received is not None:
            received.discard()
    return RedirectResponse(f"/admin/episodes/{episode.id}?done=audio", status_code=303)


@router.get("/feed", response_class=HTMLResponse)
def feed_findings(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    storage: StorageDep,
    clock: ClockDep,
    admin: AdminDep,
) -> HTMLResponse:
    report = feed_check.run(session, settings, storage, clock.now())
    context = _context(request, admin, show, report=report, fix_link=feed_check.fix_link)
    return render(request, "admin/feed.html", context, private=True)
