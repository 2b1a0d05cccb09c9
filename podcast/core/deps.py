"""Request-scoped dependencies. Everything comes from ``app.state``, built in ``create_app``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from anyio import to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

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


def get_optional_producer(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Producer | None:
    """The producer behind the request, or None for the public.

    A token that is sent but wrong is an error, never a silent downgrade to public access.
    """
    if credentials is None:
        return None
    producer = verify_token(session, credentials.credentials)
    if producer is None:
        raise Unauthorized("the token is not valid (it may have been revoked)")
    note_producer(request, producer.token_name)  # who, for the write log
    return producer


OptionalProducer = Annotated[Producer | None, Depends(get_optional_producer)]


def require_producer(producer: OptionalProducer) -> Producer:
    if producer is None:
        raise Unauthorized("this needs a producer token: send 'Authorization: Bearer <token>'")
    return producer


ProducerDep = Annotated[Producer, Depends(require_producer)]
