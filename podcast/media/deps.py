"""The request's storage, from ``app.state`` (built in ``create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from podcast.media.storage import Storage


def get_storage(request: Request) -> Storage:
    return request.app.state.storage


StorageDep = Annotated[Storage, Depends(get_storage)]
