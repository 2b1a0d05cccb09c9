"""Running jobs: huey's consumer (threads) plus our sweeper, in ``podcast worker`` or inside
``podcast serve``."""

from __future__ import annotations

import logging
import threading

from huey.consumer import Consumer

from podcast.jobs.queue import JobQueue

log = logging.getLogger(__name__)

# An idle worker asks the SQLite queue for work at least this often (Redis blocks instead).
_MAX_POLL_SECONDS = 1.0


class _GuestConsumer(Consumer):
    """A consumer inside someone else's process: the host (uvicorn) owns the signals."""

    def _set_signal_handlers(self) -> None:
        pass


class Sweeper(threading.Thread):
    """Calls ``JobQueue.sweep`` at start and every ``interval`` seconds until stopped."""

    def __init__(self, queue: JobQueue, interval: float) -> None:
        super().__init__(name="job-sweeper", daemon=True)
        self.queue = queue
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while True:
            try:
                self.queue.sweep()
            except Exception:
                log.exception("the job sweeper failed; trying again in %s s", self.interval)
            if self.stopped.wait(self.interval):
                return


class JobWorker:
    """``workers`` threads taking jobs from the queue, and a sweeper beside them."""

    def __init__(
        self,
        queue: JobQueue,
        *,
        workers: int = 1,
        sweep_seconds: float = 15.0,
        shutdown_timeout: float = 10.0,
        guest: bool = True,
    ) -> None:
        consumer_class = _GuestConsumer if guest else Consumer
        self.consumer = consumer_class(
            queue.huey,
            workers=workers,
            periodic=False,
            worker_type="thread",
            max_delay=_MAX_POLL_SECONDS,
            scheduler_interval=1,
            shutdown_timeout=shutdown_timeout,
            graceful_signal="TERM",  # systemd and containers stop services with SIGTERM
        )
        self.sweeper = Sweeper(queue, sweep_seconds)

    def start(self) -> None:
        """Start in the background (inside ``podcast serve``)."""
        self.consumer.start()
        self.sweeper.start()

    def stop(self) -> None:
        """Let running jobs finish (up to the shutdown timeout); a job still running then is
        left to its lease and taken up again by the next worker."""
        self.sweeper.stopped.set()
        self.consumer.stop(graceful=True)
        self.sweeper.join(timeout=5)

    def run(self) -> None:
        """Run in the foreground until SIGTERM or SIGINT (``podcast worker``)."""
        self.sweeper.start()
        try:
            self.consumer.run()
        finally:
            self.sweeper.stopped.set()
            self.sweeper.join(timeout=5)
