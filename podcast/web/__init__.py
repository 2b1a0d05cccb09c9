"""Server-rendered pages for readers and the producers' admin area."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from podcast.web.templating import STATIC_DIR


def install(app: FastAPI) -> None:
    """Mount the statics, include the page routers and the admin's redirect/CSRF handlers."""
    from podcast.core import http_errors
    from podcast.web.admin import analytics as admin_analytics
    from podcast.web.admin import delete as admin_delete
    from podcast.web.admin import episode_art, transcript_editor
    from podcast.web.admin import episodes as admin
    from podcast.web.admin import imports as admin_imports
    from podcast.web.admin import jobs as admin_jobs
    from podcast.web.admin import show as admin_show
    from podcast.web.admin.common import EpisodeNotFound
    from podcast.web.public import error_pages, pages
    from podcast.web.sessions import CsrfFailed, LoginRequired, admin_cookie, login_url

    # Draft audio, transcript and chapters files know a signed-in producer by this cookie.
    app.state.admin_cookie = admin_cookie
    # Browsers get the site's 404 and 405 pages for any path; JSON clients keep JSON.
    http_errors.use_html_pages(app, error_pages.error_page)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(pages.router)
    app.include_router(admin.router)
    app.include_router(admin_show.router)
    app.include_router(admin_delete.router)
    app.include_router(episode_art.router)
    app.include_router(admin_jobs.router)
    app.include_router(admin_analytics.router)
    app.include_router(transcript_editor.router)
    app.include_router(admin_imports.router)

    async def _login_required(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        response = RedirectResponse(login_url(exc.next_path), status_code=303)
        response.headers["Cache-Control"] = "no-store"
        return response

    async def _csrf_failed(request: Request, _exc: Exception) -> Response:
        return admin.csrf_failed_page(request)

    async def _episode_not_found(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, EpisodeNotFound)
        return exc.page

    app.add_exception_handler(EpisodeNotFound, _episode_not_found)
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfFailed, _csrf_failed)
