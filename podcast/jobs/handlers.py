"""Which job kinds this installation runs: one list for ``podcast serve`` and ``podcast worker``.

Domains define handlers (``(ctx, payload) -> dict | None``); they are registered here, in the
shell, so the web process and every worker know the same kinds. ``PODCAST_JOB_HANDLERS``
(``module:function``, called with the settings, returning ``{kind: handler}``) adds kinds from
outside the package: an extension point, and how the tests give real workers their handlers.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

from podcast.analytics import job as analytics_job
from podcast.core.clock import Clock
from podcast.core.db import Sessions
from podcast.core.jobs import Handler, JobKind, JobRegistry, registry
from podcast.core.settings import Settings
from podcast.feed import announce_job
from podcast.imports import job as import_job
from transcripts.asr import job as transcribe_job
from transcripts.asr.model import asr_status

Handlers = Mapping[str, Handler | JobKind]


def default_handlers(settings: Settings, sessions: Sessions, clock: Clock) -> JobRegistry:
    """Every job kind this installation handles; ``sessions`` are the app's writers."""
    handlers: JobRegistry = {}
    if announce_job.wanted(settings):
        handler = announce_job.announce_handler_for(settings, sessions, clock)
        handlers[announce_job.KIND] = JobKind(handler, backoff_seconds=30.0)
    if settings.analytics:
        handlers[analytics_job.KIND] = JobKind(
            analytics_job.count_handler(sessions, clock, settings.analytics_settle_seconds),
            backoff_seconds=60.0,
        )
    handlers[import_job.KIND] = JobKind(
        import_job.import_handler_for(settings, sessions, clock),
        backoff_seconds=import_job.BACKOFF_SECONDS,
    )
    if asr_status(settings).available:
        transcribe = transcribe_job.transcribe_handler_for(settings, sessions, clock)
        handlers[transcribe_job.KIND] = JobKind(
            transcribe, backoff_seconds=transcribe_job.BACKOFF_SECONDS
        )
    if settings.job_handlers:
        handlers.update(registry(load_extra(settings.job_handlers)(settings)))
    return handlers


def load_extra(path: str) -> Callable[[Settings], Handlers]:
    module_name, _, name = path.partition(":")
    if not module_name or not name:
        raise ValueError(f"PODCAST_JOB_HANDLERS={path!r}: expected 'module:function'")
    found: Any = getattr(importlib.import_module(module_name), name)
    if not callable(found):
        raise ValueError(f"PODCAST_JOB_HANDLERS={path!r} is not a function")
    return found
