"""schema.org ``PodcastEpisode`` JSON-LD, safe to place inside a ``<script>`` element."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from episodes.models import Episode
from episodes.urls import enclosure_url
from podcast.core.public_urls import PublicUrls
from podcast.core.timecodes import iso_duration
from podcast.shows.models import Show

# Inside <script> the HTML parser ends the element at "</script" whatever JSON thinks, and
# "<!--" changes how it scans: escape every "<", ">" and "&" as JSON unicode escapes.
_SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(data: Any) -> Markup:
    """JSON text that cannot close or confuse the ``<script>`` element holding it."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text.translate(_SCRIPT_SAFE))  # escaped just above


def podcast_episode(episode: Episode, show: Show, base_url: str) -> dict[str, Any]:
    urls = PublicUrls(base_url)
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "url": urls.episode_page(episode.slug),
        "inLanguage": show.language,
        "partOfSeries": {"@type": "PodcastSeries", "name": show.title, "url": urls.home()},
    }
    if episode.summary:
        data["description"] = episode.summary
    if episode.publish_at is not None:
        data["datePublished"] = episode.publish_at.isoformat()
    if episode.episode_number is not None:
        data["episodeNumber"] = episode.episode_number
    if episode.season is not None:
        data["partOfSeason"] = {"@type": "PodcastSeason", "seasonNumber": episode.season}
    audio = episode.audio
    if audio is not None:
        data["timeRequired"] = iso_duration(audio.duration)
        data["associatedMedia"] = {
            "@type": "MediaObject",
            "contentUrl": enclosure_url(urls, episode),
            "encodingFormat": audio.mime_type,
            "duration": iso_duration(audio.duration),
        }
    artwork = urls.image(episode.artwork_key or show.artwork_key)
    if artwork:
        data["image"] = artwork
    people = [p for p in episode.people if p.get("name")]
    if people:
        data["actor"] = [_person(p) for p in people]
    if episode.keywords:
        data["keywords"] = ", ".join(episode.keywords)
    return data


def _person(person: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"@type": "Person", "name": person["name"]}
    if person.get("role"):
        out["jobTitle"] = person["role"]
    if person.get("href"):
        out["url"] = person["href"]
    return out
