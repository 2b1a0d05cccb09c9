"""What producers do to episodes: create, change, publish, schedule, delete.

Plain functions over a session; they raise ``podcast.core.errors`` and know nothing else of HTTP.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, object_session

from episodes import repository, slug_history, visibility
from episodes.events import went_public
from episodes.models import Episode, NotesFormat, Status
from episodes.notes import render_notes
from episodes.schemas import EpisodeCreate, EpisodeUpdate
from episodes.slugs import slugify, unique_slug
from podcast.core.errors import Conflict, Invalid
from podcast.core.schemas import patched_fields
from podcast.media import Storage
from podcast.media.artwork import check_artwork, remove_artwork, replace_artwork
from podcast.media.images import Picture
from podcast.media.store import release_after_commit
from podcast.shows.models import Show

_SLUG_ATTEMPTS = 5
# Durations are read from the file and rounded differently by apps: a soundbite may end this
# much past the measured end without being refused.
SOUNDBITE_SLACK = 0.5
_NOT_NULL = {
    "title",
    "summary",
    "show_notes",
    "show_notes_format",
    "episode_type",
    "explicit",
    "block",
}
_LISTS = {"people", "keywords", "soundbites", "funding"}


class GuidTaken(Conflict):
    """Another writer created an episode with this GUID between the caller's look-up and its
    insert (two imports of one feed at once); the caller looks it up again."""


def create_episode(
    session: Session,
    show: Show,
    data: EpisodeCreate,
    now: datetime,
    *,
    guid: str | None = None,
    guid_is_permalink: bool = False,
) -> Episode:
    """A new draft. Its guid is made here once (or kept from the host a show moved from, with
    its ``isPermaLink``) and never changes afterwards."""
    fields = data.model_dump(exclude_none=True, mode="json")
    explicit_slug = fields.pop("slug", None)
    episode = Episode(
        show_id=show.id,
        guid=guid or str(uuid.uuid4()),
        guid_is_permalink=bool(guid) and guid_is_permalink,
        status=Status.DRAFT,
        summary="",
        show_notes="",
        show_notes_format=NotesFormat.HTML,
        explicit=False,
        people=[],
        keywords=[],
        soundbites=[],
        funding=[],
        block=False,
        created_at=now,
        updated_at=now,
    )
    _apply(episode, fields)
    if explicit_slug is not None:
        _check_free(session, show.id, explicit_slug, None)
        episode.slug = explicit_slug
        session.add(episode)
        session.flush()
        return episode
    base = slugify(episode.title)
    for _ in range(_SLUG_ATTEMPTS):
        taken = repository.slugs_starting_with(session, show.id, base)
        episode.slug = unique_slug(base, taken | slug_history.starting_with(session, show.id, base))
        try:
            with session.begin_nested():
                session.add(episode)
            return episode
        except IntegrityError:
            if guid is not None and repository.get_by_guid(session, guid) is not None:
                raise GuidTaken("an episode with this GUID already exists", field="guid") from None
            continue  # another request took this slug between our read and our insert
    raise Conflict("could not find a free slug for this title; give one explicitly")


def update_episode(session: Session, episode: Episode, data: EpisodeUpdate, now: datetime) -> None:
    fields = patched_fields(data)
    for name in _NOT_NULL & fields.keys():
        if fields[name] is None:
            raise Invalid("cannot be empty", field=name)
    for name in _LISTS & fields.keys():
        if fields[name] is None:
            fields[name] = []
    if episode.audio is not None and fields.get("soundbites"):
        check_soundbites(fields["soundbites"], episode.audio.duration)
    slug = fields.pop("slug", None)
    if slug is not None and slug != episode.slug:
        if not slug_can_change(episode):
            raise Conflict(_slug_locked(episode, now), field="slug")
        _check_free(session, episode.show_id, slug, episode.id)
        episode.slug = slug
    _apply(episode, fields)
    episode.updated_at = now
    session.flush()


def check_soundbites(soundbites: list[dict[str, Any]], audio_duration: float) -> None:
    """Each soundbite must end within the audio: an app would play silence or nothing.

    Checked when soundbites are written to an episode with audio; audio replaced later by a
    shorter file is not refused for them: ``podcast check`` reports it instead.
    """
    for number, bite in enumerate(soundbites, start=1):
        end = float(bite["start_time"]) + float(bite["duration"])
        if end > audio_duration + SOUNDBITE_SLACK:
            raise Invalid(
                f"soundbite {number} ends at {end:g} s, after the end of the audio "
                f"({audio_duration:.1f} s)",
                field="soundbites",
            )


def _slug_locked(episode: Episode, now: datetime) -> str:
    """Why a published or scheduled slug stays, and how to change it anyway without the
    episode moving: unpublishing forgets its date, and publishing again without ``at`` dates
    it now, above newer episodes in the feed."""
    when = episode.publish_at
    if when is None:  # published without a time: not public, nothing to keep
        again = ""
    else:
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        at = when.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if when > now:
            again = f' with {{"at": "{at}"}} to keep its schedule'
        else:
            again = (
                f' with {{"at": "{at}", "backdated": true}} to keep its date '
                "and its place in the feed (without them it is dated now, above newer episodes)"
            )
    return (
        "cannot change once the episode is published (or scheduled): its page, audio, chapters "
        "and transcript links use it, and apps and shared posts keep them. If it must change: "
        f"POST /api/episodes/{episode.id}/unpublish, change the slug, then POST "
        f"/api/episodes/{episode.id}/publish{again}; old links then redirect to the new slug"
    )


def slug_can_change(episode: Episode) -> bool:
    """Only a draft's: once published (or scheduled) its links are out in apps, feeds and
    shared posts. The admin shows the slug field on this rule; the API refuses on it."""
    return episode.status is Status.DRAFT


def _check_free(session: Session, show_id: int, slug: str, episode_id: int | None) -> None:
    """Refuse a slug another episode has now, or was published under (its old links
    redirect to it for ever: ``episodes.slug_history``)."""
    if repository.get_by_slug(session, show_id, slug) is not None:
        raise Conflict(f"{slug!r} is already used by another episode", field="slug")
    owner = slug_history.owner(session, show_id, slug)
    if owner is not None and owner != episode_id:
        raise Conflict(
            f"{slug!r} was the address of episode {owner}, and its old links still lead there",
            field="slug",
        )


def _apply(episode: Episode, fields: dict[str, Any]) -> None:
    notes_changed = "show_notes" in fields or "show_notes_format" in fields
    if "keywords" in fields:
        fields["keywords"] = list(dict.fromkeys(fields["keywords"]))
    for name, value in fields.items():
        if name == "show_notes_format":
            value = NotesFormat(value)
        setattr(episode, name, value)
    if notes_changed:
        episode.show_notes_html = render_notes(episode.show_notes, episode.show_notes_format)
    elif episode.show_notes_html is None:
        episode.show_notes_html = ""


def check_episode_artwork(data: bytes) -> Picture:
    """The picture, if Apple would take it as episode art (the show's rules); else 415/422."""
    return check_artwork(data, "episode artwork")


def replace_episode_artwork(
    session: Session,
    storage: Storage,
    episode: Episode,
    picture: Picture,
    now: datetime,
    *,
    source_url: str | None = None,
) -> None:
    """Store the picture as the episode's artwork; the file it replaces is released after
    commit. ``source_url``: the old host's URL an import took it from (else None)."""
    replace_artwork(session, storage, episode, picture, now, source_url=source_url)


def remove_episode_artwork(
    session: Session, storage: Storage, episode: Episode, now: datetime
) -> None:
    """No artwork of its own: the feed and the page show the show's. The file goes after
    commit unless something else uses it."""
    remove_artwork(session, storage, episode, now)


# A time this close to now is "now" (a client's clock, a form filled in a minute ago), not a
# back-date that needs confirming.
BACKDATE_GRACE = timedelta(minutes=15)


class BackdateUnconfirmed(Invalid):
    """A past publish time without the caller's confirmation that back-dating is meant: the
    episode would appear below newer ones, and apps that already fetched the feed may never
    show it. Each surface says how to confirm (API, CLI, admin)."""


def publish(
    episode: Episode, at: datetime | None, now: datetime, *, backdate: bool = False
) -> None:
    """Publish now, back-date, or schedule: a future ``at`` keeps it hidden until then.

    A past ``at`` (beyond :data:`BACKDATE_GRACE`) needs ``backdate``, else
    :class:`BackdateUnconfirmed`. Without ``at``, an episode already public keeps its date
    (publishing twice must not re-date it to now); a draft or a scheduled one goes public now.
    Listeners of ``episodes.events`` hear that it goes public at that time (in its session's
    unit of work), each time: a reschedule or a second publish tells them again.
    """
    if episode.audio is None:
        raise Conflict(
            "upload the audio before publishing: PUT /api/episodes/"
            f"{episode.id}/audio with the file as the body"
        )
    if at is not None and at < now - BACKDATE_GRACE and not backdate and at != episode.publish_at:
        raise BackdateUnconfirmed(
            f"{at.isoformat()} is in the past: publishing at that date puts the episode below "
            'newer ones; send "backdated": true to confirm back-dating',
            field="at",
        )
    if at is None and visibility.is_public(episode, now):
        at = episode.publish_at
    episode.status = Status.PUBLISHED
    episode.publish_at = at or now
    episode.updated_at = now
    session = object_session(episode)
    if session is not None:  # always, for an episode read from the database
        if episode.id is None:
            session.flush()
        slug_history.remember(session, episode, now)
        went_public(session, episode.id, episode.publish_at)


def unpublish(episode: Episode, now: datetime) -> None:
    episode.status = Status.DRAFT
    episode.publish_at = None
    episode.updated_at = now


def delete_episode(session: Session, storage: Storage, episode: Episode, now: datetime) -> None:
    """Delete the episode; once that is committed, the files nothing else uses go too.

    The show's ``updated_at`` moves too: a deleted row leaves no trace of its own, and the
    feed's ``Last-Modified`` must still change for apps that only send ``If-Modified-Since``.
    """
    show = session.get(Show, episode.show_id)
    if show is not None:
        show.updated_at = now
    keys: set[str | None] = {c.image_key for c in episode.chapters}
    keys |= {episode.artwork_key, episode.audio.key if episode.audio else None}
    session.delete(episode)
    session.flush()
    release_after_commit(session, storage, keys)


def get_for(
    session: Session, show: Show, episode_id: int, now: datetime, producer: bool
) -> Episode:
    """The episode, if the caller may see it; the public gets 404 for drafts and the future."""
    episode = repository.get(session, show.id, episode_id)
    return visibility.visible_or_404(
        episode, now, producer=producer, missing=f"episode {episode_id} does not exist"
    )
