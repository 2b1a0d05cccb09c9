"""An image sent to the producer API: the raw body or the multipart field ``file``.

One reader for every route that takes a picture (``PUT /api/show/artwork``, ``PUT
/api/episodes/{id}/artwork``, a chapter's image), so they accept the same two forms, refuse the
same way (413 naming the limit, 422 naming ``file`` when the form has no file) and leave nothing
in storage's staging area whatever happens. The bytes are checked by the caller
(``podcast.media.artwork``): the format is read from them, never from the declared type.
"""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import Request

from podcast.core.errors import Invalid
from podcast.core.json_body import media_type_of
from podcast.core.request_body import MULTIPART_SLACK, check_declared_length, read_limited
from podcast.media.artwork import MAX_BYTES
from podcast.media.storage import Storage
from podcast.media.uploads import FILE_FIELD, receive_multipart

__all__ = ["IMAGE_REQUEST_BODY", "receive_image_body"]

_BINARY = {"schema": {"type": "string", "format": "binary"}}
# The OpenAPI ``requestBody`` of every route that reads its image with ``receive_image_body``.
IMAGE_REQUEST_BODY: dict[str, Any] = {
    "description": "A JPEG or PNG image: the file itself as the body, or the multipart field "
    f"'{FILE_FIELD}'.",
    "content": {
        "image/jpeg": _BINARY,
        "image/png": _BINARY,
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {FILE_FIELD: {"type": "string", "format": "binary"}},
                "required": [FILE_FIELD],
            }
        },
    },
    "required": True,
}


async def receive_image_body(request: Request, storage: Storage, limit: int = MAX_BYTES) -> bytes:
    """The image's bytes, at most ``limit``: the raw body, or the multipart field ``file``
    (staged in ``storage`` as it streams, read back once and deleted, even on error)."""
    if media_type_of(request) != "multipart/form-data":
        return await read_limited(request, limit, what="the image")
    check_declared_length(
        request.headers.get("content-length"), limit, slack=MULTIPART_SLACK, what="the image"
    )
    received, _fields = await receive_multipart(
        request.stream(), request.headers["content-type"], storage, limit, what="the image"
    )
    if received is None:
        raise Invalid(
            f"is required: send the image as the multipart field '{FILE_FIELD}'", field=FILE_FIELD
        )
    try:
        return await to_thread.run_sync(received.read_bytes)
    finally:
        received.discard()
