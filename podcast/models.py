"""Every table the service owns, gathered so Alembic compares the whole schema."""

from __future__ import annotations

from episodes import models as episode_models
from podcast.analytics import models as analytics_models
from podcast.core import jobs, tokens
from podcast.core.db import Base
from podcast.shows import models as show_models
from transcripts import models as transcript_models

metadata = Base.metadata

__all__ = [
    "analytics_models",
    "episode_models",
    "jobs",
    "metadata",
    "show_models",
    "tokens",
    "transcript_models",
]
