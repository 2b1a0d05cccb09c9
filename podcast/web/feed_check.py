"""The feed check's findings for the admin page (``podcast.feed.lint``, when it is present)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from podcast.settings import Settings
from podcast.show.models import Show


@dataclass(frozen=True)
class Finding:
    level: str  # "error", "warning" or "info"
    message: str
    where: str | None = None


@dataclass
class Report:
    available: bool
    findings: list[Finding] = field(default_factory=list)


def run(session: Session, show: Show, settings: Settings) -> Report:
    return Report(available=False)
