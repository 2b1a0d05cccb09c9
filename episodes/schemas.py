"""Episodes as the API reads and writes them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from episodes.models import EpisodeType, NotesFormat, Status
from episodes.slugs import SLUG_ADVICE, SLUG_PATTERN
from podcast.core.schemas import (
    NO_NUL,
    NOT_BLANK,
    ApiDatetime,
    Funding,
    License,
    Location,
    Matching,
    Person,
    Text128,
    Text255,
    Unclearable,
)

Slug = Annotated[
    str,
    StringConstraints(min_length=1, max_length=80),
    Matching(SLUG_PATTERN, SLUG_ADVICE),
]
Keyword = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64), NO_NUL, NOT_BLANK
]


def _whole_number(value: Any) -> Any:
    """JSON Schema counts 3.0 as an integer; a strict int would not."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


# Strict, as the schema says: JSON's "2" is not a season, nor 0 false (forms: see below).
PositiveInt = Annotated[StrictInt, Field(gt=0, le=1_000_000), BeforeValidator(_whole_number)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000), NO_NUL]
Notes = Annotated[str, StringConstraints(max_length=100_000), NO_NUL]


# --- Podcasting 2.0 item values (docs/standards.md, "Item tags") -------------------------------


class Soundbite(BaseModel):
    """``podcast:soundbite``: a moment apps may play as a preview. The spec recommends 15-120
    seconds; it must lie within the audio (checked against it when there is audio)."""

    model_config = ConfigDict(extra="forbid")

    start_time: float = Field(ge=0, le=1_000_000, allow_inf_nan=False)
    duration: float = Field(gt=0, le=1_000_000, allow_inf_nan=False)
    title: Text128 | None = None


# ``podcast:funding`` for one episode: as the show's (https only).
EpisodeFunding = Funding


SeasonName = Text128
EpisodeDisplay = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32), NO_NUL, NOT_BLANK
]


class _EpisodeFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    author: Text255 | None = None
    summary: Summary | None = None
    show_notes: Notes | None = None
    show_notes_format: NotesFormat | None = None
    season: PositiveInt | None = None
    episode_number: PositiveInt | None = None
    episode_type: EpisodeType | None = None
    explicit: StrictBool | None = None
    people: list[Person] | None = Field(default=None, max_length=50)
    keywords: list[Keyword] | None = Field(default=None, max_length=30)
    season_name: SeasonName | None = None
    episode_display: EpisodeDisplay | None = None
    block: StrictBool | None = None
    location: Location | None = None
    license: License | None = None
    soundbites: list[Soundbite] | None = Field(default=None, max_length=20)
    funding: list[EpisodeFunding] | None = Field(default=None, max_length=10)


class EpisodeCreate(_EpisodeFields):
    """A new episode starts as a draft; ``slug`` is made from the title unless given."""

    title: Text255
    slug: Slug | None = None


class EpisodeUpdate(_EpisodeFields):
    """PATCH: only the fields present change; the guid never does. Null clears a field, where
    the field can be empty."""

    title: Unclearable[Text255] = None
    slug: Slug | None = None
    summary: Unclearable[Summary] = None
    show_notes: Unclearable[Notes] = None
    show_notes_format: Unclearable[NotesFormat] = None
    episode_type: Unclearable[EpisodeType] = None
    explicit: Unclearable[StrictBool] = None
    block: Unclearable[StrictBool] = None


# Before this, a publish date is almost surely a mistake (``0`` read as 1970, a typo'd year);
# an import of an older archive says so with ``backdated``, and may go back to 1900.
EARLIEST_PUBLISH = datetime(2000, 1, 1, tzinfo=UTC)
EARLIEST_BACKDATED = datetime(1900, 1, 1, tzinfo=UTC)


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backdated: StrictBool = Field(
        default=False,
        description=(
            "True confirms that a past `at` is meant (back-dating: the episode appears below "
            "newer ones); without it a past `at` (more than 15 minutes ago) is refused with "
            "422. It also lets `at` go before 2000-01-01 (back to 1900-01-01), for imports of "
            "older archives."
        ),
    )
    at: ApiDatetime | None = Field(
        default=None,
        description=(
            "When to publish, as ISO 8601 text with a timezone (e.g. 2026-12-01T07:00:00Z; "
            "numbers are refused); omitted means now (an episode already public keeps its "
            "date), future schedules, past back-dates with `backdated`: true. "
            "Not before 2000-01-01 unless `backdated` is true."
        ),
    )

    @field_validator("at")
    @classmethod
    def _not_too_early(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        if value is None:
            return value
        if info.data.get("backdated") is True:
            if value < EARLIEST_BACKDATED:
                raise PydanticCustomError("datetime_range", "cannot be before 1900-01-01")
        elif value < EARLIEST_PUBLISH:
            raise PydanticCustomError(
                "datetime_range",
                "is before 2000-01-01; if this is an import of an older episode, also send "
                '"backdated": true',
            )
        return value


class EpisodeUploadFields(_EpisodeFields):
    """Form fields sent with an audio file; anything left out is filled from the tags."""

    title: Text255 | None = None
    slug: Slug | None = None

    @classmethod
    def model_validate(cls, obj: Any, *, strict: bool | None = False, **kwargs: Any) -> Self:
        """Lax by default: every form field is text, so "2" is a season and "true" is true."""
        return super().model_validate(obj, strict=strict, **kwargs)


class AudioRead(BaseModel):
    url: str
    mime_type: str
    size_bytes: int
    duration: float
    codec: str
    bitrate: int | None
    sample_rate: int | None
    channels: int | None
    sha256: str
    original_filename: str | None
    uploaded_at: datetime


class ImageRead(BaseModel):
    url: str
    width: int | None
    height: int | None


class ChapterRead(BaseModel):
    """One chapter as the episode lists it: the fields and names ``GET``/``PUT .../chapters``
    use (``img`` as in Podcasting 2.0 JSON chapters), so the list can be sent back as is."""

    start: float
    end: float | None
    title: str | None
    url: str | None
    img: str | None = Field(
        description="The chapter's image: its stored picture's URL, else the address given."
    )


class EpisodeRead(BaseModel):
    id: int
    guid: str
    slug: str
    title: str
    author: str | None
    summary: str
    show_notes: str
    show_notes_format: NotesFormat
    show_notes_html: str
    status: Status
    publish_at: datetime | None
    season: int | None
    episode_number: int | None
    episode_type: EpisodeType
    explicit: bool
    people: list[Person]
    keywords: list[str]
    season_name: str | None
    episode_display: str | None
    block: bool
    location: Location | None
    license: License | None
    soundbites: list[Soundbite]
    funding: list[EpisodeFunding]
    url: str
    audio: AudioRead | None
    artwork: ImageRead | None
    chapters: list[ChapterRead]
    suggested_publish_date: date | None
    created_at: datetime
    updated_at: datetime


class EpisodePage(BaseModel):
    items: list[EpisodeRead]
    total: int
    page: int
    per_page: int
