"""Transcript upload/delete/list for producers, public transcript files, and ``/api/search``.

Thin wrappers: parsing, storing, choosing a language and rendering live in ``service``.
"""

from __future__ import annotations

from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import RedirectResponse

from episodes import repository as episode_repository
from episodes import service as episode_service
from episodes import slug_history, visibility
from episodes.models import Episode
from podcast.core import languages
from podcast.core.compression import VARY, gzip_etag, wants_gzip
from podcast.core.conditional import http_date, not_modified
from podcast.core.cors import ALLOW_ORIGIN, add_preflight
from podcast.core.deps import (
    ClockDep,
    OptionalProducer,
    OptionalProducerOrAdmin,
    ProducerDep,
    SessionDep,
    SettingsDep,
    end_transaction,
)
from podcast.core.errors import Invalid, NotFound, UnsupportedMediaType
from podcast.core.job_schemas import JobRead
from podcast.core.json_body import media_type_of
from podcast.core.openapi_errors import (
    TOKEN_OPTIONAL,
    ContentError,
    TranscriptContentError,
    responses,
)
from podcast.core.public_urls import PublicUrls, transcript_page_path
from podcast.core.request_body import read_limited
from podcast.core.routing import get_and_head
from podcast.core.security import SECURITY_HEADERS
from podcast.shows.deps import ShowDep
from podcast.shows.models import Show
from transcripts import repository, search, service
from transcripts import visibility as transcript_visibility
from transcripts.asr import job as asr_job
from transcripts.formats import FORMATS, served_formats, upload_formats
from transcripts.models import StoredTranscript
from transcripts.schemas import SearchHit, SearchResults, TranscriptDeleted, TranscriptRead
from transcripts.upload import upload_transcript

router = APIRouter(tags=["transcripts"])

PUBLIC_CACHE = "public, max-age=300"
_UPLOAD_BODY = {
    "content": {
        fmt.media_type: {"schema": {"type": "string", "format": "binary"}}
        for fmt in upload_formats()
    },
    "required": True,
}
Language = Annotated[
    str | None, Query(max_length=languages.MAX_LENGTH, description="BCP 47, e.g. en-GB")
]


def _read(record: StoredTranscript, episode: Episode, show: Show, base_url: str) -> TranscriptRead:
    urls = PublicUrls(base_url)
    return TranscriptRead(
        episode_id=record.episode_id,
        language=record.language,
        source_format=record.source_format,
        timed=record.timed,
        cues=record.cue_count,
        duration=None if record.duration_ms is None else record.duration_ms / 1000,
        urls={
            fmt.name: urls.transcript(episode.slug, fmt.name, record.language, show.language)
            for fmt in served_formats(record.timed)
        },
        source=record.source,  # type: ignore[arg-type]  # one of SOURCES, by the schema
        reviewed=record.reviewed,
        edited_at=record.edited_at,
        created_at=record.created_at,
        updated_at=record.updated_at,
    )


async def _body(request: Request) -> bytes:
    return await read_limited(request, service.MAX_BYTES, what="the transcript")


@router.put(
    "/api/episodes/{episode_id}/transcript",
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        201: {"model": TranscriptRead, "description": "A transcript in a new language."},
        **responses(
            401,
            404,
            (409, "Another upload in the same language arrived at the same time: try again."),
            413,
            415,
            422,
            503,
            unprocessable=TranscriptContentError,
        ),
    },
)
async def put_transcript(
    request: Request,
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
    response: Response,
    language: Language = None,
) -> TranscriptRead:
    """Add or replace one language's transcript, with the file as the body.

    The format comes from Content-Type (the media types listed for the body), else from
    ``?filename=``, else from the content. 422 answers carry ``line`` when the error has one.
    201 when the language is new, 200 when replaced.
    """
    kind = media_type_of(request)
    if kind.startswith("multipart/"):
        raise UnsupportedMediaType("PUT the transcript file itself as the body, not a form")
    await end_transaction(session)  # no write lock held while the body arrives
    data = await _body(request)

    def store() -> tuple[bool, TranscriptRead]:
        result = upload_transcript(
            session,
            show,
            episode_id,
            data,
            language=language,
            media_type=kind or None,
            filename=request.query_params.get("filename"),
            producer=True,
            now=clock.now(),
        )
        read = _read(result.record, result.episode, show, settings.base_url)
        return result.created, read.model_copy(update={"warnings": result.warnings})

    created, read = await to_thread.run_sync(store)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return read


