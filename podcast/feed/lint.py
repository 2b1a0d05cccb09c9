"""Checking the feed before Apple, Spotify and the Podcast Index do.

Rules and sources: docs/standards.md, "The feed document", "Channel tags" and "Item tags".
It reads the same :class:`FeedData` the builder uses, so what it reports is what the feed
says. Errors are what directories refuse; warnings are what listeners or apps miss.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, UnidentifiedImageError

from episodes.service import SOUNDBITE_SLACK
from podcast.core.emails import is_email, is_placeholder
from podcast.core.languages import is_channel_language
from podcast.core.podcast_namespace import DEFAULT_GROUP, DEFAULT_ROLE, PERSON_GROUPS, PERSON_ROLES
from podcast.core.public_urls import PublicUrls
from podcast.core.settings import Settings
from podcast.feed.builder import enclosure_url, item_description
from podcast.feed.data import FeedData, FeedItem, ShowData
from podcast.feed.xml_text import DESCRIPTION_LIMIT, fit_text_as_html, has_unsafe_characters
from podcast.media import Storage
from podcast.media.images import (
    ARTWORK_COLOUR_MODES,
    ARTWORK_MAX_SIDE,
    ARTWORK_MIN_SIDE,
    artwork_size_ok,
    extension_for,
)
from podcast.shows.categories import validate_category

LONG_TITLE = 100  # characters: apps cut titles in lists well before Apple's 255
# Apple lists an episode only for these enclosure types (docs/standards.md, "Enclosure").
APPLE_TYPES = frozenset(
    {"audio/mpeg", "audio/x-m4a", "audio/mp4", "video/mp4", "video/quicktime", "video/x-m4v"}
)
_URL_CHARS = re.compile(r"^[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+$")
# What `podcast init` and a first start put in until a producer changes it.
DEFAULT_OWNER_EMAIL = str(Settings.model_fields["show_owner_email"].default)
# Where in the producer area each show-level rule is fixed (rule prefix: path); an episode's
# findings are fixed on its edit page, /admin/episodes/{id}.
SHOW_FIXES = {
    "show-artwork": "/admin/show#artwork-heading",
    "show-title": "/admin/show#title",
    "show-owner-email": "/admin/show#owner_email",
    "show-category": "/admin/show#category",
    "show-language": "/admin/show#language",
    "show-description": "/admin/show#description",
    "show-old-host": "/admin/show#old-host-heading",
    "feed-empty": "/admin/episodes/new",
}
SOUNDBITE_MIN, SOUNDBITE_MAX = 15, 120  # seconds: the spec's recommended length
_NUMBER_IN_TITLE = re.compile(r"^\s*(ep(isode)?\.?\s*#?\d+|#\d+|s\d+\s*e\d+)\b", re.IGNORECASE)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class EpisodeRef:
    id: int
    slug: str
    title: str


@dataclass(frozen=True, slots=True)
class Finding:
    severity: Severity
    rule: str
    message: str
    episode: EpisodeRef | None = None

    @property
    def fix(self) -> str | None:
        """The producer-area path where this is fixed (None: a setting outside it)."""
        if self.episode is not None:
            return f"/admin/episodes/{self.episode.id}"
        for prefix, path in SHOW_FIXES.items():
            if self.rule.startswith(prefix):
                return path
        return None

    def as_dict(self) -> dict[str, Any]:
        ref = self.episode
        episode = None if ref is None else {"id": ref.id, "slug": ref.slug, "title": ref.title}
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "message": self.message,
            "episode": episode,
            "fix": self.fix,
        }


def lint(data: FeedData, storage: Storage, *, base_url: str) -> list[Finding]:
    """Every finding, errors first, channel before items, items in feed order."""
    findings = [*_show(data.show, storage, base_url), *_items(data, base_url)]
    return sorted(findings, key=lambda f: f.severity is not Severity.ERROR)


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)


def _error(rule: str, message: str, item: FeedItem | None = None) -> Finding:
    return Finding(Severity.ERROR, rule, message, _ref(item))


def _warning(rule: str, message: str, item: FeedItem | None = None) -> Finding:
    return Finding(Severity.WARNING, rule, message, _ref(item))


def _ref(item: FeedItem | None) -> EpisodeRef | None:
    return None if item is None else EpisodeRef(item.id, item.slug, item.title)


# --- the channel ------------------------------------------------------------------------------


def _show(show: ShowData, storage: Storage, base_url: str) -> list[Finding]:
    out: list[Finding] = []
    if not show.title.strip():
        out.append(_error("show-title", "The show has no title."))
    if not is_email(show.owner_email):
        out.append(
            _error(
                "show-owner-email",
                "The show needs an owner email (itunes:owner): Spotify and YouTube send their "
                "ownership codes there. Set owner_email with PATCH /api/show.",
            )
        )
    elif is_placeholder(show.owner_email, DEFAULT_OWNER_EMAIL):
        out.append(
            _warning(
                "show-owner-email-placeholder",
                f"The owner email {show.owner_email} is a placeholder: Spotify, YouTube and "
                "Apple send ownership codes and notices there. Use a shared mailbox the team "
                "reads.",
            )
        )
    try:
        validate_category(show.category, show.subcategory)
    except ValueError as exc:
        out.append(_error("show-category", f"{exc}."))
    if not is_channel_language(show.language):
        out.append(
            _error(
                "show-language",
                f"The show's language {show.language!r} is not a code such as 'en' or 'en-GB'.",
            )
        )
    if fit_text_as_html(show.description)[1]:
        out.append(
            _warning(
                "show-description-length",
                f"The show description is over {DESCRIPTION_LIMIT} bytes; the feed cuts it.",
            )
        )
    if not show.description.strip():
        out.append(_warning("show-description", "The show has no description."))
    if urlsplit(base_url).scheme != "https":
        out.append(
            _warning(
                "feed-https",
                f"PODCAST_BASE_URL is {base_url}: directories expect https:// URLs.",
            )
        )
    out.extend(_artwork(show, storage))
    if show.moved_from_url:
        out.append(_old_host(show.moved_from_url, PublicUrls(base_url).feed()))
    out.extend(_channel_namespace(show))
    return out


def _old_host(old_feed: str, feed_url: str) -> Finding:
    """Imported from another host (docs/imports.md): until the old feed sends its
    subscribers here, apps keep reading it and never see this one."""
    return _warning(
        "show-old-host",
        f"This show was imported from {old_feed}. To leave the old host: 1. there, set "
        f"itunes:new-feed-url to {feed_url}, or answer the old feed URL with a 301 redirect "
        "to it, and keep it for months (apps move when they next check); 2. from then on our "
        "enclosure URLs are used, so the old files may go later. When the old host "
        "redirects, say so in show settings to clear this.",
    )


# --- the rest of the channel (docs/standards.md, "Channel tags") ------------------------------


def _channel_namespace(show: ShowData) -> list[Finding]:
    """What the API cannot prevent: values stored before a rule existed, and combinations
    each valid alone that apps read as a contradiction."""
    out: list[Finding] = [*_people(show.people, None), *_namespace_urls(show)]
    if show.second_category:
        try:
            validate_category(show.second_category, show.second_subcategory)
        except ValueError as exc:
            out.append(_error("show-category-second", f"Second category: {exc}."))
    frequency = show.update_frequency or {}
    if frequency and bool(frequency.get("complete")) != show.complete:
        out.append(
            _warning(
                "show-update-frequency",
                "The update frequency says the show is "
                + ("complete" if frequency.get("complete") else "still running")
                + " but the show's complete setting says otherwise: apps read both.",
            )
        )
    if (
        show.license
        and not show.license.get("url")
        and not _SPDX_LIKE.match(str(show.license.get("name", "")))
    ):
        out.append(
            _warning(
                "show-license-url",
                f"The licence {show.license.get('name')!r} is not an SPDX identifier such as "
                "CC-BY-4.0: give the URL of its text too (podcast:license url).",
            )
        )
    if show.location and not (show.location.get("geo") or show.location.get("osm")):
        out.append(
            _warning(
                "show-location",
                "The location has only a name: add its geo: URI or OpenStreetMap id so apps "
                "can place it.",
            )
        )
    if any(r.get("feed_guid") == show.podcast_guid for r in show.podroll):
        out.append(_warning("show-podroll", "The podroll recommends this show itself."))
    if sum(1 for t in show.txt if t.get("purpose") == "applepodcastsverify") > 1:
        out.append(
            _warning(
                "show-txt-apple",
                "More than one podcast:txt with purpose applepodcastsverify: Apple reads one; "
                "keep only the current code.",
            )
        )
    out.extend(_platform_blocks(show))
    return out


# An SPDX licence identifier: letters, digits, dots, hyphens and plus signs, no spaces.
_SPDX_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")


def _platform_blocks(show: ShowData) -> list[Finding]:
    out: list[Finding] = []
    blocked = {b.get("service") for b in show.platform_blocks if b.get("block", True)}
    allowed = {b.get("service") for b in show.platform_blocks if not b.get("block", True)}
    if "apple" in blocked and not show.block:
        out.append(
            _warning(
                "show-block-apple",
                "podcast:block asks Apple not to list the show, but Apple Podcasts reads only "
                "itunes:block: set block (the whole show) or leave Apple out.",
            )
        )
    if allowed and not show.block:
        out.append(
            _warning(
                "show-block-allowed",
                "Platforms allowed by podcast:block ("
                + ", ".join(sorted(str(a) for a in allowed))
                + ") change nothing: the show is not blocked as a whole.",
            )
        )
    return out


def _people(people: Sequence[dict[str, Any]], item: FeedItem | None) -> list[Finding]:
    """People stored before roles and groups were checked (or imported) may be off the Podcast
    Taxonomy: apps then file them under no role at all."""
    out: list[Finding] = []
    for person in people:
        role = str(person.get("role") or DEFAULT_ROLE).lower()
        group = str(person.get("group") or DEFAULT_GROUP).lower()
        if role not in PERSON_ROLES or group not in PERSON_GROUPS:
            out.append(
                _warning(
                    "person-taxonomy",
                    f"{person.get('name')!r} has role {role!r} in group {group!r}, which the "
                    "Podcast Taxonomy does not list: choose a listed role and group.",
                    item,
                )
            )
    return out


def _namespace_urls(show: ShowData) -> list[Finding]:
    """http:// links in namespace tags (stored before the https rule): apps may refuse them."""
    urls = [f.get("url") for f in show.funding]
    urls += [p.get(k) for p in show.people for k in ("href", "img")]
    plain = sorted({u for u in urls if isinstance(u, str) and not u.startswith("https://")})
    if not plain:
        return []
    return [
        _warning(
            "show-namespace-https",
            "Podcasting 2.0 links should be https://: " + ", ".join(plain) + ".",
        )
    ]


