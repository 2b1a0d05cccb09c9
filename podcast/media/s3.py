"""Media in an S3 bucket (AWS or any S3-compatible service), through boto3.

Receiving (docs/architecture.md, "The S3 backend"): bytes written to a staging sink are hashed
and appended to a local spool file (mutagen's ``checking_path``). Every full 8 MiB part is
streamed from that file to a multipart upload under ``<prefix>staging/`` while the upload is
still arriving, so memory stays flat whatever the size. The content-addressed key is known only
at the end, so :meth:`S3Storage.put` completes the multipart upload and copies it server-side
to the key (CopyObject; UploadPartCopy above ``copy_limit``), then deletes the staging object.
Uploads smaller than one part never start a multipart upload: ``put`` sends them straight to
their key. A discarded staging aborts its multipart upload, so nothing is left in the bucket;
what a crash leaves is listed by :meth:`S3Storage.stale_staged` (``podcast media gc``), and a
bucket lifecycle rule aborting incomplete multipart uploads after a day is the backstop.
"""

from __future__ import annotations

import io
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from podcast.media.delivery import presigned_reuse_seconds
from podcast.media.storage import (
    KeyStat,
    Method,
    SpooledStaged,
    StreamBase,
    is_content_key,
    media_type,
)

if TYPE_CHECKING:
    from podcast.core.settings import Settings

log = logging.getLogger(__name__)

MiB = 1024 * 1024
PART_SIZE = 8 * MiB  # S3 wants >= 5 MiB for every part but the last; 10,000 parts = 78 GiB
COPY_LIMIT = 1024 * MiB  # one CopyObject up to here (S3 allows 5 GiB); UploadPartCopy above
COPY_PART_SIZE = 512 * MiB
STAGING = "staging/"
_STAGED_NAME = re.compile(r"^upload-[0-9a-f]{32}\.part$")
_MISSING = {"NoSuchKey", "404", "NotFound"}
URLS_KEPT = 4096  # presigned URLs kept for reuse (two per episode listened to: GET and HEAD)
# Content-addressed objects never change: caches may keep them for a year.
CACHE_CONTROL = "public, max-age=31536000, immutable"


def normalise_prefix(prefix: str) -> str:
    """``"a/b"``, ``"/a/b/"`` -> ``"a/b/"``; empty stays empty. No ``..`` or empty segments."""
    parts = prefix.strip("/").split("/") if prefix.strip("/") else []
    if any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a usable key prefix: {prefix!r}")
    return "".join(f"{part}/" for part in parts)


def make_client(settings: Settings) -> Any:
    """A boto3 S3 client: credentials from the standard AWS variables, files or instance role;
    path-style addressing for custom endpoints (most S3-compatible services need it)."""
    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        s3={"addressing_style": "path"} if settings.s3_endpoint_url else {},
        signature_version="s3v4",
    )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.s3_endpoint_url or None,
        region_name=settings.s3_region or None,
        config=config,
    )


class _Window(io.RawIOBase):
    """Bytes ``[start, start + length)`` of a file, as a seekable body for one part upload
    (botocore reads it in small blocks and rewinds it on a retry)."""

    def __init__(self, path: Path, start: int, length: int) -> None:
        super().__init__()
        self._file = open(path, "rb")  # closed by close()
        self._start, self._length, self._pos = start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def read(self, size: int = -1, /) -> bytes:
        left = self._length - self._pos
        size = left if size is None or size < 0 or size > left else size
        if size <= 0:
            return b""
        self._file.seek(self._start + self._pos)
        data = self._file.read(size)
        self._pos += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._file.close()
        super().close()