@router.post(
    "/api/episodes/{episode_id}/transcript/auto",
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(
        401,
        404,
        (409, "The language's transcript was written or edited by a producer."),
        (422, "The episode has no audio, or the language is not one Whisper knows."),
        (503, "Speech recognition is not installed here: the answer says what to install."),
        unprocessable=ContentError,
    ),
)
def auto_transcript(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
    response: Response,
    language: Annotated[
        str | None,
        Query(
            max_length=languages.MAX_LENGTH,
            description="BCP 47 (e.g. en-GB, cy), or auto to detect it; default: the show's.",
        ),
    ] = None,
) -> JobRead:
    """Make an automatic draft transcript of the episode's audio, offline (docs/asr.md).

    202 with the queued job (``Location`` is where to poll it); an unfinished job for the same
    audio and language is answered again rather than queued twice. The draft is saved with
    ``source=automatic`` and ``reviewed=false``; a transcript a producer uploaded or edited is
    never replaced (409).
    """
    episode = episode_service.get_for(session, show, episode_id, clock.now(), producer=True)
    job = asr_job.request_transcription(session, settings, episode, show, language)
    response.headers["Location"] = f"/api/jobs/{job.id}"
    return JobRead.of(job)


@router.get(
    "/api/episodes/{episode_id}/transcripts",
    responses=responses(401, 404, 422),
    openapi_extra=TOKEN_OPTIONAL,
)
def list_transcripts(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducer,
) -> list[TranscriptRead]:
    """The episode's transcripts, oldest first, with the URL of every format offered.

    Without a token, only those the public may see on the web (unreviewed automatic drafts
    follow the show's ``unreviewed_transcripts``)."""
    episode = episode_service.get_for(session, show, episode_id, clock.now(), producer is not None)
    records = repository.for_episode(session, episode.id)
    return [
        _read(r, episode, show, settings.base_url)
        for r in transcript_visibility.shown(records, show, "web", producer=producer is not None)
    ]


@router.delete(
    "/api/episodes/{episode_id}/transcript",
    responses=responses(401, 404, 422, 503),
)
def delete_transcript(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    _producer: ProducerDep,
    language: Language = None,
) -> TranscriptDeleted:
    """Remove one language: ``?language=`` exactly as listed, required when the episode has
    more than one transcript (422 lists them). The answer names what was deleted."""
    now = clock.now()
    episode = episode_service.get_for(session, show, episode_id, now, producer=True)
    record = service.select_for_delete(session, episode, language)
    deleted = record.language
    service.delete(session, episode, record, now)
    remaining = [r.language for r in repository.for_episode(session, episode.id)]
    return TranscriptDeleted(episode_id=episode.id, deleted=deleted, remaining=remaining)