def _artwork(show: ShowData, storage: Storage) -> list[Finding]:
    if show.artwork_key is None:
        return [
            _error(
                "show-artwork-missing",
                "The show has no artwork: upload a square JPEG or PNG of "
                f"{ARTWORK_MIN_SIDE}-{ARTWORK_MAX_SIDE} px "
                "in the producer area's show settings (/admin/show) or with "
                "PUT /api/show/artwork.",
            )
        ]
    try:
        fmt, (width, height), mode = _image_facts(storage.read_bytes(show.artwork_key))
    except (OSError, UnidentifiedImageError, ValueError):
        return [_error("show-artwork-format", f"The artwork file {show.artwork_key} is missing.")]
    out: list[Finding] = []
    extension = show.artwork_key.rsplit(".", 1)[-1]
    if extension_for(fmt) != extension:
        out.append(
            _error(
                "show-artwork-format",
                f"The artwork is {fmt} stored as .{extension}; it must be JPEG or PNG.",
            )
        )
    if not artwork_size_ok(width, height):
        low, high = ARTWORK_MIN_SIDE, ARTWORK_MAX_SIDE
        out.append(
            _error(
                "show-artwork-size",
                f"The artwork is {width}x{height} px; Apple wants a square between "
                f"{low}x{low} and {high}x{high}.",
            )
        )
    if mode not in ARTWORK_COLOUR_MODES:
        out.append(
            _error("show-artwork-colour", f"The artwork is in {mode} colour; Apple wants RGB.")
        )
    return out