class S3Staged(SpooledStaged):
    """Bytes being received: hashed, spooled to a local file, and streamed part by part to a
    multipart upload under the staging prefix once more than one part has arrived. Closing
    is local only: the rest is sent by :meth:`S3Storage.put`."""

    def __init__(self, storage: S3Storage, name: str) -> None:
        super().__init__(storage.spool / name, "xb")
        self._storage = storage
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._sent = 0  # bytes already sent as parts

    @property
    def staging_key(self) -> str:
        return self._storage.staging_key(self.name)

    def write(self, data: bytes) -> None:
        super().write(data)
        while self._size - self._sent >= self._storage.part_size:
            self._send_part(self._storage.part_size)

    def discard(self) -> None:
        self.close()
        if self._upload_id is not None:
            try:
                self._storage.abort_upload(self.staging_key, self._upload_id)
                self._upload_id = None
            except Exception:  # the bucket is unreachable: gc or the lifecycle rule will do it
                log.warning("could not abort upload %s", self.staging_key, exc_info=True)
        self._path.unlink(missing_ok=True)

    def _send_part(self, length: int) -> None:
        client, bucket = self._storage.client, self._storage.bucket
        if self._file is not None:
            self._file.flush()
        if self._upload_id is None:
            created = client.create_multipart_upload(Bucket=bucket, Key=self.staging_key)
            self._upload_id = created["UploadId"]
        number = len(self._parts) + 1
        with _Window(self._path, self._sent, length) as body:
            sent = client.upload_part(
                Bucket=bucket,
                Key=self.staging_key,
                UploadId=self._upload_id,
                PartNumber=number,
                Body=body,
                ContentLength=length,
            )
        self._parts.append({"PartNumber": number, "ETag": sent["ETag"]})
        self._sent += length

    def _store(self, target: str, headers: dict[str, str]) -> None:
        """For :meth:`S3Storage.put` only: make the closed bytes the object ``target``."""
        self.close()
        storage = self._storage
        if self._upload_id is None:  # one part or less: straight to the key
            with open(self._path, "rb") as body:
                storage.client.put_object(
                    Bucket=storage.bucket,
                    Key=target,
                    Body=body,
                    ContentLength=self._size,
                    **headers,
                )
            return
        if self._size > self._sent:
            self._send_part(self._size - self._sent)
        storage.client.complete_multipart_upload(
            Bucket=storage.bucket,
            Key=self.staging_key,
            UploadId=self._upload_id,
            MultipartUpload={"Parts": self._parts},
        )
        self._upload_id = None
        try:
            storage.copy(self.staging_key, target, self._size, headers)
        finally:
            storage.client.delete_object(Bucket=storage.bucket, Key=self.staging_key)


class _Body(StreamBase):
    """An object's bytes (or a range of them) as a :class:`ByteStream`."""

    def __init__(self, body: Any | None) -> None:
        self._body = body

    def read(self, size: int = -1, /) -> bytes:
        if self._body is None:
            return b""
        data: bytes = self._body.read(None if size is None or size < 0 else size)
        return data

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None


