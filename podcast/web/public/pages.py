"""Public pages: the show and its episodes, an episode with player and transcript, search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from episodes import repository, slug_history, visibility
from episodes.models import Episode
from episodes.urls import enclosure_url
from podcast.core import languages
from podcast.core.auth import AdminSession
from podcast.core.deps import ClockDep, SessionDep, SettingsDep
from podcast.core.public_urls import episode_path, transcript_page_path
from podcast.core.routing import get_and_head
from podcast.core.settings import SubscribeLink
from podcast.core.timecodes import parse_start
from podcast.shows.deps import ShowDep
from podcast.shows.directories import AppLink, app_links, is_http_url
from podcast.shows.models import Show
from podcast.web import template_helpers
from podcast.web.public import (
    jsonld,
    search_view,
    transcript_parts,
    transcript_search,
    transcript_view,
)
from podcast.web.responses import render
from podcast.web.sessions import OptionalAdmin, WebDep
from transcripts import repository as transcript_repository
from transcripts import visibility as transcript_visibility
from transcripts.languages import choose

router = APIRouter(tags=["pages"], include_in_schema=False)


def not_found(request: Request, show: Show, admin: AdminSession | None, what: str) -> HTMLResponse:
    context = {"show": show, "admin": admin, "what": what}
    return render(request, "not_found.html", context, status_code=404, private=admin is not None)


@get_and_head(router, "/", response_class=HTMLResponse)
def index(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    web: WebDep,
    admin: OptionalAdmin,
    page: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Published episodes, newest first; ``?page=`` past the end is a 404, not an empty list."""
    number = int(page) if page and page.isdigit() and 0 < int(page) < 100_000 else None
    if page is not None and number is None:
        return not_found(request, show, admin, "page")
    number = number or 1
    per_page = web.settings.episodes_per_page
    rows, total = repository.page(
        session,
        show.id,
        where=visibility.public_clause(clock.now()),
        offset=(number - 1) * per_page,
        limit=per_page,
    )
    pages = max(1, -(-total // per_page))
    if number > pages:
        return not_found(request, show, admin, "page")
    context = {
        "show": show,
        "admin": admin,
        "episodes": [(e, template_helpers.numbering(e)) for e in rows],
        "page": number,
        "pages": pages,
        "total": total,
        "feed_url": settings.feed_url,
        "artwork": template_helpers.image_path(show.artwork_key),
        "subscribe_links": subscribe_choices(show, settings.feed_url, web.settings.subscribe_links),
        "canonical": settings.public_urls.home() + (f"?page={number}" if number > 1 else ""),
    }
    return render(request, "index.html", context, private=admin is not None)


def subscribe_choices(
    show: Show, feed_url: str, configured: Sequence[SubscribeLink]
) -> list[AppLink]:
    """The apps the show opens in (from its directory ids), then the configured links
    (``PODCAST_SUBSCRIBE_LINKS``) to other directories; only http(s) links, one per name."""
    links = app_links(feed_url, show.apple_podcasts_id, show.spotify_show_id)
    names = {link.app.casefold() for link in links}
    for extra in configured:
        if is_http_url(extra.url) and extra.name.casefold() not in names:
            names.add(extra.name.casefold())
            links.append(AppLink(extra.name, extra.url))
    return links


def _visible_episode(
    session: Session, show: Show, slug: str, now: datetime, admin: AdminSession | None
) -> Episode | None:
    """The episode a page names, if this reader may see it: the public sees published
    episodes only, a signed-in producer drafts and scheduled ones too."""
    episode = repository.get_by_slug(session, show.id, slug)
    return episode if visibility.may_see(episode, now, producer=admin is not None) else None


def _moved(
    request: Request,
    session: Session,
    show: Show,
    slug: str,
    now: datetime,
    admin: AdminSession | None,
    path: Callable[[str], str],
) -> RedirectResponse | None:
    """301 from a slug the episode was once published under to its current one, for
    whoever may see it there (``episodes.slug_history``)."""
    episode = slug_history.moved(session, show.id, slug)
    if not visibility.may_see(episode, now, producer=admin is not None):
        return None
    assert episode is not None
    target = slug_history.with_query(path(episode.slug), request.url.query)
    return RedirectResponse(target, status_code=301)


@get_and_head(router, "/episodes/{slug}", response_class=HTMLResponse)
def episode_page(
    slug: str,
    request: Request,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    admin: OptionalAdmin,
    t: Annotated[str | None, Query()] = None,
) -> Response:
    """Drafts and scheduled episodes are a 404 unless a producer is signed in; an old slug
    redirects to the current one."""
    now = clock.now()
    episode = _visible_episode(session, show, slug, now, admin)
    if episode is None:
        moved = _moved(request, session, show, slug, now, admin, episode_path)
        return moved or not_found(request, show, admin, "episode")
    start = parse_start(t)
    urls = settings.public_urls
    artwork_key = episode.artwork_key or show.artwork_key
    context = {
        "show": show,
        "admin": admin,
        "episode": episode,
        "numbering": template_helpers.numbering(episode),
        "status": template_helpers.status_label(episode, now),
        "is_public": visibility.is_public(episode, now),
        "audio_src": template_helpers.audio_src(episode, start),
        "start": start,
        "chapters": template_helpers.chapters(episode),
        "people": [(p, template_helpers.role_label(p.get("role"))) for p in episode.people],
        "transcripts": transcript_view.for_episode(
            session, episode, show, producer=admin is not None
        ),
        "artwork": template_helpers.image_path(artwork_key),
        "jsonld": jsonld.script_json(jsonld.podcast_episode(episode, show, urls.base_url)),
        "canonical": urls.episode_page(episode.slug),
        "og_image": urls.image(artwork_key),
        "og_audio": enclosure_url(urls, episode),
    }
    return render(request, "episode.html", context, private=admin is not None)


@get_and_head(router, "/episodes/{slug}/transcript", response_class=HTMLResponse)
def transcript_page(
    slug: str,
    request: Request,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    admin: OptionalAdmin,
    page: Annotated[str | None, Query()] = None,
    t: Annotated[str | None, Query()] = None,
    lang: Annotated[str | None, Query(max_length=languages.MAX_LENGTH)] = None,
    q: Annotated[str | None, Query()] = None,
) -> Response:
    """The whole transcript in parts of bounded size (``?page=``); ``?t=`` without a page
    opens the part holding that moment and starts the player there; ``?q=`` shows the cues
    that match instead (``transcript_search``)."""
    now = clock.now()
    episode = _visible_episode(session, show, slug, now, admin)
    if episode is None:
        moved = _moved(request, session, show, slug, now, admin, transcript_page_path)
        return moved or not_found(request, show, admin, "episode")
    records = transcript_visibility.shown(
        transcript_repository.for_episode(session, episode.id),
        show,
        "web",
        producer=admin is not None,
    )
    record = choose(records, lang, show.language)
    if record is None:
        return not_found(request, show, admin, "transcript")
    start = parse_start(t)

    def href(part: int) -> str:
        return transcript_view.transcript_page_href(
            episode.slug, record.language, show.language, part
        )

    context: dict[str, object] = {
        "show": show,
        "admin": admin,
        "episode": episode,
        "is_public": visibility.is_public(episode, now),
        "language": record.language,
        "unchecked": transcript_view.unchecked_note(record, show.language),
        "public_transcript": transcript_visibility.is_shown(
            record, show.unreviewed_transcripts, "web"
        ),
        "language_name": transcript_view.language_name(record.language),
        "lang_param": record.language if "lang=" in href(1) else None,
        "downloads": transcript_view.downloads(episode.slug, record, show.language),
        "audio_src": template_helpers.audio_src(episode, start),
        "start": start,
        "episode_href": episode_path(episode.slug),
        "whole_href": href(1),
        "form_action": href(1).split("?", 1)[0],
        "search": None,
        "query": "",
    }
    private = admin is not None
    if q is not None:
        found = transcript_search.search(session, record, episode.slug, show.language, q)
        context |= {"search": found, "query": found.query, "canonical": settings.base_url + href(1)}
        return render(request, "transcript.html", context, private=private)
    plan = transcript_parts.plan_for(session, record)
    number = int(page) if page and page.isdigit() and 0 < int(page) <= plan.parts else None
    if page is not None and number is None:
        return not_found(request, show, admin, "page")
    number = number or (plan.part_at(start) if start is not None else 1)
    context |= {
        "part": number,
        "parts": [(n, href(n), plan.start_of(n)) for n in range(1, plan.parts + 1)],
        "part_count": plan.parts,
        "fragment": transcript_parts.part(session, record, plan, number, show.language),
        "canonical": settings.base_url + href(number),
    }
    return render(request, "transcript.html", context, private=private)


@get_and_head(router, "/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    show: ShowDep,
    clock: ClockDep,
    admin: OptionalAdmin,
    q: Annotated[str | None, Query()] = None,
    page: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """Public episodes only, even for producers: search shows what listeners find."""
    query = (q or "").strip()[:200]
    number = int(page) if page and page.isdigit() and 0 < int(page) <= 50 else 1
    results = search_view.search(session, show.id, query, clock.now(), number) if query else None
    context = {
        "show": show,
        "admin": admin,
        "query": query,
        "results": results,
        "page": number,
        "next_page": f"/search?{urlencode({'q': query, 'page': number + 1})}",
        "prev_page": f"/search?{urlencode({'q': query, 'page': number - 1})}",
    }
    return render(request, "search.html", context, private=admin is not None)