def _image_facts(data: bytes) -> tuple[str, tuple[int, int], str]:
    with Image.open(io.BytesIO(data)) as img:
        return str(img.format), img.size, img.mode


# --- the items --------------------------------------------------------------------------------


def _items(data: FeedData, base_url: str) -> list[Finding]:
    out: list[Finding] = []
    guids = Counter(i.guid for i in data.items)
    public = PublicUrls(base_url)
    urls = Counter(enclosure_url(i, public) for i in data.items)
    if not data.items:
        out.append(_warning("feed-empty", "No published episode with audio: the feed is empty."))
    if not data.transcripts_ok:
        out.append(
            _error(
                "feed-transcripts",
                "Transcript links could not be read (see the log): the feed has none for now.",
            )
        )
    for item in data.items:
        out.extend(_item(item, data, base_url, guids, urls))
        out.extend(_people(item.people, item))
        out.extend(_item_namespace(item))
    out.extend(_duplicate_numbers(data.items))
    return out


def _duplicate_numbers(items: tuple[FeedItem, ...]) -> list[Finding]:
    """Two episodes with the same number in the same season (or both without a season):
    apps label and, for serial shows, order episodes by it, so one of them is wrong."""
    by_number: dict[tuple[int | None, int], list[FeedItem]] = {}
    for item in items:
        if item.episode_number is not None:
            by_number.setdefault((item.season, item.episode_number), []).append(item)
    out: list[Finding] = []
    for (season, number), same in by_number.items():
        if len(same) < 2:
            continue
        where = f"season {season}" if season is not None else "the show (no season)"
        for item in same:
            others = ", ".join(repr(o.title) for o in same if o is not item)
            out.append(
                _warning(
                    "item-episode-number-unique",
                    f"Episode number {number} in {where} is also used by {others}: apps "
                    "label and order episodes by it. Give each its own number.",
                    item,
                )
            )
    return out