@get_and_head(
    router,
    "/episodes/{slug}/transcript.{extension}",
    response_class=Response,
    openapi_extra=TOKEN_OPTIONAL,
    responses={
        200: {
            "description": "The transcript in the format its extension names.",
            # The JSON format is an object (Podcasting 2.0's ``{"version", "segments"}``); the
            # others are text.
            "content": {
                fmt.media_type: {
                    "schema": {
                        "type": "object" if fmt.media_type == "application/json" else "string"
                    }
                }
                for fmt in FORMATS.values()
            },
        },
        301: {"description": "An old slug of the episode: the transcript's current URL."},
        **responses(304, 401, 404, 422),
    },
)
def serve_transcript(
    slug: str,
    extension: str,
    request: Request,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    producer: OptionalProducerOrAdmin,
    lang: Language = None,
    language: Annotated[
        str | None, Query(max_length=languages.MAX_LENGTH, include_in_schema=False)
    ] = None,
) -> Response:
    """The transcript in the format its extension names (the media types listed here).

    Public episodes only (producers see drafts, by token or signed in). CORS-open, because
    web players fetch transcripts from other origins; strong ETag and 304. An old slug of the
    episode redirects (301) to its current one.
    """
    fmt = service.served_format(extension)
    now = clock.now()
    found = episode_repository.get_by_slug(session, show.id, slug)
    if found is None:
        moved = slug_history.moved(session, show.id, slug)
        if visibility.may_see(moved, now, producer=producer is not None):
            assert moved is not None
            path = f"{transcript_page_path(moved.slug)}.{extension}"
            target = slug_history.with_query(path, request.url.query)
            return RedirectResponse(target, status_code=301, headers=ALLOW_ORIGIN)
    episode = visibility.visible_or_404(
        found,
        now,
        producer=producer is not None,
        missing=f"episode {slug!r} does not exist",
    )
    public = visibility.is_public(episode, now)
    # ?language= is accepted too, as on the upload API.
    # An unchecked automatic draft only where the show's unreviewed_transcripts allows it.
    record = service.select_transcript(
        session, episode, lang or language, show.language, show=None if producer else show
    )
    service.check_renderable(record, fmt)
    # A format rendered with the episode (the HTML page's title) changes when the episode does.
    changed = max(record.updated_at, episode.updated_at) if fmt.uses_context else None
    last_modified = changed or record.updated_at
    gzip = wants_gzip(request.headers)
    etag = service.etag_for(record, fmt, episode.title)
    headers = {
        **SECURITY_HEADERS,  # transcript.html is a document like any page
        "ETag": gzip_etag(etag) if gzip else etag,
        "Last-Modified": http_date(last_modified),
        "Cache-Control": PUBLIC_CACHE if public else "private, no-store",
        **ALLOW_ORIGIN,
        "Access-Control-Expose-Headers": "ETag, Last-Modified, Content-Language",
        "Content-Language": record.language,
        **VARY,
    }
    if not_modified(request.headers, headers["ETag"], last_modified):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    rendered = service.render(session, episode, record, fmt, gzip=gzip)
    if gzip:
        headers["Content-Encoding"] = "gzip"
    media_type = f"{rendered.media_type}; charset=utf-8"
    if request.method == "HEAD":
        headers["Content-Length"] = str(len(rendered.body))
        return Response(headers=headers, media_type=media_type)
    return Response(rendered.body, headers=headers, media_type=media_type)


add_preflight(router, "/episodes/{slug}/transcript.{extension}")


@router.get(
    "/api/search",
    responses=responses(
        (404, "no published episode has the slug given as episode"),
        422,
        unprocessable=ContentError,
    ),
)
def search_episodes(
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    q: Annotated[
        str, Query(min_length=1, max_length=200, description='Words, "a phrase", prefix*')
    ],
    limit: Annotated[int, Query(ge=1, le=50)] = 20,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
    scope: Annotated[
        search.Scope, Query(description="all, or only episodes (titles, notes) or transcripts")
    ] = "all",
    episode: Annotated[
        str | None,
        Query(
            max_length=200,
            description="Only this published episode (its slug): its title, notes and "
            "transcripts; with scope=transcripts, the moments of its transcripts",
        ),
    ] = None,
) -> SearchResults:
    """Search titles, show notes and transcripts of published episodes.

    Episode hits (title, notes) come first, then moments in transcripts (at most three per
    episode; every one of a single ``episode``'s, page by page) with ``start`` in seconds.
    English stemming; see ``transcripts.search``.
    """
    if not q.strip():
        raise Invalid("type something to search for", field="q")
    now = clock.now()
    episode_id: int | None = None
    if episode is not None:
        found = episode_repository.get_by_slug(session, show.id, episode)
        if found is None or not visibility.is_public(found, now):
            raise NotFound(f"no published episode has the slug {episode!r}", field="episode")
        episode_id = found.id
    page = search.search(
        session,
        q,
        show_id=show.id,
        now=now,
        limit=limit,
        offset=offset,
        scope=scope,
        episode_id=episode_id,
        per_episode=search.PER_EPISODE if episode_id is None else offset + limit + 1,
    )
    hits = [
        SearchHit(
            kind=hit.kind,
            slug=hit.slug,
            title=hit.title,
            url=settings.public_urls.episode_page(hit.slug),
            language=hit.language,
            start=None if hit.start_ms is None else hit.start_ms / 1000,
            speaker=hit.speaker,
            snippet=hit.snippet,
        )
        for hit in page.hits
    ]
    return SearchResults(query=q, limit=limit, offset=offset, has_more=page.has_more, hits=hits)
