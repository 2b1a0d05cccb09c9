"""``podcast.core.metrics``: batched tallies give what prometheus-client itself would, and the
jobs collector reads the queue's table when there is one."""

from __future__ import annotations

import uuid

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from sqlalchemy import text

from podcast.core.db import make_engine
from podcast.core.metrics import DURATION_BUCKETS, JobsCollector, Metrics
from tests.metrics_text import sample

DURATIONS = [0.0004, 0.001, 0.0011, 0.003, 0.2, 0.9999, 1.0, 7.5, 31.0, 0.0]


def test_batched_durations_match_observe() -> None:
    metrics = Metrics()
    reference_registry = CollectorRegistry()
    reference = Histogram(
        "podcast_http_request_duration_seconds",
        "reference",
        ["route"],
        buckets=DURATION_BUCKETS,
        registry=reference_registry,
    )
    # The route's one histogram gets every tally's durations: 200s, 304s and HEADs alike.
    answers = [("GET", 200), ("GET", 304), ("HEAD", 200)]
    for n, seconds in enumerate(DURATIONS):
        method, status = answers[n % 3] if n else ("GET", 200)
        metrics.record("/feed.xml", method, status, seconds, 100 if status == 200 else 0, 0)
        reference.labels(route="/feed.xml").observe(seconds)
    assert sample(generate_latest(metrics.registry).decode(), "podcast_http_requests_total") == 0
    metrics.flush()
    ours = generate_latest(metrics.registry).decode()
    theirs = generate_latest(reference_registry).decode()
    histogram = [
        line for line in ours.splitlines() if line.startswith("podcast_http_request_duration")
    ]
    expected = [
        line
        for line in theirs.splitlines()
        if line.startswith("podcast_http_request_duration") and "_created" not in line
    ]
    assert [line for line in histogram if "_created" not in line] == expected
    counted = {
        (method, status): sample(
            ours, "podcast_http_requests_total", route="/feed.xml", method=method, status=status
        )
        for method, status in (("GET", "200"), ("GET", "304"), ("HEAD", "200"))
    }
    assert counted == {("GET", "200"): 4, ("GET", "304"): 3, ("HEAD", "200"): 3}
    assert sample(ours, "podcast_http_sent_bytes_total", route="/feed.xml") == 700
    metrics.flush()  # nothing new: nothing added twice
    again = generate_latest(metrics.registry).decode()
    assert again.count("podcast_http_requests_total{") == 3
    assert sample(again, "podcast_http_sent_bytes_total", route="/feed.xml") == 700
    assert sample(again, "podcast_http_request_duration_seconds_count", route="/feed.xml") == 10


def test_unknown_methods_share_one_label() -> None:
    metrics = Metrics()
    for method in ("BREW", "PROPFIND", "X" * 50):
        metrics.record("unmatched", method, 405, 0.001, 0, 0)
    metrics.flush()
    text_ = generate_latest(metrics.registry).decode()
    assert (
        sample(
            text_, "podcast_http_requests_total", route="unmatched", method="other", status="405"
        )
        == 3
    )
    assert "BREW" not in text_


def test_jobs_collector_waits_for_the_table(database_url: str) -> None:
    engine = make_engine(database_url)
    table = f"jobs_test_{uuid.uuid4().hex[:8]}"
    registry = CollectorRegistry()
    registry.register(JobsCollector(lambda: engine, table=table))
    try:
        assert "podcast_jobs" not in generate_latest(registry).decode(), "no table: no metric"
        with engine.begin() as connection:
            connection.execute(
                text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, status VARCHAR(20))")
            )
            for i, status in enumerate(["queued", "queued", "queued", "running", "failed"]):
                connection.execute(
                    text(f"INSERT INTO {table} (id, status) VALUES (:i, :s)"), {"i": i, "s": status}
                )
        scraped = generate_latest(registry).decode()
        assert sample(scraped, "podcast_jobs", status="queued") == 3
        assert sample(scraped, "podcast_jobs", status="running") == 1
        assert sample(scraped, "podcast_jobs", status="failed") == 1
        assert 'podcast_jobs{status="succeeded"} 0.0' in scraped
        assert sample(scraped, "podcast_queue_depth") == 3
    finally:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def test_jobs_collector_survives_a_database_that_does_not_answer() -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/nothing")
    registry = CollectorRegistry()
    registry.register(JobsCollector(lambda: engine))
    assert "podcast_jobs" not in generate_latest(registry).decode()
    engine.dispose()
