"""``/api/episodes``: thin HTTP wrappers around ``episodes.service``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.params import Depends

from episodes import repository, service
from episodes.models import Episode, Status
from episodes.schemas import EpisodeCreate, EpisodePage, EpisodeRead, EpisodeUpdate, PublishRequest
from podcast.deps import ClockDep, OptionalProducer, ProducerDep, SessionDep, SettingsDep, ShowDep
from podcast.errors import Unauthorized
from podcast.json_body import require_json
from podcast.settings import Settings

router = APIRouter(prefix="/api/episodes", tags=["episodes"])
JsonOnly = [Depends(require_json)]


def to_read(episode: Episode, settings: Settings, now: datetime) -> EpisodeRead:
    return EpisodeRead(
        id=episode.id,
        guid=episode.guid,
        slug=episode.slug,
        title=episode.title,
        author=episode.author,
        summary=episode.summary,
        show_notes=episode.show_notes,
        show_notes_format=episode.show_notes_format,
        show_notes_html=episode.show_notes_html,
        status=episode.status_at(now),
        publish_at=episode.publish_at,
        season=episode.season,
        episode_number=episode.episode_number,
        episode_type=episode.episode_type,
        explicit=episode.explicit,
        people=episode.people,  # type: ignore[arg-type]
        keywords=episode.keywords,
        url=f"{settings.base_url}/episodes/{episode.slug}",
        created_at=episode.created_at,
        updated_at=episode.updated_at,
    )


@router.get("")
def list_episodes(
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducer,
    page: Annotated[int, Query(ge=1)] = 1,
    per_page: Annotated[int, Query(ge=1, le=100)] = 20,
    status_filter: Annotated[Status | None, Query(alias="status")] = None,
) -> EpisodePage:
    """Newest first. The public sees published episodes only; producers may filter by status."""
    now = clock.now()
    if producer is None:
        if status_filter not in (None, Status.PUBLISHED):
            raise Unauthorized("filtering by status needs a producer token")
        where = repository.visible(now)
    else:
        where = repository.status_is(status_filter, now) if status_filter else None
    rows, total = repository.page(
        session, show.id, where=where, offset=(page - 1) * per_page, limit=per_page
    )
    return EpisodePage(
        items=[to_read(e, settings, now) for e in rows], total=total, page=page, per_page=per_page
    )


@router.post("", status_code=status.HTTP_201_CREATED, dependencies=JsonOnly)
def create_episode(
    data: EpisodeCreate,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
    _producer: ProducerDep,
) -> EpisodeRead:
    episode = service.create_episode(session, show, data, clock.now())
    read = to_read(episode, settings, clock.now())
    response.headers["Location"] = f"/api/episodes/{episode.id}"
    return read


@router.get("/{episode_id}")
def read_episode(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    producer: OptionalProducer,
) -> EpisodeRead:
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer is not None)
    return to_read(episode, settings, now)


@router.patch("/{episode_id}", dependencies=JsonOnly)
def patch_episode(
    episode_id: int,
    data: EpisodeUpdate,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> EpisodeRead:
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer=True)
    service.update_episode(session, episode, data, now)
    return to_read(episode, settings, now)


@router.delete("/{episode_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_episode(
    episode_id: int, session: SessionDep, show: ShowDep, clock: ClockDep, _producer: ProducerDep
) -> None:
    episode = service.get_for(session, show, episode_id, clock.now(), producer=True)
    service.delete_episode(session, episode)


@router.post("/{episode_id}/publish")
def publish_episode(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
    data: PublishRequest | None = None,
) -> EpisodeRead:
    """Publish now, or at ``at``; a future time schedules it (status ``scheduled``)."""
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer=True)
    service.publish(episode, data.at if data else None, now)
    return to_read(episode, settings, now)


@router.post("/{episode_id}/unpublish")
def unpublish_episode(
    episode_id: int,
    session: SessionDep,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> EpisodeRead:
    """Back to draft: gone from the public API and the feed."""
    now = clock.now()
    episode = service.get_for(session, show, episode_id, now, producer=True)
    service.unpublish(episode, now)
    return to_read(episode, settings, now)
