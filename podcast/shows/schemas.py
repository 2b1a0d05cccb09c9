"""The show as the API reads and writes it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from dateutil.rrule import rrulestr
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from podcast.core.languages import CHANNEL_LANGUAGE_ADVICE, CHANNEL_LANGUAGE_PATTERN
from podcast.core.languages import normalise as normalise_language
from podcast.core.podcast_namespace import MEDIUMS, SERVICE_SLUGS, SOCIAL_PROTOCOLS
from podcast.core.schemas import (
    NO_NUL,
    ApiDatetime,
    Funding,
    HttpsUrl,
    License,
    Location,
    Matching,
    Person,
    Text128,
    Text255,
    Unclearable,
    Url,
)
from podcast.shows.categories import APPLE_CATEGORIES
from podcast.shows.directories import ApplePodcastsId, SpotifyShowId

# The feed's <language> as podcast directories accept it: a language, optionally a region
# ("en", "en-GB"), stored in BCP 47's case ("EN-gb" becomes "en-GB").
Language = Annotated[
    str,
    Matching(CHANNEL_LANGUAGE_PATTERN, CHANNEL_LANGUAGE_ADVICE),
    AfterValidator(normalise_language),
]
# Apple's list, checked by the service with a "did you mean" for near misses; the schema shows
# the names (a subcategory must also belong to the category, which it cannot show).
Category = Annotated[Text255, WithJsonSchema({"type": "string", "enum": sorted(APPLE_CATEGORIES)})]
Subcategory = Annotated[
    Text255,
    WithJsonSchema({"type": "string", "enum": sorted(set().union(*APPLE_CATEGORIES.values()))}),
]


Medium = Annotated[str, WithJsonSchema({"type": "string", "enum": sorted(MEDIUMS)})]


def _medium(value: str) -> str:
    if value not in MEDIUMS:
        raise PydanticCustomError(
            "medium", "must be one of {allowed}", {"allowed": ", ".join(sorted(MEDIUMS))}
        )
    return value


CheckedMedium = Annotated[Medium, AfterValidator(_medium)]


class UpdateFrequency(BaseModel):
    """``podcast:updateFrequency``: the schedule in words, and as an RFC 5545 rule apps can
    compute with (``FREQ=WEEKLY;BYDAY=TU``); ``complete`` says no more episodes will come."""

    model_config = ConfigDict(extra="forbid")

    text: Text128
    rrule: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, to_upper=True, min_length=1, max_length=512),
            NO_NUL,
            WithJsonSchema({"type": "string", "examples": ["FREQ=WEEKLY;BYDAY=TU"]}),
        ]
        | None
    ) = None
    complete: StrictBool = False
    dtstart: ApiDatetime | None = None

    @field_validator("rrule")
    @classmethod
    def _rule_parses(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("RRULE:") or "DTSTART" in value or "\n" in value:
            raise PydanticCustomError(
                "rrule", "must be one rule's parts, such as FREQ=WEEKLY;BYDAY=TU"
            )
        try:
            rrulestr(value, dtstart=datetime(2000, 1, 3, tzinfo=UTC))
        except (ValueError, TypeError) as exc:
            raise PydanticCustomError(
                "rrule",
                "is not an RFC 5545 recurrence rule such as FREQ=WEEKLY;BYDAY=TU ({reason})",
                {"reason": str(exc) or "unreadable"},
            ) from None
        return value

    @model_validator(mode="after")
    def _count_needs_start(self) -> UpdateFrequency:
        if self.rrule and "COUNT=" in self.rrule and self.dtstart is None:
            raise PydanticCustomError("dtstart", "dtstart is required when the rule has a COUNT")
        return self


def _feed_guid(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise PydanticCustomError(
            "feed_guid",
            "must be a show's podcast:guid, a UUID such as {example}",
            {"example": "917393e3-1b1e-5cef-ace4-edaa54e1f810"},
        ) from None


class RemoteItem(BaseModel):
    """One show in the ``podcast:podroll``: by its ``podcast:guid``, and its feed URL."""

    model_config = ConfigDict(extra="forbid")

    feed_guid: Annotated[
        str,
        StringConstraints(strip_whitespace=True, max_length=36),
        AfterValidator(_feed_guid),
        WithJsonSchema(
            {"type": "string", "description": "A UUID", "examples": [str(uuid.UUID(int=1))]}
        ),
    ]
    feed_url: HttpsUrl | None = None


class Txt(BaseModel):
    """``podcast:txt``: free text for a service, such as Apple's ownership code with
    ``purpose`` ``applepodcastsverify``."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000), NO_NUL
    ]
    purpose: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, min_length=1, max_length=128),
            NO_NUL,
        ]
        | None
    ) = None


class SocialInteract(BaseModel):
    """``podcast:socialInteract``: the post where comments on the show live; protocol
    ``disabled`` (with nothing else) asks apps to show no comments."""

    model_config = ConfigDict(extra="forbid")

    protocol: Literal[SOCIAL_PROTOCOLS]  # type: ignore[valid-type]
    uri: HttpsUrl | None = None
    account_id: (
        Annotated[
            str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), NO_NUL
        ]
        | None
    ) = None
    account_url: HttpsUrl | None = None
    priority: Annotated[int, Field(ge=0, le=1000)] | None = None

    @model_validator(mode="after")
    def _uri_unless_disabled(self) -> SocialInteract:
        if self.protocol == "disabled":
            if self.uri or self.account_id or self.account_url or self.priority is not None:
                raise PydanticCustomError(
                    "disabled", "protocol disabled takes no uri, account or priority"
                )
        elif self.uri is None:
            raise PydanticCustomError("uri", "uri is required (the post comments reply to)")
        return self


