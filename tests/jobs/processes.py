"""``podcast worker`` as a real process, for the tests that ``kill -9`` it."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.jobs.conftest import LEASE_SECONDS, SWEEP_SECONDS
from tests.served import PODCAST

ROOT = Path(__file__).resolve().parents[2]


def job_env(data_dir: Path, database_url: str, queue_url: str, queue_name: str) -> dict[str, str]:
    """The environment of a test's ``podcast`` processes: its database and queue, short
    leases, and the test handlers (importable from the repository root)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PODCAST_")}
    return env | {
        "PYTHONPATH": str(ROOT),
        "PODCAST_DATA_DIR": str(data_dir),
        "PODCAST_DATABASE_URL": database_url,
        "PODCAST_AUTO_TRANSCRIBE": "false",
        "PODCAST_QUEUE_URL": queue_url,
        "PODCAST_QUEUE_NAME": queue_name,
        "PODCAST_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "PODCAST_JOB_SWEEP_SECONDS": str(SWEEP_SECONDS),
        "PODCAST_JOB_HANDLERS": "tests.jobs.handlers:handlers",
    }


@dataclass
class WorkerProcess:
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(PODCAST), "worker", "--concurrency", "2"],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """``kill -9``: no shutdown code runs, the job it holds is simply abandoned."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> int:
        """SIGTERM, as systemd would: the worker finishes and exits 0."""
        if self.process is None:
            return 0
        self.process.terminate()
        try:
            code = self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()
            return -9
        self.process = None
        return code

    def output(self) -> str:
        return self.log.read_text(errors="replace")
