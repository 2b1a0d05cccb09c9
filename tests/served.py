"""``podcast serve`` as a real process, the way the README starts it, for tests that need
several workers or a ``kill -9``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PODCAST = Path(sys.executable).parent / "podcast"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Served:
    """One ``podcast serve`` process (and its workers) on a data folder and database."""

    data_dir: Path
    database_url: str
    workers: int = 1
    args: tuple[str, ...] = ()  # more ``podcast serve`` options
    environment: dict[str, str] = field(default_factory=dict)  # more PODCAST_ settings
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PODCAST_")}
        env["PODCAST_DATA_DIR"] = str(self.data_dir)
        env["PODCAST_DATABASE_URL"] = self.database_url
        env["PODCAST_AUTO_TRANSCRIBE"] = "false"  # an upload would start a transcription
        env.update(self.environment)
        return env

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(PODCAST),
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
                *self.args,
            ],
            env=self.env,
            stdout=subprocess.PIPE,  # uvicorn's access log; its other lines go to stderr
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: kill -9 takes the workers too
        )
        deadline = time.monotonic() + 60  # a busy CI machine starts workers slowly
        while True:
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(self._stderr())
            if time.monotonic() > deadline:
                raise RuntimeError(f"podcast serve did not start: {self._stderr()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """``kill -9`` the server and every worker: no shutdown code runs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()
        self.process = None

    def stop_and_read_log(self) -> str:
        """Stop the server and return what it printed (its log)."""
        assert self.process is not None and self.process.stdout is not None
        self.process.terminate()
        output = self.process.stdout.read().decode(errors="replace")
        self.process.wait(timeout=15)
        self.process = None
        return output

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(PODCAST), *args], env=self.env, capture_output=True, text=True, timeout=60
        )

    def _stderr(self) -> str:
        if self.process is None or self.process.stdout is None:
            return ""
        # The whole group: a worker left behind would hold the pipe open, and read() hang.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        return self.process.stdout.read().decode(errors="replace")[-4000:]
