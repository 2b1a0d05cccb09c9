"""The show: what an RSS ``<channel>`` says about the podcast as a whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from podcast.core.db import Base, UTCDateTime
from podcast.media.store import register_key_columns

UNREVIEWED_TRANSCRIPTS = ("web", "everywhere", "nowhere")


class Show(Base):
    __tablename__ = "shows"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(255))
    subtitle: Mapped[str | None] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(255))
    owner_name: Mapped[str] = mapped_column(String(255))
    owner_email: Mapped[str] = mapped_column(String(320))
    language: Mapped[str] = mapped_column(String(35))
    category: Mapped[str] = mapped_column(String(64))
    subcategory: Mapped[str | None] = mapped_column(String(64))
    explicit: Mapped[bool] = mapped_column(Boolean, default=False)
    show_type: Mapped[str] = mapped_column(String(16), default="episodic")
    link: Mapped[str | None] = mapped_column(String(2048))
    copyright: Mapped[str | None] = mapped_column(String(255))
    # Storage key of the artwork image; None until a producer uploads one.
    artwork_key: Mapped[str | None] = mapped_column(String(255))
    artwork_width: Mapped[int | None] = mapped_column(Integer)
    artwork_height: Mapped[int | None] = mapped_column(Integer)
    # Where an import took the artwork from (so a run again downloads it only when the old
    # host's URL changed); None for a producer's upload, which an import never replaces.
    artwork_source_url: Mapped[str | None] = mapped_column(String(2048))
    # podcast:guid is fixed when the show is created: apps key subscriptions on it.
    podcast_guid: Mapped[str] = mapped_column(String(36), unique=True)
    locked: Mapped[bool] = mapped_column(Boolean, default=True)
    funding: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    people: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    new_feed_url: Mapped[str | None] = mapped_column(String(2048))
    # Directory ids (podcast.shows.directories): the home page's Subscribe links open the show
    # in Apple Podcasts and Spotify with them, and in Pocket Casts and Overcast by Apple's id.
    apple_podcasts_id: Mapped[str | None] = mapped_column(String(20))
    spotify_show_id: Mapped[str | None] = mapped_column(String(40))
    # The old host's feed an import read: until a producer clears it (the old host redirects
    # here), `podcast check` and the admin say how to leave that host (docs/imports.md).
    moved_from_url: Mapped[str | None] = mapped_column(String(2048))
    block: Mapped[bool] = mapped_column(Boolean, default=False)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where automatic transcripts not yet reviewed appear (UNREVIEWED_TRANSCRIPTS): "web" (pages
    # and search, not the feed: the default), "everywhere" (the feed too), "nowhere".
    unreviewed_transcripts: Mapped[str] = mapped_column(
        String(16), default="web", server_default="web"
    )
    # The rest of the Podcasting 2.0 channel and Apple's situational tags (migration 0012;
    # docs/standards.md, "Channel tags"). JSON values are as podcast.shows.schemas stores them.
    itunes_title: Mapped[str | None] = mapped_column(String(255))
    second_category: Mapped[str | None] = mapped_column(String(64))
    second_subcategory: Mapped[str | None] = mapped_column(String(64))
    medium: Mapped[str] = mapped_column(String(16), default="podcast", server_default="podcast")
    license: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    update_frequency: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    podroll: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    txt: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list, server_default="[]")
    social_interact: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    platform_blocks: Mapped[list[dict[str, Any]]] = mapped_column(
        JSON, default=list, server_default="[]"
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# A file the show's artwork names is in use: podcast.media never deletes it.
register_key_columns(Show.artwork_key)
