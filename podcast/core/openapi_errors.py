"""The error answers as OpenAPI documents them: the bodies ``podcast.core.errors`` sends.

Route decorators say which statuses an operation can really answer with
``responses=responses(401, 404, 422, ...)``; the shapes and the generic wording live here once.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    """Every error answer: one sentence a producer can act on."""

    detail: str


class FieldError(BaseModel):
    field: str = Field(description="Where: a dotted path such as `people[0].name`, or `body`.")
    message: str


class ValidationErrorBody(ErrorBody):
    """A request whose fields failed validation; ``detail`` joins the ``errors``."""

    errors: list[FieldError]


class TranscriptErrorBody(ErrorBody):
    """A transcript file that cannot be read."""

    line: int | None = Field(description="The line of the file at fault, when there is one.")


# Operations a token changes but does not gate (producers see drafts too): the anonymous
# alternative ``{}`` beside the bearer scheme FastAPI declares (``openapi_extra`` lists append).
TOKEN_OPTIONAL: dict[str, Any] = {"security": [{}]}

# A 422 from a check beyond the schema (a damaged audio file, say) has ``detail`` alone.
ContentError = ValidationErrorBody | ErrorBody
# A transcript upload: a file that cannot be read names its line; a bad language tag has
# ``detail`` alone.
TranscriptContentError = ValidationErrorBody | TranscriptErrorBody | ErrorBody

_DESCRIPTIONS = {
    304: "The client's copy is current (If-None-Match, If-Modified-Since).",
    400: "The body is not valid JSON, or the multipart form is malformed.",
    401: "A producer token is needed, or the one sent is not valid (revoked or mistyped).",
    404: "There is no such resource, or it is not public and no producer token was sent.",
    409: "The change conflicts with what is stored (see `detail`).",
    412: "If-Match (or If-Unmodified-Since) names another version than the current one.",
    413: "The body is larger than this operation accepts.",
    415: "The Content-Type, or the content itself, is not a kind this operation accepts.",
    503: "The database is unavailable or busy for now: try again shortly.",
}
_INVALID = "The request is well-formed but not valid: `errors` lists the fields at fault"
_UNPROCESSABLE: dict[Any, str] = {
    ValidationErrorBody: f"{_INVALID}.",
    ContentError: f"{_INVALID}; a check beyond the schema (a damaged file, a blank search) "
    "answers with `detail` alone.",
    TranscriptContentError: f"{_INVALID}; a file that cannot be read as a transcript answers "
    "with `detail` and `line`, a language that is not a tag such as `en-GB` with `detail` alone.",
}


def responses(
    *codes: int | tuple[int, str], unprocessable: Any = ValidationErrorBody
) -> dict[int | str, dict[str, Any]]:
    """FastAPI's ``responses=`` for the statuses an operation can answer with besides success.

    A code may come with its own description, ``(409, "the episode has no audio yet")``.
    ``unprocessable`` is the 422 body: ``ContentError`` where the operation also checks the
    content, ``TranscriptContentError`` for transcript uploads. A 304 has no body.
    """
    out: dict[int | str, dict[str, Any]] = {}
    for item in codes:
        code, description = item if isinstance(item, tuple) else (item, None)
        if code == 304:
            out[code] = {"description": description or _DESCRIPTIONS[code]}
        elif code == 422:
            description = description or _UNPROCESSABLE[unprocessable]
            out[code] = {"model": unprocessable, "description": description}
        else:
            out[code] = {"model": ErrorBody, "description": description or _DESCRIPTIONS[code]}
    return out


def install(app: FastAPI) -> None:
    """Drop the 422 FastAPI adds to every operation with parameters, in a shape we never send.

    Where a 422 can really happen, the operation declares it with :func:`responses`.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        fastapi_422 = {"$ref": "#/components/schemas/HTTPValidationError"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                answers = operation.get("responses", {})
                content = answers.get("422", {}).get("content", {})
                if content.get("application/json", {}).get("schema") == fastapi_422:
                    del answers["422"]
        components = schema.get("components", {}).get("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
