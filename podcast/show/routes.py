"""``/api/show``: the channel's metadata."""

from __future__ import annotations

from fastapi import APIRouter

from podcast.deps import ClockDep, ProducerDep, SettingsDep, ShowDep
from podcast.show.schemas import ShowRead, ShowUpdate
from podcast.show.service import show_read, update_show

router = APIRouter(prefix="/api/show", tags=["show"])


@router.get("")
def read_show(show: ShowDep, settings: SettingsDep) -> ShowRead:
    return show_read(show, settings)


@router.patch("")
def patch_show(
    changes: ShowUpdate,
    show: ShowDep,
    settings: SettingsDep,
    clock: ClockDep,
    _producer: ProducerDep,
) -> ShowRead:
    return show_read(update_show(show, changes, clock.now()), settings)
