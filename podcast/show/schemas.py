"""The show as the API reads and writes it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from podcast.schemas import Funding, Person, Text255, Url

# BCP 47 as podcast directories accept it: a language, optionally a region ("en", "en-GB").
Language = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z]{2}|-[0-9]{3})?$")]


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
    block: bool
    complete: bool
    feed_url: str
    artwork_url: str | None
    created_at: datetime
    updated_at: datetime


class ShowUpdate(BaseModel):
    """Every field optional: PATCH changes only what it names."""

    model_config = ConfigDict(extra="forbid")

    title: Text255 | None = None
    subtitle: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = None
    description: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] | None
    ) = None
    author: Text255 | None = None
    owner_name: Text255 | None = None
    owner_email: EmailStr | None = None
    language: Language | None = None
    category: Text255 | None = None
    subcategory: Text255 | None = None
    explicit: bool | None = None
    show_type: Literal["episodic", "serial"] | None = None
    link: Url | None = None
    copyright: Annotated[str, StringConstraints(strip_whitespace=True, max_length=255)] | None = (
        None
    )
    locked: bool | None = None
    funding: list[Funding] | None = Field(default=None, max_length=20)
    people: list[Person] | None = Field(default=None, max_length=50)
    new_feed_url: Url | None = None
    block: bool | None = None
    complete: bool | None = None
