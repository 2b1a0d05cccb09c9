"""One transcription at a time per process, on a thread the web service outranks.

Speech recognition keeps every core it is given busy for minutes. In ``podcast serve`` with the
embedded queue it shares the process (and, on a small server, the cores) with the requests, so
it runs on one dedicated thread whose nice value is raised (:data:`NICE`): the kernel then gives
the CPU to the request threads first and to the model when they are idle. On Linux a nice value
belongs to a thread, and threads inherit it from the thread that starts them, so the model is
loaded on this thread too: CTranslate2's compute threads and the voice activity detector's
(ONNX Runtime) are created there, at the lower priority (a model first loaded on another
thread of the process keeps that thread's priority). The single thread is also the lock:
jobs of a worker with several job threads queue here instead of running two models at once.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar, cast

__all__ = ["NICE", "busy", "run"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# How much lower than the process the transcription thread runs by default (0-19; 10 is what
# ``nice`` uses); ``PODCAST_ASR_NICE``.
NICE = 10

_work: queue.SimpleQueue[tuple[Callable[[], object], Future[object]]] = queue.SimpleQueue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()
_running = threading.Lock()


def _lower_priority(nice: int) -> None:
    if nice <= 0:
        return
    try:
        tid = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, tid)
        os.setpriority(os.PRIO_PROCESS, tid, min(current + nice, 19))
    except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
        log.warning("could not lower the transcription thread's priority", exc_info=True)


def _serve(nice: int) -> None:
    _lower_priority(nice)
    while True:
        work, future = _work.get()
        if not future.set_running_or_notify_cancel():
            continue
        try:
            with _running:
                result = work()
        except BaseException as exc:
            future.set_exception(exc)
        else:
            future.set_result(result)


def _start(nice: int) -> None:
    global _thread
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            # A daemon: a process shutting down does not wait for a transcription; the job's
            # lease runs out and another worker takes it up again.
            _thread = threading.Thread(target=_serve, args=(nice,), name="asr", daemon=True)
            _thread.start()


def busy() -> bool:
    """Whether a transcription is running in this process now."""
    return _running.locked()


def run(work: Callable[[], T], *, nice: int = NICE) -> T:
    """Run ``work`` on the transcription thread once the one before it finished; blocks.

    ``nice`` is how much lower the thread's priority is, set when the thread starts (the first
    call in the process)."""
    _start(nice)
    future: Future[object] = Future()
    _work.put((work, future))
    return cast(T, future.result())
