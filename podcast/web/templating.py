"""The Jinja2 environment: autoescaped ``.html`` templates, filters and cache-busted statics."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from podcast.core import public_urls, timecodes

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
LONDON = ZoneInfo("Europe/London")


@cache
def _version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]


def static_url(name: str) -> str:
    """``/static/site.css?v=…``: the digest lets browsers cache statics for a year."""
    return f"/static/{name}?v={_version(name)}"


def uk_date(value: datetime | None) -> str:
    """``26 November 2026``, as the show's UK audience reads dates (Europe/London)."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y}"


def uk_datetime(value: datetime | None) -> str:
    """``26 November 2026, 07:00 GMT``: time zone named, as BST and GMT differ."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M %Z}"


def _make() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    env = templates.env
    # select_autoescape covers .html; force it anyway so a misnamed template cannot slip.
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.globals["static"] = static_url
    # Same-origin paths, shaped once in podcast.core.public_urls (as the feed's absolute URLs).
    env.globals["episode_path"] = public_urls.episode_path
    env.globals["enclosure_path"] = public_urls.enclosure_path
    env.filters["clock"] = timecodes.clock
    env.filters["duration"] = timecodes.duration
    env.filters["iso_duration"] = timecodes.iso_duration
    env.filters["fragment"] = timecodes.fragment_seconds
    env.filters["uk_date"] = uk_date
    env.filters["uk_datetime"] = uk_datetime
    return templates


templates = _make()
