"""Value schemas shared by the show and its episodes (Podcasting 2.0 people and funding)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    HttpUrl,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError, core_schema


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul", "cannot contain the character U+0000")
    return value


@dataclass(frozen=True)
class _NoNul:
    """Text a database can store: PostgreSQL refuses U+0000, so the API refuses it (422) and
    its schema says so."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_no_nul, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        out = handler(schema)
        out["pattern"] = "^[^\\u0000]*$"
        return dict(out)


NO_NUL = _NoNul()
Text255 = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255), NO_NUL
]


_HTTP_URL: TypeAdapter[HttpUrl] = TypeAdapter(HttpUrl)
# The URL columns' size; normalising (IDNA, percent-encoding) can only make a URL longer.
URL_MAX_LENGTH = 2048


def _http_url(value: str) -> str:
    """An absolute http(s) URL, normalised to ASCII (IDNA host, percent-encoded path)."""
    try:
        url = str(_HTTP_URL.validate_python(value))
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"]) from None
    if len(url) > URL_MAX_LENGTH:
        raise ValueError(f"must be at most {URL_MAX_LENGTH} characters")
    return url


# "iri": non-ASCII hosts and paths are accepted (and stored normalised, as above).
Url = Annotated[
    str,
    AfterValidator(_http_url),
    WithJsonSchema(
        {"type": "string", "format": "iri", "pattern": "^https?://", "maxLength": URL_MAX_LENGTH}
    ),
]

T = TypeVar("T")


def _not_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("not_null", "cannot be empty")
    return value


def _not_nullable(schema: dict[str, Any]) -> None:
    schema.pop("default", None)
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


# A PATCH field that may be left out (None) but not cleared: an explicit null is refused, and
# the schema offers neither null nor a null default.
Unclearable = Annotated[T | None, AfterValidator(_not_null), Field(json_schema_extra=_not_nullable)]


class Person(BaseModel):
    """A ``podcast:person``: roles and groups follow the namespace's taxonomy, in lower case."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), NO_NUL
    ]
    role: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64),
        NO_NUL,
    ] = "host"
    group: Annotated[
        str,
        StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64),
        NO_NUL,
    ] = "cast"
    href: Url | None = None
    img: Url | None = None


class Funding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: Url
    text: Annotated[str, NO_NUL] = Field(default="Support the show", max_length=128)