def _item(
    item: FeedItem, data: FeedData, base_url: str, guids: Counter[str], urls: Counter[str]
) -> list[Finding]:
    out: list[Finding] = []
    title = item.title.strip()
    if not title:
        out.append(_error("item-title", "The episode has no title.", item))
    elif len(title) > LONG_TITLE:
        out.append(
            _warning(
                "item-title-length",
                f"The title is {len(title)} characters; apps cut it after about {LONG_TITLE}.",
                item,
            )
        )
    if _NUMBER_IN_TITLE.match(title):
        out.append(
            _warning(
                "item-title-number",
                "Apple asks for episode and season numbers in their fields, not in the title.",
                item,
            )
        )
    if any(has_unsafe_characters(t) for t in (item.title, item.summary, item.notes_html)):
        out.append(
            _warning(
                "item-control-characters",
                "The title, summary or notes contain control characters; the feed drops them.",
                item,
            )
        )
    if not item.guid.strip():
        out.append(_error("item-guid", "The episode has no guid.", item))
    elif guids[item.guid] > 1:
        out.append(
            _error("item-guid-unique", f"The guid {item.guid!r} is used by another item.", item)
        )
    out.extend(_enclosure(item, base_url, urls))
    if round(item.audio_duration) < 1:
        out.append(_error("item-duration", "The audio has no duration.", item))
    if item.publish_at > data.now:
        out.append(_error("item-pubdate", "The publication date is in the future.", item))
    if data.show.show_type == "serial" and item.episode_number is None:
        out.append(
            _error(
                "item-episode-number",
                "The show is serial: every episode needs an episode number.",
                item,
            )
        )
    description, _html, cut = item_description(item)
    if not description:
        out.append(_warning("item-description", "The episode has no notes or summary.", item))
    elif cut:
        out.append(
            _warning(
                "item-description-length",
                f"The show notes are over {DESCRIPTION_LIMIT} bytes; the feed's description "
                "is cut (content:encoded keeps them whole).",
                item,
            )
        )
    if data.transcripts_ok and not item.transcripts and item.unchecked_transcript:
        out.append(
            _warning(
                "item-transcript",
                "Its automatic transcript is not yet checked, so the feed does not list it: "
                "check it in the transcript editor (Apple generates its own meanwhile).",
                item,
            )
        )
    elif data.transcripts_ok and not item.transcripts:
        out.append(
            _warning(
                "item-transcript",
                "No transcript: Apple generates its own, other apps show none.",
                item,
            )
        )
    return out


