"""Run as a separate process by ``test_s3.py``: streams a large upload, generated on the fly,
through ``S3Storage.stage()`` and ``put()``; prints the growth of peak RSS in bytes."""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

from podcast.media.s3 import S3Storage
from podcast.media.storage import content_key
from tests.media.s3servers import client

MiB = 1024 * 1024


def rss(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(field)


def main(endpoint_url: str, bucket: str, mib: int) -> None:
    with tempfile.TemporaryDirectory() as spool:
        storage = S3Storage(client(endpoint_url), bucket, spool=Path(spool), prefix="memory")
        block = bytearray(hashlib.sha256(b"seed").digest() * (MiB // 32))
        # Warm up (connections, botocore's lazily loaded models) with a two-part upload.
        warm = storage.stage()
        for i in range(17):
            block[:8] = i.to_bytes(8, "big")
            warm.write(bytes(block))
        warm.discard()
        Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to now
        before = rss("VmRSS")
        staged = storage.stage()
        digest = hashlib.sha256()
        try:
            for i in range(mib):  # a 1 MiB write at a time, as the upload receiver does
                block[:8] = (1000 + i).to_bytes(8, "big")
                chunk = bytes(block)
                digest.update(chunk)
                staged.write(chunk)
                del chunk
            staged.close()
            key = content_key(digest.hexdigest(), "mp3")
            assert staged.sha256 == digest.hexdigest()
            storage.put(staged, key)
        finally:
            staged.discard()
        stat = storage.stat(key)
        assert stat is not None and stat.size == mib * MiB, stat
        print(rss("VmHWM") - before)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
