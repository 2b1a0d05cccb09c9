"""Two imports of the same feed at once (a producer starting one from the admin while another
runs from the CLI): no error, and every episode exactly once, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from episodes.models import Episode, Status
from podcast.bootstrap import Runtime, prepare
from podcast.core.clock import FrozenClock
from podcast.core.settings import Settings
from podcast.imports.fetch import Fetcher, FetchPolicy
from podcast.imports.importer import Importer, ImportOptions, ImportReport, Outcome
from podcast.media import open_storage
from tests.conftest import FIXTURES
from tests.imports.oldhost import OldHost

ROUNDS = 4
ITEMS = 3
AUDIO = [(FIXTURES / name).read_bytes() for name in ("speech.mp3", "plain.mp3")]


def race_feed(host: OldHost, round_: int) -> str:
    """A feed of new GUIDs for this round, its audio served to both importers together."""
    items = []
    for i in range(ITEMS):
        path = f"/audio/race-{round_}-{i}.mp3"
        host.files[path] = ("audio/mpeg", AUDIO[i % 2])
        items.append(
            f"<item><title>Round {round_} episode {i}</title><guid>race-{round_}-{i}</guid>"
            f"<pubDate>Mon, 0{i + 1} Jun 2025 07:00:00 GMT</pubDate>"
            f'<enclosure url="{host.base}{path}" type="audio/mpeg" length="{len(AUDIO[i % 2])}"/>'
            "</item>"
        )
    feed = f"<rss version='2.0'><channel><title>Race</title>{''.join(items)}</channel></rss>"
    host.files[f"/feeds/race-{round_}.xml"] = ("application/rss+xml", feed.encode())
    return f"{host.base}/feeds/race-{round_}.xml"


@pytest.fixture
def runtimes(settings: Settings, clock: FrozenClock) -> Iterator[list[Runtime]]:
    """Two installations' worth of engines on one database, as two processes would have."""
    made = [prepare(settings, clock) for _ in range(2)]
    yield made
    for runtime in made:
        runtime.engine.dispose()


def import_together(
    runtimes: list[Runtime], settings: Settings, clock: FrozenClock, url: str
) -> list[ImportReport]:
    """One import per runtime, started at the same moment; whatever one raises, raises here."""
    start = threading.Barrier(len(runtimes))

    def run(runtime: Runtime) -> ImportReport:
        with Fetcher(FetchPolicy(allow_private=True, timeout=10)) as fetcher:
            importer = Importer(
                sessions=runtime.sessionmaker,
                storage=open_storage(settings),
                settings=settings,
                clock=clock,
                fetcher=fetcher,
            )
            start.wait(timeout=10)
            return importer.run(url, ImportOptions())

    with ThreadPoolExecutor(len(runtimes)) as pool:
        return list(pool.map(run, runtimes))


def test_two_imports_at_once_make_each_episode_once(
    settings: Settings, clock: FrozenClock, runtimes: list[Runtime], old_host: OldHost
) -> None:
    old_host.together = {"/audio/race-": 2}  # both downloads finish at the same moment
    for round_ in range(ROUNDS):
        reports = import_together(runtimes, settings, clock, race_feed(old_host, round_))
        # Each episode imported by one run; the other found it whole and left it unchanged.
        for i in range(ITEMS):
            got = [(r.items[i].guid, r.items[i].outcome, r.items[i].reason) for r in reports]
            outcomes = Counter(outcome for _, outcome, _ in got)
            assert outcomes == {Outcome.IMPORTED: 1, Outcome.UNCHANGED: 1}, got
            assert {guid for guid, _, _ in got} == {f"race-{round_}-{i}"}

    with runtimes[0].sessionmaker() as session:
        rows = session.execute(select(Episode.guid, func.count()).group_by(Episode.guid))
        counts = {guid: count for guid, count in rows}
        assert counts == {f"race-{r}-{i}": 1 for r in range(ROUNDS) for i in range(ITEMS)}
        episodes = session.scalars(select(Episode)).all()
        assert all(e.status is Status.PUBLISHED and e.audio is not None for e in episodes)
