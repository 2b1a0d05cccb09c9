"""From an old host's values to ours: each field validated by the same schemas as the API, and
every value that cannot be kept named in the report instead of failing the import."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from episodes.chapters import AudioChapter
from episodes.schemas import EpisodeCreate
from episodes.service import SOUNDBITE_SLACK as SLACK
from podcast.core.podcast_namespace import (
    PERSON_GROUPS,
    PERSON_ROLES,
    Location,
    country_problem,
    rel_problem,
)
from podcast.core.schemas import patched_fields
from podcast.imports.source import ChapterMark, Person, SourceEpisode, SourceShow
from podcast.shows.categories import is_valid
from podcast.shows.schemas import ShowUpdate

MAX_TITLE = 255
MAX_SUMMARY = 4000
MAX_DESCRIPTION = 4000


def _people(people: Sequence[Person], notes: list[str]) -> list[dict[str, Any]]:
    """People as the API takes them; a role or group outside the Podcast Taxonomy (the API
    refuses it) is left out with a note, so the person keeps the default (host, cast)."""
    out = []
    for p in people:
        person: dict[str, Any] = {"name": p.name}
        for name, value, allowed in (
            ("role", p.role, PERSON_ROLES),
            ("group", p.group, PERSON_GROUPS),
        ):
            if not value:
                continue
            if value.strip().lower() in allowed:
                person[name] = value
            else:
                notes.append(f"{p.name}'s {name} {_short(value)} left out: not in the taxonomy")
        for name, url in (("href", p.href), ("img", p.img)):
            if url and url.startswith("https://"):
                person[name] = url
            elif url:
                notes.append(f"{p.name}'s {name} {_short(url)} left out: not an https:// URL")
        out.append(person)
    return out


_BLOCK_END = re.compile(r"</(p|div|li|h[1-6])>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


def plain_text(markup: str) -> str:
    """Text for a plain-text field from HTML: paragraphs kept as blank lines, tags dropped."""
    text = _BLOCK_END.sub("\n\n", markup)
    text = html.unescape(_TAG.sub("", text))
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def validated(model: type[BaseModel], values: dict[str, Any], notes: list[str]) -> dict[str, Any]:
    """``values`` with every field ``model`` refuses left out, and a note for each."""
    values = dict(values)
    for _ in range(len(values) + 1):
        try:
            model.model_validate(values)
            return values
        except ValidationError as exc:
            bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            if not bad & values.keys():
                raise
            for name in sorted(bad & values.keys()):
                message = next(e["msg"] for e in exc.errors() if e["loc"] and e["loc"][0] == name)
                notes.append(f"{name} {_short(values.pop(name))} left out: {message}")
    return values


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def episode_values(source: SourceEpisode, notes: list[str]) -> dict[str, Any]:
    """The fields of an :class:`EpisodeCreate` for ``source``."""
    title = source.title or (source.enclosure.url.rsplit("/", 1)[-1] if source.enclosure else "")
    if not title:
        title = f"Episode {source.position}"
        notes.append(f"no title: called {title!r}")
    if len(title) > MAX_TITLE:
        notes.append(f"title shortened to {MAX_TITLE} characters")
        title = title[: MAX_TITLE - 1] + "…"
    values: dict[str, Any] = {"title": title}
    if source.description_html:
        values["show_notes"] = source.description_html
        values["show_notes_format"] = "html"  # sanitised when rendered (episodes.notes)
    summary = source.summary or (plain_text(source.description_html) or None)
    if summary:
        if len(summary) > MAX_SUMMARY:
            summary = summary[: MAX_SUMMARY - 1] + "…"
        values["summary"] = summary
    for name, value in (
        ("season", source.season),
        ("episode_number", source.number),
        ("episode_type", source.episode_type),
        ("explicit", source.explicit),
    ):
        if value is not None:
            values[name] = value
    if source.people:
        values["people"] = _people(source.people, notes)
    if source.keywords:
        values["keywords"] = list(source.keywords)
    values.update(_namespace_values(source, notes))
    for name in ("season", "episode_number") if source.season == 0 else ():
        values.pop(name, None)
    return validated(EpisodeCreate, values, notes)


def _namespace_values(source: SourceEpisode, notes: list[str]) -> dict[str, Any]:
    """The item's location, licence, soundbites and funding links, as the API takes them.

    Namespace URLs must be https: an http licence URL or funding link is left out (with a
    note) rather than the whole value; a soundbite past the item's duration is left out too.
    """
    values: dict[str, Any] = {}
    if source.location is not None:
        values["location"] = _location(source.location, notes)
    if source.license is not None:
        url = source.license.url
        if url and not url.startswith("https://"):
            notes.append(f"licence URL {_short(url)} left out: not https")
            url = None
        values["license"] = _present(name=source.license.name, url=url)
    bites = []
    for bite in source.soundbites:
        if source.duration is not None and bite.start + bite.duration > source.duration + SLACK:
            notes.append(f"soundbite at {bite.start:g} s left out: it ends after the audio")
            continue
        bites.append(_present(start_time=bite.start, duration=bite.duration, title=bite.title))
    if bites:
        values["soundbites"] = bites
    funding = []
    for link in source.funding:
        if not link.url.startswith("https://"):
            notes.append(f"funding link {_short(link.url)} left out: not https")
            continue
        funding.append({"url": link.url, "text": link.text[:128]})
    if funding:
        values["funding"] = funding
    return values


def _location(location: Location, notes: list[str]) -> dict[str, Any]:
    """A ``podcast:location`` as the API takes it. ``rel`` and ``country`` are matched in any
    case (``gb`` is GB); one the API would refuse is left out with a note rather than the
    whole location, whose name, geo and osm stay."""
    kept = {
        "rel": location.rel.lower() if location.rel else None,
        "country": location.country.upper() if location.country else None,
    }
    for name, problem in (("rel", rel_problem), ("country", country_problem)):
        value = kept[name]
        message = problem(value) if value is not None else None
        if message:
            notes.append(f"location {name} {_short(getattr(location, name))} left out: {message}")
            kept[name] = None
    return _present(name=location.name, geo=location.geo, osm=location.osm, **kept)


def _present(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def changed_fields(
    model: type[BaseModel], current: object, values: dict[str, Any]
) -> dict[str, Any]:
    """The entries of ``values`` that would change what ``current`` (a show or an episode)
    holds, compared as the service stores them through ``model``: validated and normalised
    (a language's case, a person's default role and group), enums as their stored strings."""
    stored = patched_fields(model.model_validate(values))
    return {k: values[k] for k, v in stored.items() if _stored(getattr(current, k)) != v}


def _stored(value: Any) -> Any:
    """A column's value as the JSON the service wrote: enums as their strings."""
    return getattr(value, "value", value)


