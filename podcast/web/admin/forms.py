"""HTML form text to the episode schemas and back, with one error message per field.

Forms send every field as text; producers type people one per line and keywords with commas.
Errors are phrased for the person at the form, and keyed by the field they belong next to.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from pydantic import ValidationError

from episodes.models import Episode, EpisodeType, NotesFormat
from episodes.schemas import EpisodeUpdate
from podcast.core.errors import DomainError
from podcast.core.timecodes import clock, fragment_seconds, parse_start
from podcast.web.templating import LONDON

TEXT_FIELDS = ("title", "slug", "author", "summary", "show_notes")
METADATA_FIELDS = (
    *TEXT_FIELDS,
    "show_notes_format",
    "season",
    "episode_number",
    "episode_type",
    "explicit",
    "people",
    "keywords",
    *("season_name", "episode_display", "block"),
    *("location_name", "location_geo", "location_osm", "location_rel", "location_country"),
    *("license_name", "license_url"),
    *("soundbites", "funding"),
)
LABELS = {
    "title": "Title",
    "slug": "Web address",
    "author": "Author",
    "summary": "Summary",
    "show_notes": "Show notes",
    "show_notes_format": "Show notes format",
    "season": "Season",
    "episode_number": "Episode number",
    "episode_type": "Episode type",
    "explicit": "Explicit",
    "people": "People",
    "keywords": "Keywords",
    "season_name": "Season name",
    "episode_display": "Episode display text",
    "block": "Hide from Apple Podcasts",
    "location_name": "Location",
    "location_geo": "Location coordinates",
    "location_osm": "OpenStreetMap id",
    "location_rel": "What the place is to the episode",
    "location_country": "Country code",
    "license_name": "Licence",
    "license_url": "Licence web address",
    "soundbites": "Soundbites",
    "funding": "Funding links",
}
# Nested API fields -> the form field that holds them (pydantic error locations).
NESTED_FIELDS: dict[tuple[str, str | None], str] = {
    ("location", "name"): "location_name",
    ("location", "geo"): "location_geo",
    ("location", "osm"): "location_osm",
    ("location", "rel"): "location_rel",
    ("location", "country"): "location_country",
    ("license", "name"): "license_name",
    ("license", "url"): "license_url",
}
# The location inputs, ``location_<part>``, for the episode and show forms alike.
LOCATION_PARTS = ("name", "geo", "osm", "rel", "country")
# The ``rel`` choices as the forms offer them: empty leaves the attribute out (apps then read
# the place as the subject, as the namespace says).
LOCATION_REL_CHOICES = (
    ("", "Not stated"),
    ("subject", "What it is about (subject)"),
    ("creator", "Where it is made (creator)"),
)
LINE_PARTS = {
    "soundbites": {"start_time": "start", "duration": "length", "title": "title"},
    "funding": {"url": "web address", "text": "text"},
}
PERSON_PARTS = {"name": "name", "role": "role", "href": "web address", "group": "group"}


def values_from_episode(episode: Episode) -> dict[str, str]:
    """The metadata form as it is first shown: the episode's current values as text."""
    return {
        "title": episode.title,
        "slug": episode.slug,
        "author": episode.author or "",
        "summary": episode.summary,
        "show_notes": episode.show_notes,
        "show_notes_format": episode.show_notes_format.value,
        "season": "" if episode.season is None else str(episode.season),
        "episode_number": "" if episode.episode_number is None else str(episode.episode_number),
        "episode_type": episode.episode_type.value,
        "explicit": "on" if episode.explicit else "",
        "people": "\n".join(_person_line(p) for p in episode.people),
        "keywords": ", ".join(episode.keywords),
        **_namespace_values(episode),
    }


def _namespace_values(episode: Episode) -> dict[str, str]:
    """The Podcasting 2.0 fields as form text: one soundbite or funding link per line."""
    location, licence = episode.location or {}, episode.license or {}
    return {
        "season_name": episode.season_name or "",
        "episode_display": episode.episode_display or "",
        "block": "on" if episode.block else "",
        "location_name": location.get("name") or "",
        "location_geo": location.get("geo") or "",
        "location_osm": location.get("osm") or "",
        "location_rel": location.get("rel") or "",
        "location_country": location.get("country") or "",
        "license_name": licence.get("name") or "",
        "license_url": licence.get("url") or "",
        "soundbites": "\n".join(_soundbite_line(b) for b in episode.soundbites or ()),
        "funding": "\n".join(f"{f['url']} | {f.get('text', '')}" for f in episode.funding or ()),
    }


