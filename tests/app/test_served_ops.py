"""Logs and metrics of a real ``podcast serve``: JSON lines, and counts added up across workers."""

from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, generate_latest, multiprocess

from tests.metrics_text import sample
from tests.served import Served

CLIENT_ADDRESS = "203.0.113.77"  # TEST-NET-3: the "client" behind our proxy


def test_json_logs_name_writes_and_never_a_client_address(tmp_path: Path) -> None:
    server = Served(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'podcast.db'}",
        args=("--access-log",),
        environment={"PODCAST_LOG_FORMAT": "json", "PODCAST_SLOW_REQUEST_MS": "0"},
    )
    server.start()  # makes the installation the CLI then finds
    created_token = server.cli("token", "create", "alice")
    assert created_token.returncode == 0, created_token.stderr
    secret = created_token.stdout.strip()
    forwarded = {"X-Forwarded-For": CLIENT_ADDRESS}  # uvicorn trusts it from 127.0.0.1
    auth = {**forwarded, "Authorization": f"Bearer {secret}"}
    try:
        base = server.base_url
        assert httpx.get(f"{base}/feed.xml", headers=forwarded).status_code == 200
        created = httpx.post(f"{base}/api/episodes", json={"title": "Logged"}, headers=auth)
        assert created.status_code == 201
        episode_id = created.json()["id"]
        patched = httpx.patch(
            f"{base}/api/episodes/{episode_id}", json={"title": "Logged again"}, headers=auth
        )
        assert patched.status_code == 200
        refused = httpx.patch(f"{base}/api/episodes/{episode_id}", json={"title": ""}, headers=auth)
        assert refused.status_code == 422
        assert httpx.get(f"{base}/no-such-page", headers=forwarded).status_code == 404
        cookie = {"Cookie": "podcast_session=v2.1.cookie-secret-value", **forwarded}
        assert httpx.get(f"{base}/admin", headers=cookie).status_code in (200, 303)
    finally:
        log = server.stop_and_read_log()

    lines = [json.loads(line) for line in log.splitlines() if line.strip()]  # all JSON
    assert CLIENT_ADDRESS not in log, "no client address, not even from the access log"
    assert secret not in log and "cookie-secret-value" not in log
    for line in lines:
        assert {"time", "level", "logger", "message"} <= set(line), line

    writes = [line for line in lines if line.get("event") == "write"]
    assert [(w["method"], w["route"], w.get("episode_id"), w["producer"]) for w in writes] == [
        ("POST", "/api/episodes", None, "alice"),
        ("PATCH", "/api/episodes/{episode_id}", episode_id, "alice"),
    ], "one line per write that succeeded (not the refused one), naming who"
    assert writes[1]["message"] == (
        f"write: PATCH /api/episodes/{{episode_id}} episode {episode_id} by alice (200)"
    )

    slow = {line["route"]: line for line in lines if line.get("event") == "slow_request"}
    assert {"/feed.xml", "/api/episodes", "unmatched", "/admin"} <= set(slow)
    assert slow["/feed.xml"]["status"] == 200 and slow["/feed.xml"]["duration_ms"] >= 0

    access = [line for line in lines if line.get("event") == "access"]
    assert any(line["message"] == "GET /feed.xml 200" for line in access), access
    assert any(line["logger"] == "uvicorn.error" for line in lines), "uvicorn's lines too"


def test_text_access_log_leaves_out_the_client(tmp_path: Path) -> None:
    server = Served(
        tmp_path / "data", f"sqlite:///{tmp_path / 'podcast.db'}", args=("--access-log",)
    )
    server.start()
    try:
        response = httpx.get(
            f"{server.base_url}/feed.xml", headers={"X-Forwarded-For": CLIENT_ADDRESS}
        )
        assert response.status_code == 200
    finally:
        log = server.stop_and_read_log()
    assert '"GET /feed.xml HTTP/1.1" 200' in log
    assert CLIENT_ADDRESS not in log


def _feed_requests_by_worker(metrics_dir: Path, scratch: Path) -> dict[str, float]:
    """Each worker's own count of feed requests, read from its own file."""
    counts = {}
    for path in metrics_dir.glob("counter_*.db"):
        alone = scratch / path.stem
        alone.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, alone / path.name)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(alone))
        text = generate_latest(registry).decode()
        counts[path.stem] = sample(
            text, "podcast_http_requests_total", route="/feed.xml", method="GET", status="200"
        )
    return counts


def test_two_workers_metrics_add_up(tmp_path: Path) -> None:
    data = tmp_path / "data"
    stale = data / "metrics" / "counter_1.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left by an earlier run")
    server = Served(data, f"sqlite:///{tmp_path / 'podcast.db'}", workers=2)
    server.start()
    try:
        assert not stale.exists(), "the metrics folder is emptied at every start"
        sent = 0
        by_worker: dict[str, float] = {}

        def fetch(_: int) -> int:
            return httpx.get(f"{server.base_url}/feed.xml").status_code  # a new connection

        with ThreadPoolExecutor(8) as pool:
            for _ in range(20):  # until both workers have served some
                assert set(pool.map(fetch, range(40))) == {200}
                sent += 40
                time.sleep(1.5)  # each worker hands its counts to its file every second
                by_worker = _feed_requests_by_worker(data / "metrics", tmp_path / "scratch")
                if sum(n > 0 for n in by_worker.values()) >= 2:
                    break
        assert sum(n > 0 for n in by_worker.values()) >= 2, by_worker
        assert sum(by_worker.values()) == sent

        scraped = httpx.get(f"{server.base_url}/metrics")
        assert scraped.status_code == 200
        total = sample(
            scraped.text,
            "podcast_http_requests_total",
            route="/feed.xml",
            method="GET",
            status="200",
        )
        assert total == sent, "one scrape adds up every worker's count"
        assert (
            sample(scraped.text, "podcast_http_request_duration_seconds_count", route="/feed.xml")
            == sent
        )
        behind_proxy = httpx.get(
            f"{server.base_url}/metrics", headers={"X-Forwarded-For": CLIENT_ADDRESS}
        )
        assert behind_proxy.status_code == 403, "a proxy on this machine forwards the client"
        # Several workers: no per-process collector (it would describe one worker only).
        assert "process_cpu_seconds_total" not in scraped.text
    finally:
        server.stop()
