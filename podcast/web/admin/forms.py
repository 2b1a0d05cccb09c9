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
    }


def _person_line(person: Mapping[str, Any]) -> str:
    parts = [person.get("name", ""), person.get("role") or "host"]
    if person.get("href"):
        parts.append(person["href"])
    return " | ".join(parts)


def values_from_form(form: Mapping[str, Any], *, with_slug: bool) -> dict[str, str]:
    values = {name: str(form.get(name) or "") for name in METADATA_FIELDS}
    values["explicit"] = "on" if form.get("explicit") else ""
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
    try:
        update = EpisodeUpdate.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            name, message = _message(error)
            errors.setdefault(name, message)
        return None, errors
    return (None, errors) if errors else (update, errors)


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
    if error.get("type") == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return name, f"{label} must be {limit} characters or fewer"
    if error.get("type") == "too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return name, f"{label}: at most {limit} entries"
    if name == "slug" and error.get("type") == "string_pattern_mismatch":
        return name, "Web address: use lower-case letters, numbers and hyphens only"
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