def _soundbite_line(bite: Mapping[str, Any]) -> str:
    start = float(bite["start_time"])
    # 12:34 reads best; a start between seconds is kept exact as seconds (754.5).
    parts = [clock(start) if start.is_integer() else fragment_seconds(start)]
    parts.append(fragment_seconds(float(bite["duration"])))
    if bite.get("title"):
        parts.append(str(bite["title"]))
    return " | ".join(parts)


def _person_line(person: Mapping[str, Any]) -> str:
    parts = [person.get("name", ""), person.get("role") or "host"]
    if person.get("href"):
        parts.append(person["href"])
    return " | ".join(parts)


def values_from_form(form: Mapping[str, Any], *, with_slug: bool) -> dict[str, str]:
    values = {name: str(form.get(name) or "") for name in METADATA_FIELDS}
    values["explicit"] = "on" if form.get("explicit") else ""
    values["block"] = "on" if form.get("block") else ""
    if not with_slug:
        values.pop("slug")
    return values


def parse_metadata(values: Mapping[str, str]) -> tuple[EpisodeUpdate | None, dict[str, str]]:
    """The update a submitted metadata form asks for, or the errors to show beside its fields."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        if name not in values:
            continue
        text = values[name].replace("\r\n", "\n")
        if name in ("title", "slug") and not text.strip():
            errors[name] = f"Enter a {LABELS[name].lower()}"
            continue
        data[name] = text.strip() if name != "show_notes" else text
        if name == "author" and not data[name]:
            data[name] = None
    for name in ("season", "episode_number"):
        text = values.get(name, "").strip()
        if not text:
            data[name] = None
        elif not text.isdigit() or not 0 < int(text) <= 1_000_000:
            errors[name] = f"{LABELS[name]} must be a whole number, 1 or more, like 2"
        else:
            data[name] = int(text)
    fmt = values.get("show_notes_format") or NotesFormat.HTML.value
    if fmt not in {f.value for f in NotesFormat}:
        errors["show_notes_format"] = "Choose HTML or Markdown"
    else:
        data["show_notes_format"] = fmt
    kind = values.get("episode_type") or EpisodeType.FULL.value
    if kind not in {t.value for t in EpisodeType}:
        errors["episode_type"] = "Choose full, trailer or bonus"
    else:
        data["episode_type"] = kind
    data["explicit"] = values.get("explicit") == "on"
    people, people_error = _people(values.get("people", ""))
    if people_error:
        errors["people"] = people_error
    data["people"] = people
    data["keywords"] = [k.strip() for k in values.get("keywords", "").split(",") if k.strip()]
    namespace, namespace_errors = _namespace_data(values)
    data.update(namespace)
    errors.update(namespace_errors)
    try:
        update = EpisodeUpdate.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            name, message = _message(error)
            errors.setdefault(name, message)
        return None, errors
    return (None, errors) if errors else (update, errors)


def _namespace_data(values: Mapping[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Season name, display text, block, location, licence, soundbites and funding links."""
    data: dict[str, Any] = {}
    for name in ("season_name", "episode_display"):
        data[name] = values.get(name, "").strip() or None
    data["block"] = values.get("block") == "on"
    data["location"] = _object(values, "location", LOCATION_PARTS)
    data["license"] = _object(values, "license", ("name", "url"))
    errors: dict[str, str] = {}
    for name, parse in (("soundbites", _soundbite_lines), ("funding", _funding_lines)):
        data[name], error = parse(values.get(name, ""))
        if error:
            errors[name] = error
    for prefix in ("location", "license"):
        if data[prefix] == {}:
            errors[f"{prefix}_name"] = f"Enter the {LABELS[f'{prefix}_name'].lower()}'s name"
    return data, errors


