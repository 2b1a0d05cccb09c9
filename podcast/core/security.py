"""Security headers: one definition for every HTML response, and HSTS for https deployments.

Pages, ``transcript.html`` and the API docs all take their headers from here, so a change to
the policy reaches every document that a browser renders.
"""

from __future__ import annotations

from starlette.types import Message, Send

# No inline script or style anywhere: even markup that slipped through escaping cannot run.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
    "media-src 'self' https:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

# The explicit exemption for /docs and /redoc (assets served from the fastapi-offline package,
# never a CDN): Swagger UI sets style attributes and ReDoc injects <style> elements and runs
# its search in a blob: worker. Scripts stay same-origin files: no inline script, no eval.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_HEADERS = {**SECURITY_HEADERS, "Content-Security-Policy": DOCS_CSP}

# A year, the usual value; not includeSubDomains or preload, which bind hosts we do not run.
HSTS = "max-age=31536000"
_HSTS_HEADER = (b"strict-transport-security", HSTS.encode("latin-1"))


def hsts_headers(base_url: str) -> list[tuple[bytes, bytes]]:
    """What :func:`hsts_send` adds, as raw headers, for the fast routes that send prepared
    messages without a wrapped ``send`` (``podcast.fastpath``): HSTS on https, else nothing."""
    return [_HSTS_HEADER] if base_url.startswith("https://") else []


def hsts_send(send: Send) -> Send:
    """``send`` adding ``Strict-Transport-Security`` to a response that lacks it."""
    header = _HSTS_HEADER

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            if not any(name.lower() == header[0] for name, _value in headers):
                headers.append(header)
            message = {**message, "headers": headers}
        await send(message)

    return sending
