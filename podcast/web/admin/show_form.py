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
from podcast.web.admin.forms import LOCATION_PARTS, NESTED_FIELDS

SEPARATOR = "|"
DEFAULT_FUNDING_TEXT = "Support the show"
APPLE_VERIFY = "applepodcastsverify"
# The rest of the channel (docs/standards.md, "Channel tags"): one input each; lists as lines.
NAMESPACE_FIELDS = (
    "itunes_title",
    "second_category",
    "medium",
    "license_name",
    "license_url",
    "location_name",
    "location_geo",
    "location_osm",
    "location_rel",
    "location_country",
    "update_frequency_text",
    "update_frequency_rrule",
    "podroll",
    "apple_verify",
    "comments_protocol",
    "comments_uri",
    "comments_account",
    "blocked_platforms",
)
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
    *NAMESPACE_FIELDS,
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
    "itunes_title": "Title for Apple Podcasts",
    "second_category": "Second category",
    "medium": "Medium",
    "license_name": "Licence",
    "license_url": "Licence link",
    "location_name": "Location",
    "location_geo": "Location geo: URI",
    "location_osm": "OpenStreetMap id",
    "location_rel": "What the place is to the show",
    "location_country": "Location country code",
    "update_frequency_text": "Release schedule",
    "update_frequency_rrule": "Release schedule rule",
    "podroll": "Recommended shows",
    "apple_verify": "Apple Podcasts verification code",
    "comments_protocol": "Comments protocol",
    "comments_uri": "Comments post",
    "comments_account": "Comments account",
    "blocked_platforms": "Blocked platforms",
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
    "license_url": "Enter a full web address starting with https://",
    "comments_uri": "Enter the post's full web address starting with https://",
    "podroll": "Enter one show per line: its podcast:guid, then optionally its https:// feed URL",
}
# Where a nested schema error belongs in the form: (API field, first key) -> form field.
NESTED: dict[tuple[str, str | None], str] = {
    **NESTED_FIELDS,  # licence and location: the same fields as the episode form's
    ("update_frequency", "text"): "update_frequency_text",
    ("update_frequency", "rrule"): "update_frequency_rrule",
    ("update_frequency", "dtstart"): "update_frequency_rrule",
    ("update_frequency", None): "update_frequency_rrule",
    ("podroll", None): "podroll",
    ("txt", None): "apple_verify",
    ("social_interact", "protocol"): "comments_protocol",
    ("social_interact", "uri"): "comments_uri",
    ("social_interact", "account_id"): "comments_account",
    ("social_interact", None): "comments_uri",
    ("platform_blocks", None): "blocked_platforms",
    ("second_subcategory", None): "second_category",
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
        **_namespace_values(show),
    }


def _namespace_values(show: Show) -> dict[str, str]:
    license_ = show.license or {}
    location = show.location or {}
    frequency = show.update_frequency or {}
    comments = show.social_interact[0] if show.social_interact else {}
    second = show.second_category
    return {
        "itunes_title": show.itunes_title or "",
        "second_category": category_value(second, show.second_subcategory) if second else "",
        "medium": show.medium or "podcast",
        "license_name": license_.get("name", ""),
        "license_url": license_.get("url") or "",
        "location_name": location.get("name", ""),
        "location_geo": location.get("geo") or "",
        "location_osm": location.get("osm") or "",
        "location_rel": location.get("rel") or "",
        "location_country": location.get("country") or "",
        "update_frequency_text": frequency.get("text", ""),
        "update_frequency_rrule": frequency.get("rrule") or "",
        "podroll": "\n".join(
            " ".join(filter(None, (r.get("feed_guid"), r.get("feed_url")))) for r in show.podroll
        ),
        "apple_verify": next((t["text"] for t in show.txt if t.get("purpose") == APPLE_VERIFY), ""),
        "comments_protocol": comments.get("protocol", ""),
        "comments_uri": comments.get("uri") or "",
        "comments_account": comments.get("account_id") or "",
        "blocked_platforms": ", ".join(
            str(b["service"]) for b in show.platform_blocks if b.get("block", True)
        ),
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
    _namespace(values, show, data, errors)
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


def _namespace(
    values: Mapping[str, str], show: Show, data: dict[str, Any], errors: dict[str, str]
) -> None:
    """The Podcasting 2.0 inputs into ``data``. Entries the form does not show (other
    socialInteract and txt entries, platforms allowed by ``podcast:block``) are kept."""

    def text(name: str) -> str | None:
        return values.get(name, "").strip() or None

    data["itunes_title"] = text("itunes_title")
    second, _, second_sub = values.get("second_category", "").partition(SEPARATOR)
    if second and not is_valid(second, second_sub or None):
        errors["second_category"] = "Choose a category from Apple's list"
    data["second_category"], data["second_subcategory"] = second or None, second_sub or None
    data["medium"] = text("medium") or "podcast"
    data["license"] = _object(license_name=text("license_name"), url=text("license_url"))
    data["location"] = _object(
        location_name=text("location_name"),
        **{part: text(f"location_{part}") for part in LOCATION_PARTS[1:]},
    )
    frequency = show.update_frequency or {}
    data["update_frequency"] = _object(
        update_frequency_text=text("update_frequency_text"),
        rrule=text("update_frequency_rrule"),
        complete=frequency.get("complete", False),
        dtstart=frequency.get("dtstart"),
    )
    data["podroll"] = [
        dict(zip(("feed_guid", "feed_url"), line.split(maxsplit=1), strict=False))
        for line in values.get("podroll", "").splitlines()
        if line.strip()
    ]
    others = [t for t in show.txt if t.get("purpose") != APPLE_VERIFY]
    code = text("apple_verify")
    data["txt"] = ([{"text": code, "purpose": APPLE_VERIFY}] if code else []) + others
    data["social_interact"] = _comments(values, show)
    names = [n.strip().lower() for n in values.get("blocked_platforms", "").split(",")]
    allowed = [b for b in show.platform_blocks if not b.get("block", True)]
    data["platform_blocks"] = [{"service": n, "block": True} for n in names if n] + allowed


def _object(**fields: Any) -> dict[str, Any] | None:
    """A nested value from its inputs (the first names the required text), None if empty."""
    (label, first), *rest = fields.items()
    if first is None and not any(v for k, v in rest if k not in ("complete", "dtstart")):
        return None
    key = "text" if label == "update_frequency_text" else "name"
    return {key: first or "", **{k: v for k, v in rest if v is not None}}


def _comments(values: Mapping[str, str], show: Show) -> list[dict[str, Any]]:
    rest = list(show.social_interact[1:])
    protocol = values.get("comments_protocol", "").strip()
    if not protocol:
        return rest
    first: dict[str, Any] = {"protocol": protocol}
    if protocol != "disabled":
        first["uri"] = values.get("comments_uri", "").strip() or None
        first["account_id"] = values.get("comments_account", "").strip() or None
    return [first, *rest]


def _message(error: Mapping[str, Any]) -> tuple[str, str]:
    loc = list(error.get("loc", ()))
    name = str(loc[0]) if loc else "form"
    keys = [str(k) for k in loc[1:] if not isinstance(k, int)]
    nested = NESTED.get((name, keys[0] if keys else None)) or NESTED.get((name, None))
    if nested:
        name = nested
    elif name == "funding":
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
    if error.field in ("second_category", "second_subcategory"):
        return "second_category"
    return error.field if error.field in FIELDS else "form"
