"""Creating, reading and changing the show."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from podcast.core.errors import Invalid, NotFound
from podcast.core.schemas import patched_fields
from podcast.core.settings import Settings
from podcast.shows.categories import is_valid, validate_category
from podcast.shows.guid import guid_for_feed_url
from podcast.shows.models import Show
from podcast.shows.schemas import ShowRead, ShowUpdate


def ensure_default_show(session: Session, settings: Settings, now: datetime) -> Show:
    """The installation's default show, created from the settings the first time.

    Several replicas may start together: the unique slug decides, and losers read the winner's.
    """
    show = session.scalar(select(Show).where(Show.slug == settings.show_slug))
    if show is not None:
        return show
    validate_category(settings.show_category, settings.show_subcategory)
    show = Show(
        slug=settings.show_slug,
        title=settings.show_title,
        description=settings.show_description,
        author=settings.show_author,
        owner_name=settings.show_owner_name,
        owner_email=str(settings.show_owner_email),
        language=settings.show_language,
        category=settings.show_category,
        subcategory=settings.show_subcategory,
        explicit=False,
        show_type="episodic",
        link=settings.public_urls.home(),
        podcast_guid=guid_for_feed_url(settings.feed_url),
        locked=True,
        funding=[],
        people=[],
        block=False,
        complete=False,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(show)
    except IntegrityError:
        show = session.scalars(select(Show).where(Show.slug == settings.show_slug)).one()
    return show


def require_show_slug(settings: Settings, slug: str | None) -> None:
    """Refuse a show other than this installation's (``field="show"``); None means that one.

    An installation serves one show, its slug ``PODCAST_SHOW_SLUG``, created on first start:
    every page, the feed and the media URLs look it up by that slug, so a show made under
    another slug would be served nowhere.
    """
    if slug is None or slug == settings.show_slug:
        return
    raise Invalid(
        f"this installation's show is {settings.show_slug!r}, not {slug!r}; an installation "
        f"serves one show: to bring {slug!r} here, start a new installation with "
        f"PODCAST_SHOW_SLUG={slug}",
        field="show",
    )


# Built once, the slug bound at execution: every page and feed build reads the show, and
# constructing the statement and its cache key each time cost half of the read.
_SHOW_BY_SLUG = select(Show).where(Show.slug == bindparam("slug"))


def get_default_show(session: Session, settings: Settings) -> Show:
    show = session.scalar(_SHOW_BY_SLUG, {"slug": settings.show_slug})
    if show is None:
        raise NotFound(f"the show {settings.show_slug!r} does not exist: run 'podcast init'")
    return show


def show_read(show: Show, settings: Settings) -> ShowRead:
    data: dict[str, Any] = {c.key: getattr(show, c.key) for c in Show.__table__.columns}
    data["feed_url"] = settings.feed_url
    data["artwork_url"] = settings.public_urls.image(show.artwork_key)
    return ShowRead.model_validate(data)


def update_show(show: Show, changes: ShowUpdate, now: datetime) -> Show:
    fields = patched_fields(changes)  # nulls only where allowed
    category = fields.get("category", show.category)
    subcategory = fields.get("subcategory", show.subcategory)
    if "subcategory" not in fields and not is_valid(category, subcategory):
        # A new category makes the old subcategory meaningless: drop it rather than refuse.
        subcategory = fields["subcategory"] = None
    try:
        validate_category(category, subcategory)
    except ValueError as exc:
        field = "category" if not is_valid(category) else "subcategory"
        raise Invalid(str(exc), field=field) from exc
    _check_second_category(show, fields, (category, subcategory))
    for name, value in fields.items():
        setattr(show, name, value)
    show.updated_at = now
    return show


def _check_second_category(
    show: Show, fields: dict[str, Any], first: tuple[str, str | None]
) -> None:
    """Apple reads up to two category pairs: the second follows the first's rules, must
    differ from it, and goes (with its subcategory) when its category is cleared."""
    second = fields.get("second_category", show.second_category)
    sub = fields.get("second_subcategory", show.second_subcategory)
    if second is None:
        if sub is not None and "second_subcategory" in fields:
            raise Invalid("needs a second_category", field="second_subcategory")
        if show.second_subcategory is not None or "second_category" in fields:
            fields["second_subcategory"] = None
        return
    if "second_subcategory" not in fields and not is_valid(second, sub):
        sub = fields["second_subcategory"] = None
    try:
        validate_category(second, sub)
    except ValueError as exc:
        field = "second_category" if not is_valid(second) else "second_subcategory"
        raise Invalid(str(exc), field=field) from exc
    if (second, sub) == first:
        raise Invalid("is the same as the first category", field="second_category")
