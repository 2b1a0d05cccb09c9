"""The show as the API reads and writes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
)

from podcast.core.languages import CHANNEL_LANGUAGE_PATTERN
from podcast.core.languages import normalise as normalise_language
from podcast.core.schemas import NO_NUL, Funding, Person, Text255, Unclearable, Url
from podcast.shows.categories import APPLE_CATEGORIES
from podcast.shows.directories import ApplePodcastsId, SpotifyShowId

# The feed's <language> as podcast directories accept it: a language, optionally a region
# ("en", "en-GB"), stored in BCP 47's case ("EN-gb" becomes "en-GB").
Language = Annotated[
    str, StringConstraints(pattern=CHANNEL_LANGUAGE_PATTERN), AfterValidator(normalise_language)
]
# Apple's list, checked by the service with a "did you mean" for near misses; the schema shows
# the names (a subcategory must also belong to the category, which it cannot show).
Category = Annotated[Text255, WithJsonSchema({"type": "string", "enum": sorted(APPLE_CATEGORIES)})]
Subcategory = Annotated[
    Text255,
    WithJsonSchema({"type": "string", "enum": sorted(set().union(*APPLE_CATEGORIES.values()))}),
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
