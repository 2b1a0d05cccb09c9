"""Transcripts and search results as the API shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from transcripts.formats import upload_formats


class TranscriptRead(BaseModel):
    episode_id: int
    language: str
    source_format: str = Field(
        description="The format the upload was read as: "
        + ", ".join(f.name for f in upload_formats())
        + "."
    )
    timed: bool = Field(description="False for plain text without timestamps (no VTT/SRT/JSON).")
    cues: int
    duration: float | None = Field(description="Seconds to the end of the latest cue.")
    urls: dict[str, str] = Field(description="Public URL of each format offered, by extension.")
    source: Literal["producer", "automatic"] = Field(
        description="producer: uploaded or written by a producer; automatic: a speech "
        "recognition draft (edits keep it automatic, with edited_at set)."
    )
    reviewed: bool = Field(description="False for an automatic draft no producer has checked.")
    edited_at: datetime | None = Field(description="When a producer last changed it.")
    created_at: datetime
    updated_at: datetime
    warnings: list[str] = Field(default_factory=list)


class TranscriptDeleted(BaseModel):
    """What a DELETE removed, so a script can log it and see what is left."""

    episode_id: int
    deleted: str = Field(description="The language of the transcript that was deleted.")
    remaining: list[str] = Field(description="The languages the episode still has.")


class SearchHit(BaseModel):
    kind: Literal["title", "notes", "transcript"]
    slug: str
    title: str
    url: str = Field(description="The episode's page.")
    language: str | None = Field(description="The transcript's language (transcript hits).")
    start: float | None = Field(description="Seconds into the episode (transcript hits).")
    speaker: str | None
    snippet: str = Field(description="HTML: escaped text with <mark> around the matches.")


class SearchResults(BaseModel):
    query: str
    limit: int
    offset: int
    has_more: bool
    hits: list[SearchHit]
