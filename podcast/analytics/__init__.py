"""Listener analytics: downloads counted by the IAB v2.2 rules, with no personal data kept
(docs/analytics.md, docs/privacy.md). Shell layer: it reads episodes and is wired by the app."""

from __future__ import annotations

from urllib.parse import urlsplit

from podcast.analytics.agents import AgentList, agents_dir
from podcast.analytics.recorder import RequestRecorder
from podcast.core.clock import Clock
from podcast.core.db import Sessions
from podcast.core.settings import Settings


def open_recorder(settings: Settings, sessions: Sessions, clock: Clock) -> RequestRecorder | None:
    """The recorder the media routes report to, or None when analytics are off."""
    if not settings.analytics:
        return None
    agents = AgentList(agents_dir(settings.data_dir))
    settle = settings.analytics_settle_seconds
    return RequestRecorder(
        sessions,
        agents,
        urlsplit(settings.base_url).hostname or "",
        flush_seconds=min(1.0, settle / 3),  # well inside the settle time, however short
        settle_seconds=settle,
        clock=clock,
    )
