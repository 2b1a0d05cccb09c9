"""The admin session on HTTP: cookies, the signed-in producer as a dependency, CSRF checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from podcast.core import auth
from podcast.core.auth import AdminCookie, AdminSession
from podcast.core.deps import ClockDep, SessionDep
from podcast.core.observe import note_producer
from podcast.core.request_body import check_declared_length
from podcast.core.settings import WebSettings
from podcast.web.config import load_secret

SESSION_COOKIE = "podcast_admin"
LOGIN_COOKIE = "podcast_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
# Small forms only: audio uploads are streamed by their own route, never through form().
FORM_LIMITS = {"max_files": 1, "max_fields": 60, "max_part_size": 1024 * 1024}
MAX_FORM_BYTES = 20 * 1024 * 1024  # a transcript file is the largest thing these forms carry


@dataclass(frozen=True)
class WebState:
    settings: WebSettings
    secret: bytes
    secure: bool

    @property
    def session_cookie(self) -> str:
        # __Host- makes browsers refuse the cookie unless it is Secure, host-only and Path=/.
        return f"__Host-{SESSION_COOKIE}" if self.secure else SESSION_COOKIE

    @property
    def login_cookie(self) -> str:
        return f"__Host-{LOGIN_COOKIE}" if self.secure else LOGIN_COOKIE

    @property
    def cookie(self) -> AdminCookie:
        return AdminCookie(self.session_cookie, self.secret, self.settings.session_hours * 3600)


class LoginRequired(Exception):
    """An admin page was asked for without a session: the handler redirects to sign in."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class CsrfFailed(Exception):
    """A POST without the form's CSRF token (or with another session's)."""


def web_state(request: Request) -> WebState:
    """Built on first use from the app's settings, so tests get their own secret and flags."""
    state = getattr(request.app.state, "web", None)
    if state is None:
        settings = request.app.state.settings
        web_settings = settings.web
        state = WebState(
            settings=web_settings,
            secret=load_secret(web_settings.session_secret, settings.data_dir),
            secure=settings.base_url.startswith("https://"),
        )
        request.app.state.web = state
    return state


WebDep = Annotated[WebState, Depends(web_state)]


def admin_cookie(request: Request) -> AdminCookie:
    """The session cookie's settings for core (``podcast.core.deps.AdminCookieSource``)."""
    return web_state(request).cookie


def current_admin(
    request: Request, session: SessionDep, clock: ClockDep, web: WebDep
) -> AdminSession | None:
    admin = web.cookie.read(session, request.cookies, clock.now())
    if admin is not None:
        note_producer(request, admin.token_name)  # who, for the write log
    return admin


OptionalAdmin = Annotated[AdminSession | None, Depends(current_admin)]


def require_admin(request: Request, admin: OptionalAdmin) -> AdminSession:
    if admin is None:
        path = request.url.path if request.method == "GET" else "/admin"
        if request.method == "GET" and request.url.query:
            path += "?" + request.url.query
        raise LoginRequired(path)
    return admin


AdminDep = Annotated[AdminSession, Depends(require_admin)]


def login_url(next_path: str) -> str:
    return (
        "/admin/login" if next_path in ("", "/admin") else f"/admin/login?next={quote(next_path)}"
    )


def safe_next(value: str | None) -> str:
    """Only our own admin paths: ``next`` must never send a producer to another site."""
    if value and value.startswith("/admin") and "//" not in value and "\\" not in value:
        return value
    return "/admin"


def set_session_cookie(response: Response, web: WebState, value: str) -> None:
    response.set_cookie(
        web.session_cookie,
        value,
        max_age=web.settings.session_hours * 3600,
        path="/",
        secure=web.secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, web: WebState) -> None:
    response.delete_cookie(
        web.session_cookie, path="/", secure=web.secure, httponly=True, samesite="lax"
    )


def login_form_id(request: Request, web: WebState, response: Response | None = None) -> str:
    """The pre-login id the sign-in form's CSRF token is bound to (double-submit cookie)."""
    existing = request.cookies.get(web.login_cookie)
    if existing and 16 <= len(existing) <= 64:
        return existing
    value = auth.new_session_id()
    if response is not None:
        set_login_cookie(response, web, value)
    return value


def set_login_cookie(response: Response, web: WebState, value: str) -> None:
    response.set_cookie(
        web.login_cookie,
        value,
        max_age=3600,
        path="/",
        secure=web.secure,
        httponly=True,
        samesite="lax",
    )


def check_csrf(web: WebState, session_id: str | None, presented: str | None) -> None:
    if not auth.csrf_valid(web.secret, session_id, presented):
        raise CsrfFailed()


async def checked_form(request: Request, admin: AdminDep, web: WebDep) -> FormData:
    """The POSTed form of a signed-in producer, once its CSRF token has been checked."""
    return await read_checked_form(request, admin, web)


async def read_checked_form(
    request: Request, admin: AdminSession, web: WebState, max_fields: int | None = None
) -> FormData:
    """:func:`checked_form` for forms with more fields than most (the transcript editor)."""
    check_declared_length(request.headers.get("content-length"), MAX_FORM_BYTES, what="the form")
    limits = FORM_LIMITS | ({"max_fields": max_fields} if max_fields else {})
    form = await request.form(**limits)
    presented = form.get(CSRF_FIELD)
    check_csrf(web, admin.session_id, presented if isinstance(presented, str) else None)
    return form


FormDep = Annotated[FormData, Depends(checked_form)]
