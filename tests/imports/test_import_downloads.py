"""Enclosures download at the same time, at most ``PODCAST_IMPORT_CONCURRENCY`` of them, with
progress by episode and by byte as they arrive; seen from the old host's side (when each
download was asked for and when its last byte left)."""

from __future__ import annotations

import itertools

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from podcast.core.settings import Settings
from podcast.imports.importer import Outcome, Progress
from tests.conftest import FIXTURES
from tests.imports.oldhost import OldHost, run_import

AUDIO = [(FIXTURES / name).read_bytes() for name in ("speech.mp3", "plain.mp3")]


def slow_feed(host: OldHost, count: int) -> tuple[str, list[str]]:
    """A feed of ``count`` episodes whose audio the host sends slowly (about 0.9 s each)."""
    host.pause = 0.03
    items, paths = [], []
    for i in range(count):
        path = f"/audio/slow-{i}.mp3"
        host.files[path] = ("audio/mpeg", AUDIO[i % 2])
        host.slow.add(path)
        paths.append(path)
        items.append(
            f"<item><title>Slow {i}</title><guid>slow-{i}</guid>"
            f"<pubDate>Mon, 0{i + 1} Jun 2025 07:00:00 GMT</pubDate>"
            f'<enclosure url="{host.base}{path}" type="audio/mpeg"/></item>'
        )
    feed = f"<rss version='2.0'><channel><title>Slow</title>{''.join(items)}</channel></rss>"
    host.files["/feeds/slow.xml"] = ("application/rss+xml", feed.encode())
    return f"{host.base}/feeds/slow.xml", paths


def downloads(host: OldHost, paths: list[str]) -> list[tuple[float, float]]:
    got = [(start, end) for path, start, end in host.served if path in paths]
    assert len(got) == len(paths)
    return got


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of downloads under way at one moment."""
    return max(sum(1 for s, e in intervals if s <= start < e) for start, _ in intervals)


def with_concurrency(client: TestClient, n: int) -> Settings:
    app = client.app
    assert isinstance(app, FastAPI)
    settings: Settings = app.state.settings
    return settings.model_copy(update={"import_concurrency": n})


def test_downloads_overlap_up_to_the_concurrency(client: TestClient, old_host: OldHost) -> None:
    url, paths = slow_feed(old_host, 3)
    seen: list[Progress] = []
    report = run_import(client, url, settings=with_concurrency(client, 2), progress=seen.append)
    assert report.count(Outcome.IMPORTED) == 3, report.items

    took = downloads(old_host, paths)
    # Two at a time, never three: the third starts when one of the first two is done.
    assert most_at_once(took) == 2
    span = max(e for _, e in took) - min(s for s, _ in took)
    assert span < sum(e - s for s, e in took)  # overlapped: less than one after another

    # Progress: in order, bytes while audio arrives (before any episode is done), and at the
    # end every episode and every byte of the report.
    for before, after in itertools.pairwise(seen):
        assert before.items_done <= after.items_done and before.bytes <= after.bytes, seen
    assert any(p.items_done == 0 and p.bytes > 0 for p in seen), seen
    assert seen[-1] == Progress(items_done=3, items_total=3, bytes=report.bytes)
    assert report.bytes == sum(len(old_host.files[p][1]) for p in paths)


def test_a_concurrency_of_one_downloads_one_after_another(
    client: TestClient, old_host: OldHost
) -> None:
    url, paths = slow_feed(old_host, 2)
    report = run_import(client, url, settings=with_concurrency(client, 1))
    assert report.count(Outcome.IMPORTED) == 2
    assert most_at_once(downloads(old_host, paths)) == 1


def test_the_concurrency_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODCAST_IMPORT_CONCURRENCY", "3")
    assert Settings(_env_file=None).import_concurrency == 3  # type: ignore[call-arg]
    assert Settings.model_fields["import_concurrency"].default == 4
    for wrong in ("0", "17", "many"):
        monkeypatch.setenv("PODCAST_IMPORT_CONCURRENCY", wrong)
        with pytest.raises(ValidationError, match="import_concurrency"):
            Settings(_env_file=None)  # type: ignore[call-arg]
