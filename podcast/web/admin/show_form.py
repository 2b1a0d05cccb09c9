"""The show settings form: text fields to a ``ShowUpdate`` and back, one message per field.

The Apple category and subcategory travel as one ``<select>`` value, ``Category`` or
``Category|Subcategory``, so the choice works without JavaScript and can never pair a
subcategory with the wrong parent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from podcast.core.errors import DomainError
from podcast.shows.categories import APPLE_CATEGORIES, is_valid
from podcast.shows.models import Show
from podcast.shows.schemas import ShowUpdate

SEPARATOR = "|"
DEFAULT_FUNDING_TEXT = "Support the show"
TEXT_FIELDS = (
    "title",
    "subtitle",
    "description",
    "author",
    "owner_name",
    "owner_email",
    "language",
    "category",
    "show_type",
    "link",
    "copyright",
    "funding_url",
    "funding_text",
    "unreviewed_transcripts",
    "apple_podcasts_id",
    "spotify_show_id",
)
# left_old_host: the producer says the old host now points here, which clears moved_from_url.
CHECKBOXES = ("explicit", "locked", "left_old_host")
FIELDS = (*TEXT_FIELDS, *CHECKBOXES)
REQUIRED = {
    "title": "Enter the show's title",
    "description": "Enter a description: podcast apps show it on the show's page",
    "author": "Enter the author: apps show it under the title",
    "owner_name": "Enter the owner's name",
    "owner_email": "Enter the owner's email address",
    "language": "Enter a language code such as en-GB or cy",
}
LABELS = {
    "title": "Title",
    "subtitle": "Subtitle",
    "description": "Description",
    "author": "Author",
    "owner_name": "Owner name",
    "owner_email": "Owner email",
    "language": "Language",
    "category": "Category",
    "show_type": "Type",
    "link": "Website",
    "copyright": "Copyright",
    "funding_url": "Funding link",
    "funding_text": "Funding link text",
    "unreviewed_transcripts": "Automatic transcripts not yet checked",
    "apple_podcasts_id": "Apple Podcasts",
    "spotify_show_id": "Spotify",
}
# Pydantic's wording is for programmers; these say what to type.
FRIENDLY = {
    "owner_email": "Enter an email address, like podcast@example.nhs.uk",
    "language": "Enter a language code such as en-GB or cy",
    "link": "Enter a full web address starting with https://, like https://example.org",
    "funding_url": "Enter a full web address starting with https://, like https://example.org",
    "show_type": "Choose episodic or serial",
    "unreviewed_transcripts": "Choose where automatic transcripts appear before they are checked",
    "apple_podcasts_id": "Enter the show's Apple Podcasts address, like "
    "https://podcasts.apple.com/gb/podcast/leadership-live/id1234567890, or the digits after id",
    "spotify_show_id": "Enter the show's Spotify address, like "
    "https://open.spotify.com/show/4rOoJ6Egrf8K2IrywzwOMk, or the 22 characters after /show/",
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Group:
    """One ``<optgroup>``: a category on its own, then each of its subcategories."""

    label: str
    options: list[Option]


def category_value(category: str, subcategory: str | None) -> str:
    return f"{category}{SEPARATOR}{subcategory}" if subcategory else category


def category_groups() -> list[Group]:
    """Apple's list in Apple's order; option labels name the parent too, because a closed
    ``<select>`` shows only the chosen option's text."""
    groups = []
    for category, subs in APPLE_CATEGORIES.items():
        options = [Option(category, f"{category} (no subcategory)" if subs else category)]
        options += [Option(category_value(category, s), f"{category}: {s}") for s in sorted(subs)]
        groups.append(Group(category, options))
    return groups


def values_from_show(show: Show) -> dict[str, str]:
    """The form as first shown: the show's current settings as text."""
    funding = show.funding[0] if show.funding else {}
    return {
        "title": show.title,
        "subtitle": show.subtitle or "",
        "description": show.description,
        "author": show.author,
        "owner_name": show.owner_name,
        "owner_email": show.owner_email,
        "language": show.language,
        "category": category_value(show.category, show.subcategory),
        "show_type": show.show_type,
        "link": show.link or "",
        "copyright": show.copyright or "",
        "funding_url": funding.get("url", ""),
        "funding_text": funding.get("text", "") or DEFAULT_FUNDING_TEXT,
        "explicit": "on" if show.explicit else "",
        "locked": "on" if show.locked else "",
        "unreviewed_transcripts": show.unreviewed_transcripts,
        "apple_podcasts_id": show.apple_podcasts_id or "",
        "spotify_show_id": show.spotify_show_id or "",
        "left_old_host": "",
    }


def values_from_form(form: Mapping[str, Any]) -> dict[str, str]:
    values = {name: str(form.get(name) or "") for name in TEXT_FIELDS}
    for name in CHECKBOXES:
        values[name] = "on" if form.get(name) else ""
    return values


def parse(values: Mapping[str, str], show: Show) -> tuple[ShowUpdate | None, dict[str, str]]:
    """The update a submitted form asks for, or the errors to show beside its fields.

    Funding links after the first (set through the API) are kept as they are.
    """
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for name in ("title", "subtitle", "description", "author", "owner_name", "owner_email"):
        data[name] = values.get(name, "").replace("\r\n", "\n").strip()
    data["language"] = values.get("language", "").strip()
    for name, message in REQUIRED.items():
        if not data[name]:
            errors[name] = message
    for name in ("subtitle", "link", "copyright", "apple_podcasts_id", "spotify_show_id"):
        data[name] = values.get(name, "").strip() or None
    category, _, subcategory = values.get("category", "").partition(SEPARATOR)
    if not is_valid(category, subcategory or None):
        errors["category"] = "Choose a category from Apple's list"
    data["category"], data["subcategory"] = category, subcategory or None
    data["show_type"] = values.get("show_type", "")
    data["unreviewed_transcripts"] = values.get("unreviewed_transcripts") or "web"
    data["explicit"] = values.get("explicit") == "on"
    data["locked"] = values.get("locked") == "on"
    data["funding"] = _funding(values, show)
    if values.get("left_old_host") == "on":
        data["moved_from_url"] = None
    if errors:
        return None, errors
    try:
        return ShowUpdate.model_validate(data), {}
    except ValidationError as exc:
        for error in exc.errors():
            name, message = _message(error)
            errors.setdefault(name, message)
        return None, errors


def _funding(values: Mapping[str, str], show: Show) -> list[dict[str, str]]:
    rest = list(show.funding[1:])
    url = values.get("funding_url", "").strip()
    if not url:
        return rest
    text = values.get("funding_text", "").strip() or DEFAULT_FUNDING_TEXT
    return [{"url": url, "text": text}, *rest]


def _message(error: Mapping[str, Any]) -> tuple[str, str]:
    loc = list(error.get("loc", ()))
    name = str(loc[0]) if loc else "form"
    if name == "funding":
        name = "funding_text" if loc[-1:] == ["text"] else "funding_url"
    elif name == "subcategory":
        name = "category"
    label = LABELS.get(name, name)
    if error.get("type") == "string_too_long":
        limit = (error.get("ctx") or {}).get("max_length")
        return name, f"{label} must be {limit} characters or fewer"
    if name in FRIENDLY:
        return name, FRIENDLY[name]
    message = str(error.get("msg", "is not valid"))
    return name, f"{label}: {message[:1].lower()}{message[1:]}"


def field_of(error: DomainError) -> str:
    """The form field an ``update_show`` error belongs next to (its ``field``)."""
    if error.field == "subcategory":
        return "category"
    return error.field if error.field in FIELDS else "form"
