"""The show a request is about (today the one default show)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from podcast.core.deps import SessionDep, SettingsDep
from podcast.shows.models import Show
from podcast.shows.service import get_default_show


def get_show(session: SessionDep, settings: SettingsDep) -> Show:
    return get_default_show(session, settings)


ShowDep = Annotated[Show, Depends(get_show)]
