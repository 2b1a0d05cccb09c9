"""Value schemas shared by the show and its episodes (Podcasting 2.0 people and funding)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
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

from podcast.core.podcast_namespace import (
    DEFAULT_GROUP,
    DEFAULT_ROLE,
    LOCATION_RELS,
    PERSON_GROUPS,
    PERSON_ROLES,
    country_problem,
    geo_problem,
    osm_problem,
    person_role,
    rel_problem,
)


@dataclass(frozen=True)
class _PatternRule:
    """A rule on text by a regular expression, with ``message`` in words when it fails: the
    pydantic hooks both rules share; each says when text fails and what its schema says."""

    pattern: str
    message: str

    def _error(self, regex: re.Pattern[str], value: str) -> PydanticCustomError | None:
        raise NotImplementedError

    def _schema(self, out: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        regex = re.compile(self.pattern)

        def check(value: str) -> str:
            error = self._error(regex, value)
            if error is not None:
                raise error
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        return self._schema(dict(handler(schema)))


class _Refuse(_PatternRule):
    """Text matching ``pattern`` is refused with ``message``, and the schema says so with a
    "not" (a negated pattern would make schema-driven test data generation far slower)."""

    def _error(self, regex: re.Pattern[str], value: str) -> PydanticCustomError | None:
        return PydanticCustomError("refused", self.message) if regex.search(value) else None

    def _schema(self, out: dict[str, Any]) -> dict[str, Any]:
        return {**out, "allOf": [*out.get("allOf", []), {"not": {"pattern": self.pattern}}]}


class Matching(_PatternRule):
    """Text must match ``pattern`` (anchored, ``^...$``); if not, the error says ``message``,
    what to type in words, instead of pydantic's "String should match pattern '^[a-z0-9]+...'".
    The type stays ``string_pattern_mismatch`` and the JSON schema keeps the ``pattern``, so
    the API, the admin forms and the CLI, which all read the message, say the same words."""

    def _error(self, regex: re.Pattern[str], value: str) -> PydanticCustomError | None:
        if regex.fullmatch(value) is not None:  # not search: "$" would allow a final newline
            return None
        return PydanticCustomError(
            "string_pattern_mismatch", self.message, {"pattern": self.pattern}
        )

    def _schema(self, out: dict[str, Any]) -> dict[str, Any]:
        return {**out, "pattern": self.pattern}


# PostgreSQL cannot store U+0000 in text.
NO_NUL = _Refuse(r"\u0000", "cannot contain the character U+0000")
# What strip_whitespace removes (Unicode White_Space, not Python's str.isspace()): after it, a
# text of nothing but these is empty, so a schema with minLength must also refuse them.
BLANK = r"^[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$"
NOT_BLANK = _Refuse(BLANK, "cannot be blank")


Text255 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=255),
    NO_NUL,
    NOT_BLANK,
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


def _https_url(value: str) -> str:
    """The namespace's tags take https URLs only (an app fetches them without asking)."""
    if not value.startswith("https://"):
        raise PydanticCustomError("https_url", "must be an https:// URL")
    return value


# A URL in a Podcasting 2.0 tag: as :data:`Url`, and https only.
HttpsUrl = Annotated[
    Url,
    AfterValidator(_https_url),
    WithJsonSchema(
        {"type": "string", "format": "iri", "pattern": "^https://", "maxLength": URL_MAX_LENGTH}
    ),
]


def _in_taxonomy(allowed: frozenset[str] | Iterable[str], what: str) -> Any:
    names = sorted(set(allowed))

    def check(value: str) -> str:
        if value not in names:
            raise PydanticCustomError(
                "taxonomy",
                "'{value}' is not a {what} in the Podcast Taxonomy: use one of {allowed}",
                {"value": value, "what": what, "allowed": ", ".join(names)},
            )
        return value

    return AfterValidator(check)


_TaxonomyText = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=64),
    NO_NUL,
    NOT_BLANK,
]
PersonRole = Annotated[
    _TaxonomyText,
    _in_taxonomy(PERSON_ROLES, "role"),
    AfterValidator(person_role),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(PERSON_ROLES),
            "description": "A role from the Podcast Taxonomy (any case: stored in lower case)",
        }
    ),
]
PersonGroup = Annotated[
    _TaxonomyText,
    _in_taxonomy(PERSON_GROUPS, "group"),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(PERSON_GROUPS),
            "description": "A group from the Podcast Taxonomy (any case: stored in lower case)",
        }
    ),
]