ServiceSlug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(SERVICE_SLUGS),
            "description": "A slug from the namespace's service list (any case)",
        }
    ),
]


def _service(value: str) -> str:
    if value not in SERVICE_SLUGS:
        raise PydanticCustomError(
            "service",
            "'{value}' is not in the namespace's service list: use one of {allowed}",
            {"value": value, "allowed": ", ".join(sorted(SERVICE_SLUGS))},
        )
    return value


class PlatformBlock(BaseModel):
    """``podcast:block id="..."``: one platform asked not to list the show (``block``), or
    allowed to although the whole show is blocked (``block`` false)."""

    model_config = ConfigDict(extra="forbid")

    service: Annotated[ServiceSlug, AfterValidator(_service)]
    block: StrictBool = True


def _one_per_service(blocks: list[PlatformBlock]) -> list[PlatformBlock]:
    seen = [b.service for b in blocks]
    twice = sorted({s for s in seen if seen.count(s) > 1})
    if twice:
        raise PydanticCustomError(
            "unique", "names {services} more than once", {"services": ", ".join(twice)}
        )
    return blocks


PlatformBlocks = Annotated[
    list[PlatformBlock], Field(max_length=len(SERVICE_SLUGS)), AfterValidator(_one_per_service)
]


class ShowRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    slug: str
    title: str
    subtitle: str | None
    description: str
    author: str
    owner_name: str
    owner_email: str
    language: str
    category: str
    subcategory: str | None
    explicit: bool
    show_type: str
    link: str | None
    copyright: str | None
    podcast_guid: str
    locked: bool
    funding: list[Funding]
    people: list[Person]
    new_feed_url: str | None
    apple_podcasts_id: str | None = Field(
        description="The show's Apple Podcasts id: the home page links to the show in Apple "
        "Podcasts, Pocket Casts and Overcast with it."
    )
    spotify_show_id: str | None = Field(
        description="The show's Spotify id: the home page links to the show in Spotify."
    )
    moved_from_url: str | None = Field(
        description="The old host's feed an import read: until cleared, the feed check says "
        "how to leave that host."
    )
    block: bool
    complete: bool
    itunes_title: str | None
    second_category: str | None
    second_subcategory: str | None
    medium: str
    license: License | None
    location: Location | None
    update_frequency: UpdateFrequency | None
    podroll: list[RemoteItem]
    txt: list[Txt]
    social_interact: list[SocialInteract]
    platform_blocks: list[PlatformBlock]
    unreviewed_transcripts: str = Field(
        description="Where automatic transcripts not yet reviewed appear: web (pages and "
        "search), everywhere (the feed too) or nowhere."
    )
    feed_url: str
    artwork_url: str | None
    created_at: datetime
    updated_at: datetime


class ShowUpdate(BaseModel):
    """Every field optional: PATCH changes only what it names; null clears the fields that
    can be empty."""

    model_config = ConfigDict(extra="forbid")

    title: Unclearable[Text255] = None
    subtitle: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255), NO_NUL] | (
        None
    ) = None
    description: Unclearable[
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), NO_NUL]
    ] = None
    author: Unclearable[Text255] = None
    owner_name: Unclearable[Text255] = None
    owner_email: Unclearable[EmailStr] = None
    language: Unclearable[Language] = None
    category: Unclearable[Category] = None
    subcategory: Subcategory | None = None
    explicit: Unclearable[StrictBool] = None
    show_type: Unclearable[Literal["episodic", "serial"]] = None
    link: Url | None = None
    copyright: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=255), NO_NUL] | None
    ) = None
    locked: Unclearable[StrictBool] = None
    funding: Unclearable[Annotated[list[Funding], Field(max_length=20)]] = None
    people: Unclearable[Annotated[list[Person], Field(max_length=50)]] = None
    new_feed_url: Url | None = None
    apple_podcasts_id: ApplePodcastsId | None = None
    spotify_show_id: SpotifyShowId | None = None
    moved_from_url: Url | None = None
    block: Unclearable[StrictBool] = None
    complete: Unclearable[StrictBool] = None
    unreviewed_transcripts: Unclearable[Literal["web", "everywhere", "nowhere"]] = None
    # The rest of the Podcasting 2.0 channel (docs/standards.md, "Channel tags").
    itunes_title: Text255 | None = None
    second_category: Category | None = None
    second_subcategory: Subcategory | None = None
    medium: Unclearable[CheckedMedium] = None
    license: License | None = None
    location: Location | None = None
    update_frequency: UpdateFrequency | None = None
    podroll: Unclearable[Annotated[list[RemoteItem], Field(max_length=100)]] = None
    txt: Unclearable[Annotated[list[Txt], Field(max_length=20)]] = None
    social_interact: Unclearable[Annotated[list[SocialInteract], Field(max_length=20)]] = None
    platform_blocks: Unclearable[PlatformBlocks] = None