def _enclosure(item: FeedItem, base_url: str, urls: Counter[str]) -> list[Finding]:
    out: list[Finding] = []
    url = enclosure_url(item, PublicUrls(base_url))
    if item.audio_size <= 0:
        out.append(_error("item-enclosure-length", "The audio's byte length is unknown.", item))
    if not item.audio_mime:
        out.append(_error("item-enclosure-type", "The audio has no MIME type.", item))
    elif item.audio_mime not in APPLE_TYPES:
        out.append(
            _warning(
                "item-enclosure-type",
                f"Apple Podcasts does not list {item.audio_mime} audio; upload MP3 or M4A.",
                item,
            )
        )
    if not _URL_CHARS.match(url):
        out.append(_error("item-enclosure-url", f"The audio URL {url!r} is not plain ASCII.", item))
    if urls[url] > 1:
        out.append(
            _error("item-enclosure-unique", f"Another item has the same audio URL {url}.", item)
        )
    return out


# --- Podcasting 2.0 item values ---------------------------------------------------------------


def _item_namespace(item: FeedItem) -> list[Finding]:
    """What the API cannot prevent: audio replaced after soundbites were set, values stored
    before a rule (or imported) that the feed leaves out, names without their numbers."""
    out = _soundbites(item)
    if item.season_name and item.season is None:
        out.append(
            _warning(
                "item-season-name",
                "The season has a name but no number: podcast:season needs the number, so "
                "the feed leaves the name out.",
                item,
            )
        )
    if item.episode_display and item.episode_number is None:
        out.append(
            _warning(
                "item-episode-display",
                "The episode has a display text but no episode number: podcast:episode needs "
                "the number, so the feed leaves the display text out.",
                item,
            )
        )
    licence = item.license or {}
    name = str(licence.get("name") or "")
    if name and not licence.get("url") and not _SPDX_LIKE.match(name):
        out.append(
            _warning(
                "item-license-url",
                f"The licence {name!r} is not an SPDX identifier (such as CC-BY-4.0): give "
                "the URL of its text.",
                item,
            )
        )
    insecure = [
        str(url)
        for url in (licence.get("url"), *(f.get("url") for f in item.funding))
        if url and not str(url).startswith("https://")
    ]
    if insecure:
        out.append(
            _warning(
                "item-namespace-https",
                f"{', '.join(insecure)}: Podcasting 2.0 tags need https:// URLs; the feed "
                "leaves these out.",
                item,
            )
        )
    return out


def _soundbites(item: FeedItem) -> list[Finding]:
    out: list[Finding] = []
    for number, bite in enumerate(item.soundbites, start=1):
        start, length = float(bite.get("start_time", 0)), float(bite.get("duration", 0))
        if start + length > item.audio_duration + SOUNDBITE_SLACK:
            out.append(
                _warning(
                    "item-soundbite-range",
                    f"Soundbite {number} ends at {start + length:g} s, after the end of the "
                    f"audio ({item.audio_duration:.1f} s): the audio was replaced by a "
                    "shorter file. Change the soundbite.",
                    item,
                )
            )
        elif not SOUNDBITE_MIN <= length <= SOUNDBITE_MAX:
            out.append(
                _warning(
                    "item-soundbite-length",
                    f"Soundbite {number} is {length:g} s long; the Podcasting 2.0 spec "
                    f"recommends {SOUNDBITE_MIN}-{SOUNDBITE_MAX} s.",
                    item,
                )
            )
    return out
