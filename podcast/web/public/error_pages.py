"""The site's HTML pages for 404 and 405, for browsers on any path (public, ``/admin``, files).

``podcast.core.http_errors`` maps the errors and picks these when ``Accept`` prefers HTML;
here they get the page around them (the show's name and navigation), read in a thread.
"""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from podcast.core.db import session_scope
from podcast.shows.service import get_default_show
from podcast.web.responses import render


def error_page(request: Request, status: int) -> Response:
    """``not_found.html`` (404) or ``method_not_allowed.html`` (405), with that status."""
    state = request.app.state
    with session_scope(state.read_sessionmaker) as session:
        show = get_default_show(session, state.settings)
        context = {"show": show, "admin": None, "what": "page", "method": request.method}
        name = "not_found.html" if status == 404 else "method_not_allowed.html"
        return render(request, name, context, status_code=status)
