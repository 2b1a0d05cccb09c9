"""Value schemas shared by the show and its episodes (Podcasting 2.0 people and funding)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)
from pydantic_core import PydanticCustomError

Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _http_url(value: str) -> str:
    """An absolute http(s) URL, normalised to ASCII (IDNA host, percent-encoded path)."""
    try:
        return str(_HTTP_URL.validate_python(value))
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"]) from None


Url = Annotated[str, AfterValidator(_http_url)]

_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
DATETIME_EXAMPLE = "2026-12-01T07:00:00Z"


def _iso_string(value: object) -> object:
    """Only ISO 8601 text: pydantic would read ``0`` or ``"0"`` as a Unix time (1970)."""
    if not isinstance(value, str) or not _ISO_DATETIME.match(value):
        raise PydanticCustomError(
            "datetime_text",
            "must be a date and time with a timezone, as text such as {example} "
            "(numbers are not read as times)",
            {"example": DATETIME_EXAMPLE},
        )
    return value


def _in_utc(value: datetime) -> datetime:
    """UTC, as it is stored; ``9999-12-31T23:59-14:00`` is past the end of the calendar there."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "is out of range") from None


# Every datetime the API accepts: ISO 8601 text with a timezone (Z or an offset).
ApiDatetime = Annotated[AwareDatetime, BeforeValidator(_iso_string), AfterValidator(_in_utc)]


class Person(BaseModel):
    """A ``podcast:person``: roles and groups follow the namespace's taxonomy, in lower case."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
    role: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)
    ] = "host"
    group: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64)
    ] = "cast"
    href: Url | None = None
    img: Url | None = None


class Funding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    text: str = Field(default="Support the show", max_length=128)
