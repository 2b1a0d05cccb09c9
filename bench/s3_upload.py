"""Benchmark: memory of ``podcast serve`` while a 500 MiB episode is uploaded to S3 through it.

Run: ``.venv/bin/python bench/s3_upload.py`` from the repository root (about a minute; needs
curl and the ``weed`` binary of ``.[test]``).

SeaweedFS is started in a temp folder (as the tests start it: signatures checked) with a fresh
bucket; ``podcast serve`` (its defaults: 1 worker, uvloop, httptools, no access log) runs with
``PODCAST_STORAGE=s3`` on it. The upload is a valid 500 MiB MP3 (the fixture's MPEG frames
repeated), sent by curl as a streamed raw body (``curl -T``: ``PUT
/api/episodes/{id}/audio``). A 20 MiB warm-up upload first goes through the same path (imports,
boto3's models, a multipart upload, the database). Then the peak (``VmHWM``) is reset through
``/proc/PID/clear_refs``, the baseline ``VmRSS`` is read, ``VmRSS`` is sampled every 20 ms
during the upload, and ``VmHWM`` is read after the answer. Growth = peak - baseline, where the
peak is the larger of ``VmHWM`` and the highest sample; target < 16 MiB (parts are sent from
the spool file, never held in memory: podcast/media/s3.py).

Checked after: the answer's sha256 is the file's, the object in the bucket has the file's size
and Content-Type, and no multipart upload or staging object is left. Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import (
    MIB,
    S3,
    Podcast,
    Server,
    build_mp3,
    cpu_seconds,
    fail,
    free_port,
    machine_line,
    podcast_serve,
    require_tools,
    run_main,
    seaweedfs,
    sha256_file,
    status_kib,
    temp_dir,
    verdict,
)

TARGET_GROWTH_MIB = 16.0


def upload(curl: str, podcast: Podcast, server: Server, source: Path, title: str) -> dict:
    """``curl -T`` (a streamed PUT) of ``source`` as a new episode's audio; the answer."""
    episode = podcast.create_episode(server, title)
    url = server.url(f"/api/episodes/{episode['id']}/audio")
    cmd = [curl, "-s", "-T", str(source), "-H", "Content-Type: audio/mpeg", "-w", "\n%{http_code}"]
    for name, value in podcast.auth.items():
        cmd += ["-H", f"{name}: {value}"]
    proc = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=1800)
    body, _, code = proc.stdout.rpartition("\n")
    if proc.returncode != 0 or code != "200":
        fail(f"upload of {source.name}: curl {proc.returncode}, HTTP {code}: {body[:300]}")
    return dict(json.loads(body))


class Sampler(threading.Thread):
    """``VmRSS`` of a process every ``interval`` seconds until stopped: the highest seen."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.highest_kib, self.samples = 0, 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.highest_kib = max(self.highest_kib, status_kib(self.pid, "VmRSS"))
            self.samples += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def check_bucket(s3: S3, sha256: str, size: int) -> str:
    client = s3.client()
    key = f"podcast/media/{sha256[:2]}/{sha256}.mp3"
    head = client.head_object(Bucket=s3.bucket, Key=key)
    uploads = client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])
    listed = client.list_objects_v2(Bucket=s3.bucket, Prefix="podcast/media/staging/")
    staging = listed.get("Contents", [])
    problems = []
    if head["ContentLength"] != size:
        problems.append(f"object has {head['ContentLength']} bytes")
    if head["ContentType"] != "audio/mpeg":
        problems.append(f"object's Content-Type {head['ContentType']}")
    if uploads or staging:
        problems.append(f"left behind: {len(uploads)} uploads, {len(staging)} staging objects")
    return "; ".join(problems) or "object ok (size, Content-Type), nothing left behind"


def main(stack: contextlib.ExitStack) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=500, help="upload size (500)")
    args = parser.parse_args()
    curl = require_tools("curl")["curl"]

    workdir = temp_dir(stack, "podcast-bench-s3-upload-")
    started = time.monotonic()
    source = workdir / "episode.mp3"
    size = build_mp3(source, args.size_mib * MIB)
    sha = sha256_file(source)
    warm = workdir / "warm.mp3"
    build_mp3(warm, 20 * MIB)
    print(f"bench/s3_upload.py: {machine_line()}")
    print(f"file: {size:,} B ({size / MIB:.1f} MiB), made in {time.monotonic() - started:.1f} s")

    s3 = stack.enter_context(seaweedfs(workdir))
    port = free_port()
    podcast = Podcast(workdir / "data", f"http://127.0.0.1:{port}")
    podcast.init()
    server = stack.enter_context(
        podcast_serve(port=port, workdir=workdir, env={**podcast.env, **s3.env()})
    )
    upload(curl, podcast, server, warm, "warm-up")

    pid = server.pid
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS now
    except OSError as exc:
        print(f"(could not reset VmHWM: {exc}; the sampled peak is used)")
    baseline = status_kib(pid, "VmRSS")
    sampler = Sampler(pid)
    sampler.start()
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    answer = upload(curl, podcast, server, source, "500 MiB on S3")
    seconds, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
    sampler.stop()
    hwm = status_kib(pid, "VmHWM")
    peak = max(hwm, sampler.highest_kib)
    growth = (peak - baseline) / 1024

    audio = answer.get("audio") or {}
    if audio.get("sha256") != sha:
        fail(f"the answer's sha256 {audio.get('sha256')} is not the file's {sha}")
    print(f"upload: HTTP 200 in {seconds:.1f} s ({size / MIB / seconds:.0f} MiB/s), "
          f"server CPU {cpu:.1f} s; sha256 ok; {check_bucket(s3, sha, size)}")  # fmt: skip
    print(f"\nMemory of podcast serve (PID {pid}), {sampler.samples} samples:")
    print(f"  baseline RSS (after warm-up)  {baseline / 1024:8.1f} MiB")
    print(
        f"  peak RSS                      {peak / 1024:8.1f} MiB   (VmHWM {hwm / 1024:.1f},"
        f" highest sample {sampler.highest_kib / 1024:.1f})"
    )
    print(
        f"  growth                        {growth:8.1f} MiB   target < {TARGET_GROWTH_MIB:.0f} MiB:"
        f" {verdict(growth < TARGET_GROWTH_MIB)}"
    )


if __name__ == "__main__":
    sys.exit(run_main(main))
