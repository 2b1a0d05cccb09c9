"""Change notifications: ``on_change`` listeners run after a commit that wrote, only then."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, create_engine, delete, select

from podcast.core.db import Base, Sessions, make_sessionmaker, on_change, session_scope
from podcast.core.tokens import ProducerToken

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
def calls() -> list[str]:
    return []


def sessions(calls: list[str], engine: Engine | None = None) -> Sessions:
    if engine is None:
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine, tables=[ProducerToken.__table__])  # type: ignore[list-item]
    factory = make_sessionmaker(engine)
    on_change(factory, lambda: calls.append("changed"))
    return factory


def token(name: str) -> ProducerToken:
    return ProducerToken(name=name, token_hash=name.ljust(64, "0"), created_at=NOW)


def test_reads_and_rollbacks_notify_nobody(calls: list[str]) -> None:
    factory = sessions(calls)
    with session_scope(factory) as session:
        session.scalars(select(ProducerToken)).all()
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.add(token("a"))
        session.flush()
        raise RuntimeError
    with factory() as session:  # closed without commit
        session.add(token("b"))
        session.flush()
    assert calls == []


def test_flushed_and_bulk_writes_notify_once_per_commit(calls: list[str]) -> None:
    factory = sessions(calls)
    with session_scope(factory) as session:
        session.add(token("a"))
        session.flush()
        session.add(token("b"))
    assert calls == ["changed"]
    with session_scope(factory) as session:
        session.execute(delete(ProducerToken).where(ProducerToken.name == "a"))
    assert calls == ["changed", "changed"]


def test_listeners_belong_to_their_sessionmaker(calls: list[str]) -> None:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[ProducerToken.__table__])  # type: ignore[list-item]
    sessions(calls, engine)
    other = make_sessionmaker(engine)
    with session_scope(other) as session:
        session.add(token("a"))
    assert calls == []
