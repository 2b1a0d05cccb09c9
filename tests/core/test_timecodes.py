"""Times as people and standards write them (podcast.core.timecodes)."""

from __future__ import annotations

import pytest

from podcast.core.timecodes import (
    clock,
    duration,
    fragment_seconds,
    iso_duration,
    iso_duration_ms,
    whole_seconds,
)


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(0, "0:00"), (0.72, "0:00"), (29.99, "0:29"), (60.19, "1:00"), (3599.9, "59:59"),
     (3600, "1:00:00"), (65536.06, "18:12:16"), (float("nan"), "0:00"), (float("inf"), "0:00"),
     (-3, "0:00")],
)  # fmt: skip
def test_clock(seconds: float, shown: str) -> None:
    assert clock(seconds) == shown


def test_clock_with_hours_always() -> None:
    """Transcript cues in HTML show the hour even under an hour (Podcasting 2.0's example)."""
    assert clock(65, always_hours=True) == "0:01:05"
    assert clock(3723.9, always_hours=True) == "1:02:03"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(0, "PT0S"), (0.4, "PT0S"), (0.5, "PT0S"), (1.5, "PT1S"), (59.6, "PT59S"), (60, "PT1M"),
     (3723, "PT1H2M3S"), (3600, "PT1H"), (3605, "PT1H5S"), (-1, "PT0S"), (float("nan"), "PT0S")],
)  # fmt: skip
def test_iso_duration_in_whole_seconds(seconds: float, expected: str) -> None:
    """Counted down like the label beside it, so ``<time datetime>`` and its text agree."""
    assert iso_duration(seconds) == expected


@pytest.mark.parametrize(
    ("ms", "expected"),
    [(0, "PT0S"), (500, "PT0.5S"), (65_500, "PT1M5.5S"), (3_723_004, "PT1H2M3.004S"),
     (36_000_010, "PT10H0.01S"), (86_400_000, "PT24H")],
)  # fmt: skip
def test_iso_duration_to_the_millisecond(ms: int, expected: str) -> None:
    assert iso_duration_ms(ms) == expected


def test_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        iso_duration_ms(-1)


def test_fragment_seconds() -> None:
    assert fragment_seconds(754) == "754"
    assert fragment_seconds(754.5) == "754.5"
    assert fragment_seconds(0.0004) == "0"


@pytest.mark.parametrize(
    ("seconds", "shown", "iso"),
    [(2551.6, "42:31", "PT42M31S"), (3599.9, "59:59", "PT59M59S"), (3720, "1:02:00", "PT1H2M"),
     (30.9, "0:30", "PT30S")],
)  # fmt: skip
def test_a_duration_reads_as_the_player_shows_it(seconds: float, shown: str, iso: str) -> None:
    """One spelling for pages, admin and player: whole seconds counted down (a player shows
    0:30 for a 30.9 s file), the same seconds in ``<time datetime>`` and the feed."""
    assert duration(seconds) == shown
    assert iso_duration(seconds) == iso
    assert whole_seconds(seconds) == int(seconds)
