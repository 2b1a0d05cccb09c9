"""The bundled Whisper base: found in the installed packages, joined once, checked, refused when
damaged; and asr_status for doctor and the admin. Uses the real packages (``.[asr]``)."""

from __future__ import annotations

import hashlib
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from podcast.core.settings import Settings
from transcripts.asr.model import (
    MODEL_SHA256,
    MODEL_SIZE,
    AsrUnavailable,
    ModelCheckError,
    asr_status,
    bundled_parts,
    join_model,
    prepare_model,
)

if os.environ.get("CI") != "true":  # on CI the packages must be there: the tests fail instead
    try:
        bundled_parts()
    except AsrUnavailable as exc:
        pytest.skip(str(exc), allow_module_level=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_the_installed_packages_hold_both_halves_and_the_tokenizer() -> None:
    bundled = bundled_parts()
    assert [p.name for p in bundled.parts] == ["model.bin.part1", "model.bin.part2"]
    assert sum(p.stat().st_size for p in bundled.parts) == MODEL_SIZE
    assert [p.name for p in bundled.extras] == ["config.json", "tokenizer.json", "vocabulary.txt"]


def test_prepare_model_joins_into_the_data_folder_once(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    folder = Path(prepare_model(settings))
    assert folder == (tmp_path / "models" / "whisper-base").resolve()
    model = folder / "model.bin"
    assert model.stat().st_size == MODEL_SIZE
    assert sha256(model) == MODEL_SHA256
    for name in ("config.json", "tokenizer.json", "vocabulary.txt", "verified.json"):
        assert (folder / name).is_file()
    assert leftovers(folder) == []

    # The marker spares the re-hash: a file changed behind it with the same size and mtime is
    # not read again (this is what makes a start cheap)...
    stat = model.stat()
    with open(model, "r+b") as file:
        file.write(b"\0" * 16)
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    prepare_model(settings)
    assert model.read_bytes()[:16] == b"\0" * 16
    # ...but a file whose mtime changed is hashed again, found wrong, and joined afresh.
    os.utime(model, None)
    prepare_model(settings)
    assert sha256(model) == MODEL_SHA256
    assert leftovers(folder) == []


def test_a_damaged_part_is_refused_and_leaves_no_model(tmp_path: Path) -> None:
    bundled = bundled_parts()
    damaged = tmp_path / "model.bin.part2"
    shutil.copyfile(bundled.parts[1], damaged)
    with open(damaged, "r+b") as file:
        file.seek(1_000_000)
        byte = file.read(1)
        file.seek(1_000_000)
        file.write(bytes([byte[0] ^ 0xFF]))
    target = tmp_path / "model"
    with pytest.raises(ModelCheckError) as caught:
        join_model([bundled.parts[0], damaged], bundled.extras, target)
    message = str(caught.value)
    assert "SHA-256" in message and MODEL_SHA256 in message and "reinstall" in message
    assert not (target / "model.bin").exists()
    assert not (target / "verified.json").exists()
    assert leftovers(target) == []


def test_a_wrong_model_already_there_is_deleted_when_the_parts_are_damaged(
    tmp_path: Path,
) -> None:
    part = tmp_path / "part"
    part.write_bytes(b"not a model")
    target = tmp_path / "model"
    target.mkdir()
    (target / "model.bin").write_bytes(b"also not a model")
    with pytest.raises(ModelCheckError):
        join_model([part], [], target, size=11, sha256="0" * 64)
    assert not (target / "model.bin").exists()


def test_two_joins_at_once_do_the_work_once(tmp_path: Path) -> None:
    bundled = bundled_parts()
    target = tmp_path / "model"
    with ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(lambda _: join_model(bundled.parts, bundled.extras, target), range(2))
        )
    assert results == [target, target]
    assert sha256(target / "model.bin") == MODEL_SHA256
    assert leftovers(target) == []


def test_status_of_the_bundled_model(tmp_path: Path) -> None:
    status = asr_status(Settings(data_dir=tmp_path))
    assert status.available and status.reason is None
    assert status.model == "whisper-base (bundled)"


def test_status_of_a_configured_model(tmp_path: Path) -> None:
    missing = asr_status(Settings(data_dir=tmp_path, asr_model=str(tmp_path / "nowhere")))
    assert not missing.available
    assert missing.reason is not None and "no such folder" in missing.reason
    empty = tmp_path / "empty"
    empty.mkdir()
    no_model = asr_status(Settings(data_dir=tmp_path, asr_model=str(empty)))
    assert not no_model.available
    assert no_model.reason is not None and "model.bin" in no_model.reason
    (empty / "model.bin").write_bytes(b"x")
    assert asr_status(Settings(data_dir=tmp_path, asr_model=str(empty))).available
    named = asr_status(Settings(data_dir=tmp_path, asr_model="Systran/faster-whisper-small"))
    assert named.available and named.model == "Systran/faster-whisper-small"
    assert prepare_model(Settings(data_dir=tmp_path, asr_model="small")) == "small"
