"""Value schemas shared by the show and its episodes (Podcasting 2.0 people and funding)."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)


def _http_url(value: str) -> str:
    """An absolute http(s) URL, normalised to ASCII (IDNA host, percent-encoded path)."""
    try:
        return str(_HTTP_URL.validate_python(value))
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"]) from None


Url = Annotated[str, AfterValidator(_http_url)]


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