class Person(BaseModel):
    """A ``podcast:person``: roles and groups come from the namespace's taxonomy, matched in
    lower case (``Host`` is stored as ``host``); anything else is refused naming the list."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=128),
        NO_NUL,
        NOT_BLANK,
    ]
    role: PersonRole = DEFAULT_ROLE
    group: PersonGroup = DEFAULT_GROUP
    href: HttpsUrl | None = None
    img: HttpsUrl | None = None


class Funding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: HttpsUrl
    text: Annotated[str, NO_NUL] = Field(default="Support the show", max_length=128)


# Free text of a namespace tag: the spec asks for at most 128 characters.
Text128 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128),
    NO_NUL,
    NOT_BLANK,
]


class License(BaseModel):
    """``podcast:license``: an SPDX identifier (``CC-BY-4.0``) or a name, and the licence's
    text at an https URL (the namespace requires it for a licence not on its list)."""

    model_config = ConfigDict(extra="forbid")

    name: Text128
    url: HttpsUrl | None = None


# What geo_problem and osm_problem accept, for the JSON Schema (latitude within ±90 and
# longitude within ±180 spelled out, as a pattern cannot compare numbers).
GEO_SCHEMA_PATTERN = (
    r"^[gG][eE][oO]:-?([0-8]?[0-9](\.[0-9]+)?|90(\.0+)?),"
    r"-?([0-9]{1,2}(\.[0-9]+)?|0[0-9]{2}(\.[0-9]+)?|1[0-7][0-9](\.[0-9]+)?|180(\.0+)?)"
    r"(,-?[0-9]+(\.[0-9]+)?)?(;[uU]=[0-9]+(\.[0-9]+)?)?$"
)
OSM_SCHEMA_PATTERN = r"^[NWRnwr][1-9][0-9]*(#[1-9][0-9]*)?$"


def _checked(problem: Any) -> Any:
    def check(value: str) -> str:
        message = problem(value)
        if message:
            raise PydanticCustomError("namespace_format", message)
        return value

    return AfterValidator(check)


class Location(BaseModel):
    """``podcast:location``: a place's name, its ``geo:`` URI (RFC 5870) and OpenStreetMap id
    (``R148838``), as the namespace's location.md writes them; optionally ``rel`` (``subject``
    or ``creator``) and ``country`` (``GB``). An absent ``rel`` means ``subject`` and is left
    out of the feed, so only what the producer set is stored and written."""

    model_config = ConfigDict(extra="forbid")

    name: Text128
    geo: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, to_lower=True, max_length=128),
            _checked(geo_problem),
            WithJsonSchema(
                {
                    "type": "string",
                    "description": "An RFC 5870 geo: URI",
                    "pattern": GEO_SCHEMA_PATTERN,
                    "examples": ["geo:53.48,-2.24"],
                }
            ),
        ]
        | None
    ) = None
    osm: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True, to_upper=True, max_length=32),
            _checked(osm_problem),
            WithJsonSchema(
                {
                    "type": "string",
                    "description": "An OpenStreetMap id",
                    "pattern": OSM_SCHEMA_PATTERN,
                    "examples": ["R146656"],
                }
            ),
        ]
        | None
    ) = None
    rel: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True),
            _checked(rel_problem),
            WithJsonSchema(
                {
                    "type": "string",
                    "enum": list(LOCATION_RELS),
                    "description": "subject (the default): the place the podcast is about; "
                    "creator: where it is made",
                }
            ),
        ]
        | None
    ) = None
    country: (
        Annotated[
            str,
            StringConstraints(strip_whitespace=True),
            _checked(country_problem),
            WithJsonSchema(
                {
                    "type": "string",
                    "description": "An ISO 3166-1 alpha-2 country code, in capitals",
                    "pattern": "^[A-Z]{2}$",
                    "examples": ["GB"],
                }
            ),
        ]
        | None
    ) = None


def patched_fields(changes: BaseModel) -> dict[str, Any]:
    """The fields a PATCH named, as they are stored: each nested object complete, with its
    defaults filled in and its empty keys left out, exactly as creating stores it.

    (``model_dump(exclude_unset=True)`` would also drop the defaults *inside* nested objects,
    e.g. a person's group "cast", so the same person would be stored two ways.) A named field
    set to null stays null: that is how a PATCH clears it.
    """
    stored = changes.model_dump(exclude_none=True, mode="json")
    return {name: stored.get(name) for name in changes.model_fields_set}
