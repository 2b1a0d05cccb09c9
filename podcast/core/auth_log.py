"""Log lines for refused credentials: a failed admin sign-in, an API request refused for its
bearer token (docs/operations.md, "Logs").

One structured line per refusal (``event``, ``method``, ``route`` as its template, ``status``,
``reason``), never the token, a cookie or the client's address (podcast.core.logs). A scanner
trying tokens must not flood the log: the same event, route and reason is logged at most once
a second, and the next line that is logged says how many were left out meanwhile
(``suppressed``). The keys are templates and fixed reasons, so the table stays small.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import Literal

from starlette.requests import Request

from podcast.core.observe import route_template
from podcast.core.tokens import TOKEN_PREFIX

log = logging.getLogger("podcast.auth")

Event = Literal["sign_in_refused", "token_refused"]
# missing_token: none was sent; malformed_token: not shaped like any token we make;
# unknown_token: shaped like one, but no token has it (mistyped, revoked: a revoked token is
# deleted, or made for another installation); form_expired: the sign-in form's CSRF check
# failed (an old form, cookies off, or a forged post).
Reason = Literal["missing_token", "malformed_token", "unknown_token", "form_expired"]

# Ours are TOKEN_PREFIX + 43 URL-safe base64 characters; a little slack either way.
_TOKEN_SHAPE = re.compile(re.escape(TOKEN_PREFIX) + r"[A-Za-z0-9_-]{20,100}")
INTERVAL_SECONDS = 1.0

_lock = threading.Lock()
# (event, method, route, reason) -> (when last logged, how many left out since)
_last: dict[tuple[str, str, str, str], tuple[float, int]] = {}


def refusal_reason(presented: str | None) -> Reason:
    """Why a presented token (already found not to be valid) was refused."""
    token = (presented or "").strip()
    if not token:
        return "missing_token"
    return "unknown_token" if _TOKEN_SHAPE.fullmatch(token) else "malformed_token"


def refused(request: Request, event: Event, reason: Reason, status: int = 401) -> None:
    """Log one refusal, unless the same one was logged less than a second ago (then it is
    counted, and reported with the next line)."""
    method = request.method
    route = route_template(request.scope)
    key = (event, method, route, reason)
    now = time.monotonic()
    with _lock:
        last, suppressed = _last.get(key, (float("-inf"), 0))
        if now - last < INTERVAL_SECONDS:
            _last[key] = (last, suppressed + 1)
            return
        _last[key] = (now, 0)
    what = "sign-in refused" if event == "sign_in_refused" else "token refused"
    more = f"; {suppressed} more like it left out of the log" if suppressed else ""
    log.warning(
        "%s: %s %s (%s, %d)%s",
        what,
        method,
        route,
        reason,
        status,
        more,
        extra={
            "event": event,
            "method": method,
            "route": route,
            "status": status,
            "reason": reason,
            "suppressed": suppressed or None,
        },
    )