def show_values(source: SourceShow, notes: list[str]) -> dict[str, Any]:
    """The fields of a :class:`ShowUpdate` for ``source`` (``podcast:guid`` is separate)."""
    values: dict[str, Any] = {}
    if source.title:
        values["title"] = source.title[:MAX_TITLE]
    if source.description_html:
        description = plain_text(source.description_html)
        if len(description) > MAX_DESCRIPTION:
            description = description[: MAX_DESCRIPTION - 1] + "…"
            notes.append(f"description shortened to {MAX_DESCRIPTION} characters")
        values["description"] = description
    for name, value in (
        ("language", source.language),
        ("author", source.author),
        ("owner_name", source.owner_name),
        ("owner_email", source.owner_email),
        ("explicit", source.explicit),
        ("show_type", source.show_type),
        ("link", source.link),
        ("copyright", source.copyright),
        ("locked", source.locked),
    ):
        if value is not None:
            values[name] = value
    if source.complete:
        values["complete"] = True
    if source.categories:
        category, subcategory = source.categories[0]
        values["category"] = category
        values["subcategory"] = subcategory
        second = [pair for pair in source.categories[1:] if pair != (category, subcategory)]
        if second and is_valid(*second[0]):
            values["second_category"], values["second_subcategory"] = second[0]
        elif second:
            notes.append(f"second category {_short(second[0])} left out: not Apple's")
        if len(second) > 1:
            notes.append(
                "only the first two categories are kept ("
                + ", ".join(c for c, _ in second[1:])
                + " left out): Apple reads two"
            )
    if source.funding:
        values["funding"] = _https_only(
            "funding", [{"url": f.url, "text": f.text[:128]} for f in source.funding], notes
        )
    if source.license:
        values["license"] = _without_none(name=source.license.name, url=source.license.url)
    if source.location:
        values["location"] = _location(source.location, notes)
    if source.people:
        values["people"] = _people(source.people, notes)
    if source.new_feed_url:
        notes.append(
            f"itunes:new-feed-url ({source.new_feed_url}) not copied: it would send this feed's "
            "subscribers away; set it later only if the show moves again"
        )
    return validated(ShowUpdate, values, notes)


def _https_only(name: str, entries: list[dict[str, Any]], notes: list[str]) -> list[dict[str, Any]]:
    """Entries whose URL is https (the namespace's rule); the others named in the report."""
    kept = [e for e in entries if str(e.get("url", "")).startswith("https://")]
    for entry in entries:
        if entry not in kept:
            notes.append(f"{name} {_short(entry.get('url'))} left out: not an https:// URL")
    return kept


def _without_none(**values: str | None) -> dict[str, str]:
    return {k: v for k, v in values.items() if v is not None}


def chapters_from_marks(marks: Sequence[ChapterMark]) -> list[AudioChapter]:
    return [
        AudioChapter(start_ms=round(m.start * 1000), end_ms=None, title=m.title, url=m.href)
        for m in marks
    ]


def chapters_from_json(document: Any) -> list[AudioChapter]:
    """A Podcasting 2.0 JSON chapters file (``{"chapters": [{"startTime": ...}]}``)."""
    if not isinstance(document, dict) or not isinstance(document.get("chapters"), list):
        raise ValueError('not a Podcasting 2.0 chapters file (no "chapters" list)')
    chapters = []
    for item in document["chapters"]:
        if not isinstance(item, dict) or item.get("toc") is False:
            continue
        start = item.get("startTime")
        if not isinstance(start, int | float) or isinstance(start, bool) or start < 0:
            continue
        end = item.get("endTime")
        end_ms = round(end * 1000) if isinstance(end, int | float) and end > start else None
        title = item.get("title") if isinstance(item.get("title"), str) else None
        url = item.get("url") if isinstance(item.get("url"), str) else None
        chapters.append(AudioChapter(round(start * 1000), end_ms, title=title, url=url))
    return chapters
