"""Response bodies sent with ``sendfile(2)``, as nginx sends files, instead of copied into the
socket.

A cached feed of a few hundred KB is answered thousands of times a second. Copied into the
socket, its bytes cost our server about 50 µs of CPU a request on this machine kind, against
about 30 for nginx, which sends the same file with ``sendfile`` under ``TCP_CORK``
(``tcp_nopush``). Kept also in an unnamed file (``O_TMPFILE``: no name, gone with its last
reference, even after a crash) and sent the same way, it reaches nginx's rate
(docs/performance.md, "Zero-copy feed bodies"). Measured here, bodies of several MB do better
copied than through ``sendfile``, so only sizes in :data:`SIZES` are kept in files.

Linux only (``O_TMPFILE``, ``TCP_CORK``); elsewhere :func:`spill` returns None and callers
write the bytes as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from pathlib import Path

SIZES = range(64 * 1024, 384 * 1024 + 1)  # where sendfile beat copying here (bytes)
_USABLE = all(hasattr(m, n) for m, n in ((os, "sendfile"), (os, "O_TMPFILE"), (socket, "TCP_CORK")))


class BodyFile:
    """A body's bytes in an unnamed file, closed when the last reference goes (so never while
    a ``sendfile`` from it runs: the sender holds a reference)."""

    __slots__ = ("fd", "size")

    def __init__(self, fd: int, size: int) -> None:
        self.fd = fd
        self.size = size

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def spill(body: bytes, folder: Path) -> BodyFile | None:
    """``body`` in an unnamed file in ``folder`` (on a disk: files in tmpfs are sent slower
    than copied), or None when that would not pay or is not possible here."""
    if not _USABLE or len(body) not in SIZES:
        return None
    try:
        fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600)
    except OSError:  # no such folder, read-only, or a filesystem without O_TMPFILE
        return None
    try:
        view = memoryview(body)
        while view:
            view = view[os.write(fd, view) :]
    except OSError:
        os.close(fd)
        return None
    return BodyFile(fd, len(body))


def send(transport: asyncio.Transport, head: bytes, body: bytes, file: BodyFile) -> bool:
    """Write ``head``, then ``body`` from ``file`` with ``sendfile``, corked into full
    segments. What the socket does not take at once goes through the transport as usual.
    False (nothing written) when the transport has bytes waiting or no plain socket: the
    caller writes both itself."""
    sock = transport.get_extra_info("socket")
    if sock is None or transport.get_write_buffer_size() or transport.is_closing():
        return False
    fd = sock.fileno()
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
    except OSError:  # not TCP (a Unix socket)
        return False
    try:
        try:
            sent = os.write(fd, head)
        except BlockingIOError:
            sent = 0
        if sent < len(head):
            transport.writelines((head[sent:], body))
            return True
        try:
            sent = os.sendfile(fd, file.fd, 0, file.size)
        except BlockingIOError:
            sent = 0
        if sent < file.size:
            transport.write(memoryview(body)[sent:])
    except OSError:  # the client went away mid-answer: nothing more can be sent
        transport.abort()
    finally:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 0)
    return True
