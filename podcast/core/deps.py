"""Request-scoped dependencies. Everything comes from ``app.state``, built in ``create_app``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.orm import Session

from podcast.core.auth import AdminCookie
from podcast.core.auth_log import refusal_reason, refused
from podcast.core.clock import Clock
from podcast.core.db import session_scope
from podcast.core.errors import Unauthorized
from podcast.core.observe import note_producer
from podcast.core.settings import Settings
from podcast.core.tokens import Producer, verify_token


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: a writer for anything that may change data, else a reader
    (which on SQLite never takes the write lock)."""
    state = request.app.state
    factory = state.read_sessionmaker if request.method in _SAFE_METHODS else state.sessionmaker
    with session_scope(factory) as session:
        yield session


async def end_transaction(session: Session) -> None:
    """Commit what the request has done so far, before a slow step such as receiving a body.

    On SQLite a writer holds the database's write lock from its first statement to its commit;
    a producer on a slow line must not make every other writer wait for their upload. The
    next statement begins a new transaction, so rows read before may have changed: look them
    up again.
    """
    await to_thread.run_sync(session.commit)


def get_clock(request: Request) -> Clock:
    return request.app.state.clock


SettingsDep = Annotated[Settings, Depends(get_settings)]
# scope="function": the commit happens before the response leaves, so a 2xx means it is stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]

_bearer = HTTPBearer(auto_error=False, description="A producer token from `podcast token create`")


def _token_producer(request: Request, session: Session, token: str) -> Producer:
    """The producer a bearer token belongs to; a token that is sent but wrong is an error,
    never a silent downgrade to public access."""
    producer = verify_token(session, token)
    if producer is None:
        refused(request, "token_refused", refusal_reason(token))
        raise Unauthorized(
            "the token is not valid: mistyped, revoked, or made for another installation "
            "(`podcast token list`, run with this server's PODCAST_DATA_DIR or "
            "PODCAST_DATABASE_URL, lists the tokens it knows)"
        )
    note_producer(request, producer.token_name)  # who, for the write log
    return producer


def get_optional_producer(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Producer | None:
    """The producer behind an API request (bearer token only), or None for the public."""
    if credentials is None:
        return None
    return _token_producer(request, session, credentials.credentials)


OptionalProducer = Annotated[Producer | None, Depends(get_optional_producer)]


def require_producer(request: Request, producer: OptionalProducer) -> Producer:
    if producer is None:
        refused(request, "token_refused", "missing_token")
        raise Unauthorized("this needs a producer token: send 'Authorization: Bearer <token>'")
    return producer


ProducerDep = Annotated[Producer, Depends(require_producer)]

# Set on ``app.state.admin_cookie`` by the web shell (``podcast.web.install``), which alone
# knows the session secret and cookie name; without it only bearer tokens count.
AdminCookieSource = Callable[[Request], AdminCookie]


def producer_of(request: Request, session: Session, now: datetime) -> Producer | None:
    """The producer asking for a file that only producers may see before it is public (draft
    audio, transcripts, chapters): by bearer token, or by the admin session cookie, so the
    admin's transcript editor and a signed-in producer's preview of a draft load them too.

    For reading files only: the JSON API takes bearer tokens alone, because a browser sends
    cookies with any site's request and writes would become forgeable (CSRF). A bearer token
    that is sent but wrong raises :class:`Unauthorized`.
    """
    scheme, token = get_authorization_scheme_param(request.headers.get("authorization"))
    if scheme.lower() == "bearer" and token:
        return _token_producer(request, session, token)
    source: AdminCookieSource | None = getattr(request.app.state, "admin_cookie", None)
    if source is None:
        return None
    admin = source(request).read(session, request.cookies, now)
    if admin is None:
        return None
    note_producer(request, admin.token_name)
    return Producer(token_name=admin.token_name)


def get_producer_or_admin(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Producer | None:
    """:func:`producer_of` as a dependency (``_credentials`` declares the bearer scheme in
    the OpenAPI document)."""
    return producer_of(request, session, clock.now())


OptionalProducerOrAdmin = Annotated[Producer | None, Depends(get_producer_or_admin)]
