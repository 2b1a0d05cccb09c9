"""The transcript editor: correct a transcript cue by cue, with the audio above it.

A plain form first: one fieldset per cue (text, speaker, start, end), 50 cues a page, and
split, merge, rename and shift as buttons of the same form, so whatever the producer typed on
the page is saved with the action. ``admin.js`` adds keyboard commands and splitting at the
cursor. The rules live in ``transcripts.editing``; this module turns the form into its inputs
and its errors back into messages next to the fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from podcast.core.errors import DomainError, Invalid
from podcast.core.http_errors import status_of
from podcast.web import template_helpers
from podcast.web.admin.common import AdminEpisode, AdminEpisodeDep, missing, sentence
from podcast.web.admin.common import context as page_context
from podcast.web.admin.common import text as form_text
from podcast.web.public.transcript_view import language_name
from podcast.web.responses import render
from podcast.web.sessions import AdminDep, WebDep, read_checked_form
from transcripts import editing, repository
from transcripts.cues import Cue
from transcripts.editing import PAGE_CUES, CueInput, InvalidCues, StaleTranscript
from transcripts.models import StoredTranscript

router = APIRouter(prefix="/admin", tags=["admin"], include_in_schema=False)
DONE = {
    "saved": "Transcript saved.",
    "reviewed": "Transcript saved and marked as checked.",
    "split": "Cue split in two and saved.",
    "merged": "Cues merged and saved.",
    "renamed": "Speaker renamed in every cue and saved.",
    "shifted": "Every time shifted and saved.",
    "restored": "Earlier version restored. The text it replaced is kept in the list below.",
}
_CUE_FIELD = re.compile(r"cue-(\d{1,6})-text")
_SECONDS = re.compile(r"[+-]?\d{1,6}(?:[.,]\d{1,3})?")
# Five fields a cue on a page, and the form's own: more than the other admin forms allow.
MAX_FIELDS = 6 * PAGE_CUES + 20
# Form-level errors -> the control they belong next to.
_FIELDS = {"shift": "shift_by", "rename": "rename_from", "rename_to": "rename_to"}


async def editor_form(request: Request, admin: AdminDep, web: WebDep) -> FormData:
    """The POSTed editor form, once its CSRF token has been checked."""
    return await read_checked_form(request, admin, web, max_fields=MAX_FIELDS)


EditorFormDep = Annotated[FormData, Depends(editor_form)]


@dataclass
class CueRow:
    """One cue as the form shows it: stored values, or what the producer typed."""

    number: int
    text: str
    speaker: str
    start: str
    end: str
    timed: bool


@dataclass
class EditorState:
    """What a re-rendered form keeps: the typed cues, the other fields, and the errors."""

    rows: dict[int, CueRow] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    reviewed: bool | None = None
    rename_to: str = ""
    shift_by: str = ""
    sha: str | None = None


def _record(page: AdminEpisode, language: str) -> StoredTranscript | None:
    for record in repository.for_episode(page.session, page.episode.id):
        if record.language == language:
            return record
    return None


def _row(number: int, cue: Cue) -> CueRow:
    return CueRow(
        number,
        cue.text,
        cue.speaker or "",
        editing.clock(cue.start_ms),
        editing.clock(cue.end_ms),
        cue.timed,
    )


def _page_number(raw: object, cue_count: int) -> int:
    pages = max(1, -(-cue_count // PAGE_CUES))
    value = raw if isinstance(raw, str) else ""
    return min(int(value), pages) if value.isdigit() and int(value) > 0 else 1


def editor_page(
    page: AdminEpisode,
    record: StoredTranscript,
    number: int,
    *,
    state: EditorState | None = None,
    done: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    state = state or EditorState()
    count = record.cue_count
    pages = max(1, -(-count // PAGE_CUES))
    number = min(number, pages)
    shown = editing.page_range(count, number)
    # Only this page's cues are read: a long transcript costs no more than a short one.
    stored = repository.cues_from(page.session, record.id, shown.start, len(shown))
    rows = [state.rows.get(pos + 1) or _row(pos + 1, cue) for pos, cue in stored]
    speakers = repository.speakers_of(page.session, record.id)
    base = f"/admin/episodes/{page.episode.id}/transcripts/{record.language}"
    context = page_context(
        page.request,
        page.admin,
        page.show,
        episode=page.episode,
        record=record,
        language_name=language_name(record.language),
        audio_src=template_helpers.audio_src(page.episode, None),
        rows=rows,
        cue_count=count,
        page=number,
        pages=pages,
        page_size=PAGE_CUES,
        base=base,
        sha=state.sha or record.content_sha256,
        reviewed=record.reviewed if state.reviewed is None else state.reviewed,
        speakers=speakers,
        rename_to=state.rename_to,
        shift_by=state.shift_by,
        errors=state.errors,
        revisions=repository.revisions_of(page.session, record.id),
        split_mark=editing.SPLIT_MARK,
        done=done,
    )
    return render(
        page.request, "admin/transcript.html", context, status_code=status_code, private=True
    )


@router.get("/episodes/{episode_id}/transcripts/{language}", response_class=HTMLResponse)
def edit_transcript(
    page: AdminEpisodeDep,
    language: str,
    page_number: Annotated[str | None, Query(alias="page")] = None,
    done: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    record = _record(page, language)
    if record is None:
        return missing(page.request, page.admin, page.show)
    number = _page_number(page_number, record.cue_count)
    return editor_page(page, record, number, done=DONE.get(done or ""))


def _inputs(form: FormData, record_timed: bool) -> tuple[list[CueInput], dict[int, CueRow]]:
    """The cues the form holds (the page's), as typed; CRLF from the browser made LF."""
    inputs: list[CueInput] = []
    rows: dict[int, CueRow] = {}
    for name in form:
        match = _CUE_FIELD.fullmatch(name)
        if match is None:
            continue
        number = int(match[1])

        def value(part: str, n: int = number) -> str:
            return (form_text(form.get(f"cue-{n}-{part}")) or "").replace("\r\n", "\n")

        typed = CueInput(
            number,
            value("text"),
            value("speaker"),
            value("start") if record_timed else None,
            value("end") if record_timed else None,
        )
        inputs.append(typed)
        rows[number] = CueRow(
            number, typed.text, typed.speaker, typed.start or "", typed.end or "", record_timed
        )
    return inputs, rows


def _with_split_mark(inputs: list[CueInput], number: int, offset: str | None) -> list[CueInput]:
    """The split cue's text with :data:`editing.SPLIT_MARK` where the script saw the cursor."""
    if offset is None or not offset.isdigit():
        return inputs
    out = []
    for typed in inputs:
        if typed.number == number:
            at = min(int(offset), len(typed.text))
            marked = typed.text[:at] + editing.SPLIT_MARK + typed.text[at:]
            typed = CueInput(typed.number, marked, typed.speaker, typed.start, typed.end)
        out.append(typed)
    return out


def _action_number(action: str, prefix: str) -> int | None:
    rest = action.removeprefix(prefix)
    return int(rest) if action.startswith(prefix) and rest.isdigit() and len(rest) <= 6 else None


def _shift_ms(raw: str) -> int:
    text = raw.strip()
    if not _SECONDS.fullmatch(text):
        raise Invalid("enter the seconds to shift by, like 2.5 or -1.25", field="shift")
    return round(float(text.replace(",", ".")) * 1000)


def _apply(
    cues: list[Cue], form: FormData, inputs: list[CueInput], action: str
) -> tuple[list[Cue], str, int | None]:
    """The cues after the typed changes and the button's action; the done key, and the cue
    to go back to."""
    split_number = _action_number(action, "split:")
    if split_number is not None:
        offset = form_text(form.get(f"cue-{split_number}-split"))
        inputs = _with_split_mark(inputs, split_number, offset)
    cues = editing.apply_page(cues, inputs)
    if split_number is not None:
        return editing.split(cues, split_number, None), "split", split_number
    merge_number = _action_number(action, "merge:")
    if merge_number is not None:
        return editing.merge_next(cues, merge_number), "merged", merge_number
    if action == "rename":
        old = form_text(form.get("rename_from")) or ""
        new = form_text(form.get("rename_to")) or ""
        return editing.rename_speaker(cues, old, new), "renamed", None
    if action == "shift":
        offset_ms = _shift_ms(form_text(form.get("shift_by")) or "")
        return editing.shift(cues, offset_ms), "shifted", None
    return cues, "saved", None


def _errors(exc: DomainError) -> dict[str, str]:
    if isinstance(exc, InvalidCues):
        return {f"cue-{e.number}-{e.field}": sentence(e.message) for e in exc.errors}
    return {_FIELDS.get(exc.field or "", "form"): sentence(exc.message)}


@router.post("/episodes/{episode_id}/transcripts/{language}", response_class=HTMLResponse)
def save_transcript(form: EditorFormDep, page: AdminEpisodeDep, language: str) -> Response:
    """One POST saves the page's cues and the pressed button's action, or changes nothing."""
    record = _record(page, language)
    if record is None:
        return missing(page.request, page.admin, page.show)
    sha = form_text(form.get("sha")) or ""
    action = form_text(form.get("action")) or "save"
    reviewed = form.get("reviewed") == "on"
    inputs, rows = _inputs(form, record.timed)
    number = _page_number(form.get("page"), record.cue_count)
    state = EditorState(
        rows=rows,
        reviewed=reviewed,
        rename_to=form_text(form.get("rename_to")) or "",
        shift_by=form_text(form.get("shift_by")) or "",
        sha=sha,
    )
    was_reviewed = record.reviewed
    try:
        with page.session.begin_nested():
            editing.check_current(page.session, record, sha)
            cues = repository.cues_of(page.session, record.id)
            cues, done, cue = _apply(cues, form, inputs, action)
            saved = editing.save_edit(
                page.session,
                page.episode,
                record,
                sha,
                cues,
                reviewed=reviewed,
                author=page.admin.token_name,
                now=page.now,
            )
    except StaleTranscript as exc:
        page.session.expire_all()
        state.errors = {"sha": sentence(exc.message)}
        return editor_page(page, record, number, state=state, status_code=409)
    except DomainError as exc:
        page.session.expire_all()
        state.errors = _errors(exc)
        return editor_page(page, record, number, state=state, status_code=status_of(exc))
    if done == "saved" and reviewed and not was_reviewed:
        done = "reviewed"
    if cue is not None:
        number = (cue - 1) // PAGE_CUES + 1
    anchor = f"#cue-{cue}-text" if cue is not None else ""  # browsers focus it on load
    url = f"/admin/episodes/{page.episode.id}/transcripts/{saved.record.language}"
    return RedirectResponse(f"{url}?page={number}&done={done}{anchor}", status_code=303)


@router.post("/episodes/{episode_id}/transcripts/{language}/restore", response_class=HTMLResponse)
def restore_revision(form: EditorFormDep, page: AdminEpisodeDep, language: str) -> Response:
    record = _record(page, language)
    if record is None:
        return missing(page.request, page.admin, page.show)
    raw_id = form_text(form.get("revision")) or ""
    sha = form_text(form.get("sha")) or ""
    try:
        if not raw_id.isdigit() or len(raw_id) > 9:
            raise Invalid("choose a version from the list", field="revision")
        with page.session.begin_nested():
            editing.restore(
                page.session,
                page.episode,
                record,
                int(raw_id),
                sha,
                author=page.admin.token_name,
                now=page.now,
            )
    except DomainError as exc:
        page.session.expire_all()
        state = EditorState(errors={"revisions": sentence(exc.message)})
        return editor_page(page, record, 1, state=state, status_code=status_of(exc))
    url = f"/admin/episodes/{page.episode.id}/transcripts/{record.language}"
    return RedirectResponse(f"{url}?done=restored", status_code=303)
