"""The feed check's findings (``podcast.feed.lint``) grouped for the admin page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from podcast.core.settings import Settings
from podcast.feed.data import load_feed_data
from podcast.feed.lint import Finding, Severity, lint
from podcast.media import Storage

# Show-level findings the producer area can fix: where (unless the finding names the place
# itself, ``Finding.fix``) and what the link says. Longer prefixes first.
_FIXES = {
    "show-artwork": ("/admin/show#artwork-heading", "Upload artwork in show settings"),
    "show-title": ("/admin/show#title", "Change the title in show settings"),
    "show-owner-email": ("/admin/show#owner_email", "Set the owner email in show settings"),
    "show-category-second": ("/admin/show#second_category", "Choose it in show settings"),
    "show-category": ("/admin/show#category", "Choose a category in show settings"),
    "show-language": ("/admin/show#language", "Set the language in show settings"),
    "show-description": ("/admin/show#description", "Edit the description in show settings"),
    "show-update-frequency": ("/admin/show#update_frequency_text", "Edit it in show settings"),
    "show-license": ("/admin/show#license_url", "Add the licence link in show settings"),
    "show-location": ("/admin/show#location_geo", "Add it in show settings"),
    "show-podroll": ("/admin/show#podroll", "Edit recommended shows in show settings"),
    "show-txt": ("/admin/show#apple_verify", "Edit the code in show settings"),
    "show-block": ("/admin/show#blocked_platforms", "Edit blocked platforms in show settings"),
    "show-old-host": ("/admin/show", "Leaving the old host, in show settings"),
    "feed-empty": ("/admin", "Add an episode"),
}


def fix_link(finding: Finding) -> tuple[str, str] | None:
    """Where a show-level finding is fixed in the producer area (``href``, link text);
    an episode's findings link to the episode itself."""
    if finding.episode is not None:
        return None
    for prefix, (href, text) in _FIXES.items():
        if finding.rule.startswith(prefix):
            return finding.fix or href, text
    if finding.fix is not None:
        return finding.fix, "Fix it in the producer area"
    return None


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