class S3Storage:
    """Keys are objects ``<prefix><key>`` in ``bucket``; staged uploads are spooled in ``spool``
    (a local folder) and sent as multipart uploads under ``<prefix>staging/``."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        *,
        spool: Path,
        prefix: str = "",
        public_url: str | None = None,
        presign_seconds: int = 12 * 3600,
        url_reuse_seconds: int | None = None,
        part_size: int = PART_SIZE,
        copy_limit: int = COPY_LIMIT,
        copy_part_size: int = COPY_PART_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = normalise_prefix(prefix)
        self.spool = spool
        self.spool.mkdir(parents=True, exist_ok=True)
        self.public_url = public_url.rstrip("/") if public_url else None
        self.presign_seconds = presign_seconds
        # Presigned URLs by (key, method), reused for a while (url_for).
        self.url_reuse_seconds = (
            presigned_reuse_seconds(presign_seconds)
            if url_reuse_seconds is None
            else url_reuse_seconds
        )
        # A plain dict, not cachetools' TTLCache: a redirect looks here on every request, and
        # TTLCache with its lock took 10x longer (7 µs against 0.7 µs). One get or set is atomic.
        self._urls: dict[tuple[str, str], tuple[str, float]] = {}
        self.part_size = part_size
        self.copy_limit = copy_limit
        self.copy_part_size = copy_part_size
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Settings) -> S3Storage:
        return cls(
            make_client(settings),
            settings.s3_bucket,
            spool=settings.data_dir / "s3-spool",
            prefix=settings.s3_prefix,
            public_url=settings.media_public_url,
            presign_seconds=settings.presign_seconds,
        )

    def __repr__(self) -> str:
        return f"S3Storage(s3://{self.bucket}/{self.prefix})"

    # --- names ---------------------------------------------------------------------------

    def object_key(self, key: str) -> str:
        """The bucket's object for a storage key; refuses anything that is not a content key
        (no ``..``, no leading ``/``: keys are never built from user input)."""
        if not is_content_key(key):
            raise ValueError(f"not a content key: {key!r}")
        return self.prefix + key

    def staging_key(self, name: str) -> str:
        if not _STAGED_NAME.match(name):
            raise ValueError(f"not a staged name: {name!r}")
        return f"{self.prefix}{STAGING}{name}"

    # --- receiving -----------------------------------------------------------------------

    def stage(self) -> S3Staged:
        return S3Staged(self, f"upload-{uuid.uuid4().hex}.part")

    def put(self, staged: object, key: str) -> None:
        if not isinstance(staged, S3Staged) or staged._storage is not self:
            raise TypeError(f"not staged by this S3Storage: {staged!r}")
        target = self.object_key(key)
        try:
            staged.close()
            if not self.exists(key):
                staged._store(target, _headers(key))
        finally:
            staged.discard()

    def put_bytes(self, data: bytes, key: str) -> None:
        target = self.object_key(key)
        if self.exists(key):
            return
        self.client.put_object(Bucket=self.bucket, Key=target, Body=data, **_headers(key))

    def copy(self, source: str, target: str, size: int, headers: dict[str, str]) -> None:
        """Server-side copy of one object: CopyObject, or UploadPartCopy parts when large."""
        origin = {"Bucket": self.bucket, "Key": source}
        if size <= self.copy_limit:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=target,
                CopySource=origin,
                MetadataDirective="REPLACE",
                **headers,
            )
            return
        upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=target, **headers)[
            "UploadId"
        ]
        try:
            parts = []
            for number, start in enumerate(range(0, size, self.copy_part_size), 1):
                end = min(start + self.copy_part_size, size) - 1
                copied = self.client.upload_part_copy(
                    Bucket=self.bucket,
                    Key=target,
                    UploadId=upload_id,
                    PartNumber=number,
                    CopySource=origin,
                    CopySourceRange=f"bytes={start}-{end}",
                )
                parts.append({"PartNumber": number, "ETag": copied["CopyPartResult"]["ETag"]})
            self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=target,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            self.abort_upload(target, upload_id)
            raise

    def abort_upload(self, object_key: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=object_key, UploadId=upload_id
            )
        except ClientError as exc:
            if _code(exc) != "NoSuchUpload":
                raise

    # --- serving -------------------------------------------------------------------------

    def open(self, key: str, range: tuple[int, int] | None = None) -> _Body:
        target = self.object_key(key)
        extra: dict[str, str] = {}
        if range is not None:
            start, end = range
            if start < 0 or end < start:
                raise ValueError(f"bad range {range!r}")
            if end == start:  # S3 has no empty range: just check that the key exists
                if not self.exists(key):
                    raise FileNotFoundError(key)
                return _Body(None)
            extra["Range"] = f"bytes={start}-{end - 1}"
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=target, **extra)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                raise FileNotFoundError(key) from None
            if _code(exc) == "InvalidRange":  # starts at or after the end
                return _Body(None)
            raise
        return _Body(response["Body"])

    def read_bytes(self, key: str) -> bytes:
        with self.open(key) as stream:
            return stream.read()

    def exists(self, key: str) -> bool:
        return self.stat(key) is not None

    def stat(self, key: str) -> KeyStat | None:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.object_key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise
        return KeyStat(int(head["ContentLength"]), head["LastModified"].timestamp())

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.object_key(key))

    def keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if is_content_key(key):
                    yield key

    def url_for(self, key: str, method: Method = "GET") -> str | None:
        """The public base URL + key when one is set (a CDN or a public bucket), else a URL
        presigned for ``method`` (GetObject or HeadObject: S3 checks the method it was signed
        for), valid for ``presign_seconds``: either way S3 serves the bytes, HEAD and Range.

        One presigned URL is handed out again for ``url_reuse_seconds``: signing costs more
        than the rest of a redirect (docs/performance.md, "Redirects to S3"), and whoever gets
        it still has at least ``presign_seconds - url_reuse_seconds`` to use it.
        """
        if self.public_url:
            self.object_key(key)  # refuses anything but a content key
            return f"{self.public_url}/{key}"
        now = self._clock()
        kept = self._urls.get((key, method))
        if kept is not None and kept[1] > now:
            return kept[0]
        url: str = self.client.generate_presigned_url(
            "get_object" if method == "GET" else "head_object",
            Params={"Bucket": self.bucket, "Key": self.object_key(key)},
            ExpiresIn=self.presign_seconds,
        )
        if len(self._urls) >= URLS_KEPT:
            self._urls = {k: v for k, v in self._urls.items() if v[1] > now}
            if len(self._urls) >= URLS_KEPT:
                self._urls = {}
        self._urls[(key, method)] = (url, now + self.url_reuse_seconds)
        return url

    # --- abandoned uploads ---------------------------------------------------------------

    def stale_staged(self, older_than_seconds: float) -> Iterator[str]:
        """Staged uploads untouched for longer than this: local spool files, multipart uploads
        whose last part is older (a slow upload still sending parts is not stale), and staging
        objects a crash left between completing and copying."""
        cutoff = self._clock() - older_than_seconds
        seen: set[str] = set()

        def fresh(name: str) -> bool:
            if name in seen or not _STAGED_NAME.match(name):
                return False
            seen.add(name)
            return True

        for file in self.spool.iterdir():
            try:
                modified = file.stat().st_mtime
            except FileNotFoundError:
                continue
            if modified < cutoff and fresh(file.name):
                yield file.name
        staging = self.prefix + STAGING
        for page in self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=staging
        ):
            for upload in page.get("Uploads", []):
                name = upload["Key"][len(staging) :]
                if _seconds(upload["Initiated"]) < cutoff and self._last_part(upload) < cutoff:
                    if fresh(name):
                        yield name
        for page in self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=staging
        ):
            for item in page.get("Contents", []):
                name = item["Key"][len(staging) :]
                if _seconds(item["LastModified"]) < cutoff and fresh(name):
                    yield name

    def _last_part(self, upload: dict[str, Any]) -> float:
        parts = self.client.list_parts(
            Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
        ).get("Parts", [])
        return max((_seconds(part["LastModified"]) for part in parts), default=0.0)

    def discard_staged(self, name: str) -> None:
        """Abort the staged upload's multipart uploads, delete its staging object and spool."""
        key = self.staging_key(name)
        for page in self.client.get_paginator("list_multipart_uploads").paginate(
            Bucket=self.bucket, Prefix=key
        ):
            for upload in page.get("Uploads", []):
                if upload["Key"] == key:
                    self.abort_upload(key, upload["UploadId"])
        self.client.delete_object(Bucket=self.bucket, Key=key)
        (self.spool / name).unlink(missing_ok=True)


def _headers(key: str) -> dict[str, str]:
    """What S3 sends with the object: its type, the one the feed names (redirect delivery),
    and a long cache life."""
    return {"ContentType": media_type(key), "CacheControl": CACHE_CONTROL}


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _seconds(value: datetime) -> float:
    return value.timestamp()


__all__ = ["S3Staged", "S3Storage", "make_client", "normalise_prefix"]
