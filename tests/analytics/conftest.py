"""Analytics tests replay traffic with past timestamps and count at chosen moments, so the app
does not run queued jobs itself here (``serve_jobs`` off), except in modules that set
``SERVE_JOBS = True`` to run the real queue and worker."""

from __future__ import annotations

import pytest

from podcast.core.settings import Settings


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    serve = getattr(request.module, "SERVE_JOBS", False)
    return settings.model_copy(update={"serve_jobs": serve})