def _object(values: Mapping[str, str], prefix: str, parts: tuple[str, ...]) -> Any:
    """``{"name": ...}`` from ``prefix_name`` etc.; None if all are empty, {} if only the name is
    (which the caller reports)."""
    found = {part: values.get(f"{prefix}_{part}", "").strip() for part in parts}
    if not any(found.values()):
        return None
    if not found["name"]:
        return {}
    return {part: value for part, value in found.items() if value}


def _soundbite_lines(text: str) -> tuple[list[dict[str, Any]], str | None]:
    bites = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|", 2)]
        start = parse_start(parts[0])
        if start is None:
            return [], f"Line {number}: start with a time, like 12:34 or 754"
        try:
            length = float(parts[1]) if len(parts) > 1 else None
        except ValueError:
            length = None
        if length is None:
            return [], f"Line {number}: give the length in seconds after the start, like 12:34 | 45"
        bite: dict[str, Any] = {"start_time": start, "duration": length}
        if len(parts) > 2 and parts[2]:
            bite["title"] = parts[2]
        bites.append(bite)
    return bites, None


def _funding_lines(text: str) -> tuple[list[dict[str, str]], str | None]:
    links = []
    for line in text.splitlines():
        if not line.strip():
            continue
        url, _, label = (p.strip() for p in line.partition("|"))
        links.append({"url": url, "text": label} if label else {"url": url})
    return links, None


def _people(text: str) -> tuple[list[dict[str, str]], str | None]:
    people = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) > 3:
            return [], f"Line {number}: use at most a name, a role and a web address"
        person = {"name": parts[0], "role": parts[1] if len(parts) > 1 and parts[1] else "host"}
        if len(parts) > 2 and parts[2]:
            person["href"] = parts[2]
        people.append(person)
    return people, None


def _message(error: Mapping[str, Any]) -> tuple[str, str]:
    loc = list(error.get("loc", ()))
    name = str(loc[0]) if loc else "form"
    label = LABELS.get(name, name)
    message = str(error.get("msg", "is not valid"))
    if name == "people" and len(loc) >= 3 and isinstance(loc[1], int):
        part = PERSON_PARTS.get(str(loc[2]), str(loc[2]))
        return name, f"Line {loc[1] + 1}: the {part} {_lower_first(message)}"
    if name in LINE_PARTS and len(loc) >= 3 and isinstance(loc[1], int):
        part = LINE_PARTS[name].get(str(loc[2]), str(loc[2]))
        return name, f"Line {loc[1] + 1}: the {part} {_lower_first(message)}"
    if len(loc) >= 2 and (nested := NESTED_FIELDS.get((name, str(loc[1])))):
        return nested, f"{LABELS[nested]}: {_lower_first(message)}"
    if error.get("type") == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return name, f"{label} must be {limit} characters or fewer"
    if error.get("type") == "too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return name, f"{label}: at most {limit} entries"
    return name, f"{label}: {_lower_first(message)}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def field_of(error: DomainError, fields: tuple[str, ...] = METADATA_FIELDS) -> str:
    """The form field a service error belongs next to (its ``field``), else the whole form."""
    return error.field if error.field in fields else "form"


def parse_london(text: str) -> tuple[datetime | None, str | None]:
    """A ``datetime-local`` value read as UK time (Europe/London), returned in UTC.

    Times the clocks skip in March do not exist; in October's repeated hour the first (BST)
    occurrence is meant.
    """
    try:
        naive = datetime.fromisoformat(text.strip())
    except ValueError:
        return None, "Enter a date and time, like 1 December 2026 at 07:00"
    if naive.tzinfo is not None:
        return None, "Enter the date and time without a time zone: it is read as UK time"
    local = naive.replace(tzinfo=LONDON, fold=0)
    utc = local.astimezone(UTC)
    if utc.astimezone(LONDON).replace(tzinfo=None) != naive:
        return None, "That time does not exist in the UK: the clocks go forward then"
    return utc, None


def london_midnight(day: date) -> datetime:
    """The start of ``day`` in UK time, in UTC: a date without a time (the audio's tags)."""
    return datetime.combine(day, time(), tzinfo=LONDON).astimezone(UTC)


def london_input(value: datetime | None) -> str:
    """A UTC time as a ``datetime-local`` value in UK time."""
    if value is None:
        return ""
    return value.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")
