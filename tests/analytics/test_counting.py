"""IAB v2.2 counting on recorded request patterns, checked exactly (pure: no database)."""

from __future__ import annotations

from podcast.analytics.counting import (
    DAY_SECONDS,
    Counter,
    Request,
    Window,
    needed_bytes,
)

SIZE = 30_000_000  # a 30-minute episode at about 133 kbit/s
DURATION = 1800.0
MINUTE = needed_bytes(SIZE, DURATION)  # 1,000,000 bytes
T0 = 1_780_000_000.0


def req(
    at: float,
    start: int = 0,
    end: int = SIZE - 1,
    *,
    listener: str = "L1",
    prev: str = "P1",
    client: str = "C1",
    episode: int = 1,
    app: str = "Apple Podcasts",
    bot: bool = False,
) -> Request:
    return Request(
        T0 + at,
        episode,
        listener,
        prev,
        client,
        start,
        end,
        SIZE,
        DURATION,
        app,
        "Apple iPhone",
        "mobile",
        bot,
    )


def count(*requests: Request, counter: Counter | None = None) -> Counter:
    counter = counter or Counter()
    counter.feed(requests)
    return counter


def test_a_minute_of_audio_is_the_threshold() -> None:
    assert MINUTE == 1_000_000
    assert needed_bytes(500_000, 20.0) == 500_000, "a short file: the whole file"
    assert needed_bytes(123, 0.0) == 123


def test_apples_probe_then_ranges_is_one_download() -> None:
    counter = count(
        req(0, 0, 1),  # bytes=0-1
        req(1, 0, 65_535),
        req(2, 65_536, 524_287),
        req(3, 524_288, 999_999),  # now exactly one minute is covered
        req(60, 1_000_000, 5_000_000),
    )
    assert len(counter.downloads) == 1
    assert counter.downloads[0].at == T0 + 1, "the window starts at the first counted request"
    assert counter.ignored["probe"] == 1


def test_ranges_that_never_reach_a_minute_are_not_a_download() -> None:
    counter = count(req(0, 0, 1), req(1, 0, 400_000), req(2, 200_000, 900_000))
    assert counter.downloads == []


def test_overcast_full_download_counts_once() -> None:
    counter = count(req(0, app="Overcast"), req(5, app="Overcast"))
    assert [d.app for d in counter.downloads] == ["Overcast"]


def test_a_browser_streaming_in_many_ranges_is_one_download() -> None:
    chunk = 65_536
    requests = [
        req(i, i * chunk, (i + 1) * chunk - 1, app="Chrome", listener="B", prev="BP")
        for i in range(40)
    ]
    # Seeks back over what was already heard add nothing.
    requests += [req(41, 0, chunk * 3, app="Chrome", listener="B", prev="BP")]
    counter = count(*requests)
    assert len(counter.downloads) == 1
    # 16 ranges of 64 KiB reach the minute: the download is counted at the first request's time.
    assert counter.downloads[0].at == T0
    assert len(count(*requests[:15]).downloads) == 0


def test_bots_are_not_counted() -> None:
    counter = count(req(0, bot=True, app="Googlebot"), req(1, bot=True, app="Googlebot"))
    assert counter.downloads == []
    assert counter.ignored["bot"] == 2


def test_the_same_listener_twice_in_a_day_then_after_25_hours() -> None:
    counter = count(req(0), req(3600 * 5), req(3600 * 23), req(3600 * 25))
    assert [d.at - T0 for d in counter.downloads] == [0, 3600 * 25]


def test_the_window_is_rolling_across_midnight_and_the_salt_change() -> None:
    # 23:30 under day one's key "D1"; 00:30 the next day the listener's key is "D2", and the
    # key under the previous day's salt is "D1" again: the same listener, the same window.
    first = req(0, listener="D1", prev="D0")
    after_midnight = req(3600, listener="D2", prev="D1")
    assert len(count(first, after_midnight).downloads) == 1
    # Without the link (another listener), two downloads.
    stranger = req(3600, listener="X2", prev="X1")
    assert len(count(first, stranger).downloads) == 2


def test_different_episodes_and_listeners_count_separately() -> None:
    counter = count(req(0), req(1, episode=2), req(2, listener="L2", prev="P2"))
    assert len(counter.downloads) == 3


def test_a_client_flooding_requests_is_cut_off() -> None:
    counter = Counter(max_client_requests=10)
    counter.feed(req(i, listener=f"L{i}", prev=f"P{i}", client="NAT") for i in range(25))
    assert len(counter.downloads) == 10
    assert counter.ignored["flood"] == 15
    # A day later the client is welcome again.
    counter.feed([req(DAY_SECONDS + 30, listener="late", prev="lateP", client="NAT")])
    assert len(counter.downloads) == 11


def test_state_carries_from_one_run_to_the_next() -> None:
    first = count(req(0, 0, 600_000))
    assert first.downloads == []
    windows = list(first.open_windows(T0 + 10))
    second = count(req(100, 600_001, 1_200_000), counter=Counter(windows))
    assert len(second.downloads) == 1
    assert not list(second.open_windows(T0 + DAY_SECONDS + 1))


def test_window_ranges_merge() -> None:
    window = Window("L", 1, 0.0)
    for start, end in [(10, 19), (30, 39), (20, 29), (5, 12), (100, 100), (0, 3)]:
        window.add(start, end)
    assert window.ranges == [(0, 3), (5, 39), (100, 100)]
    assert window.covered == 4 + 35 + 1
