"""How ``/media/...`` and ``/images/...`` hand over stored bytes (``PODCAST_MEDIA_DELIVERY``).

``proxy``: this service sends the bytes (``podcast.media.responses.serve_file``: ranges, HEAD,
conditional requests). ``redirect``: it answers ``302`` to the store's own URL
(``Storage.url_for``) and the store (S3, a CDN in front of it) serves the bytes, ranges, HEAD
and revalidation. Either way the URL in the feed stays on this domain, so feeds never change
when the storage moves, and the episode's visibility is checked before anything is sent.

A 302 may be kept by whoever receives it (Cache-Control), and a presigned URL expires, so a
302 to one is kept only privately and only for a fraction of the URL's life
(:func:`presigned_reuse_seconds`); a 302 to a public URL is cached like the bytes would be.
docs/operations.md, "Media delivery", says when to choose which.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.responses import Response

from podcast.core.settings import Settings
from podcast.media.storage import Storage

# A redirect is kept at most this long: replaced audio keeps its /media URL but not its key.
MAX_REDIRECT_AGE = 3600


def presigned_reuse_seconds(presign_seconds: int) -> int:
    """How long one presigned URL is handed out again, and how long a 302 naming it may be
    kept: a tenth of its life, at most an hour. Whoever follows a 302 kept that long still has
    at least 80% of the URL's life to play (and seek in) the episode with it."""
    return min(MAX_REDIRECT_AGE, presign_seconds // 10)


@dataclass(frozen=True, slots=True)
class Delivery:
    redirect: bool
    # Cache-Control of a 302 to a presigned URL; None: the store's URLs do not expire.
    presigned_cache: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Delivery:
        if settings.media_delivery != "redirect":
            return cls(redirect=False)
        if settings.media_public_url:
            return cls(redirect=True)
        age = presigned_reuse_seconds(settings.presign_seconds)
        return cls(redirect=True, presigned_cache=f"private, max-age={age}")

    def to_store(
        self, storage: Storage, key: str, method: str, *, cache_control: str, public: bool
    ) -> Response:
        """The 302 to the store's URL for ``key``, signed for ``method`` (HEAD or GET).

        ``cache_control`` is what the bytes themselves would carry when ``public``; what only
        a producer may see is never kept. No body, no validators: they would describe the
        audio, not this answer. ``Accept-Ranges`` says the target takes ranges (through the
        redirect): a 302 without it got episodes delisted (docs/standards.md, "Byte ranges").
        """
        url = storage.url_for(key, "HEAD" if method == "HEAD" else "GET")
        if url is None:
            raise RuntimeError(f"{storage!r} has no URL to redirect to: use proxy delivery")
        if not public:
            cache_control = "private, no-store"
        elif self.presigned_cache is not None:
            cache_control = self.presigned_cache
        return StoreRedirect(url, cache_control)


class StoreRedirect(Response):
    """A bodiless 302 with its raw headers made directly: the whole answer of the enclosure
    fast path in redirect delivery, so nothing per request that Response's keyword
    constructor would do (docs/performance.md, "Redirects to S3")."""

    def __init__(self, location: str, cache_control: str) -> None:
        self.status_code = 302
        self.body = b""
        self.background = None
        self.raw_headers = [
            (b"location", location.encode("latin-1")),
            (b"cache-control", cache_control.encode("latin-1")),
            (b"accept-ranges", b"bytes"),
            (b"content-length", b"0"),
        ]
