"""The old host, started for each test that asks for it."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from tests.imports.oldhost import OldHost


@pytest.fixture
def old_host() -> Iterator[OldHost]:
    server = OldHost()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
