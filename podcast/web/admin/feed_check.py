"""The feed check's findings (``podcast.feed.lint``) grouped for the admin page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from podcast.core.settings import Settings
from podcast.feed.data import load_feed_data
from podcast.feed.lint import Finding, Severity, lint
from podcast.media import Storage

# What the link to a show-level finding's fix says (where: ``Finding.fix``).
_FIX_TEXT = {
    "show-artwork": "Upload artwork in show settings",
    "show-title": "Change the title in show settings",
    "show-owner-email": "Set the owner email in show settings",
    "show-category": "Choose a category in show settings",
    "show-language": "Set the language in show settings",
    "show-description": "Edit the description in show settings",
    "show-old-host": "Leaving the old host, in show settings",
    "feed-empty": "Add an episode",
}


def fix_link(finding: Finding) -> tuple[str, str] | None:
    """Where a show-level finding is fixed in the producer area (``href``, link text);
    an episode's findings link to the episode itself."""
    if finding.fix is None or finding.episode is not None:
        return None
    for prefix, text in _FIX_TEXT.items():
        if finding.rule.startswith(prefix):
            return finding.fix, text
    return finding.fix, "Fix it in the producer area"


@dataclass
class Report:
    episodes: int
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)


def run(session: Session, settings: Settings, storage: Storage, now: datetime) -> Report:
    """The same check as ``GET /api/feed/check``, on the feed as it would be built now."""
    data = load_feed_data(session, settings, now)
    findings = lint(data, storage, base_url=settings.base_url)
    return Report(
        episodes=len(data.items),
        errors=[f for f in findings if f.severity is Severity.ERROR],
        warnings=[f for f in findings if f.severity is not Severity.ERROR],
    )
