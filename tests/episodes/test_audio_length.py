"""The length checks of episodes.audio_length and episodes.flac_frames, on the committed corpus
(tests/fixtures, made by make_fixtures.py) and on copies of it changed the way writers and
broken transfers change files."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import mutagen
import pytest
from mutagen.flac import FLAC

from episodes import flac_frames
from episodes.audio import CorruptAudio, read_audio
from episodes.audio_length import (
    count_mp3_frames,
    mdat_bytes,
    measure,
    mp3_declared_bytes,
    mp3_frame_size,
    mp4_seconds_present,
    ogg_last_page_cut,
    wav_layout,
)
from tests.conftest import FIXTURES

BAD = FIXTURES / "bad"


def copy(tmp_path: Path, source: Path, data: bytes | None = None) -> Path:
    path = tmp_path / f"upload{source.suffix}"
    path.write_bytes(source.read_bytes() if data is None else data)
    return path


# --- WAV --------------------------------------------------------------------------------------


def test_wav_layout() -> None:
    whole = wav_layout(FIXTURES / "speech.wav")
    assert whole is not None
    assert (whole.sample_rate, whole.block_align) == (16000, 2)
    assert whole.data_offset + whole.data_size <= (FIXTURES / "speech.wav").stat().st_size
    header = wav_layout(BAD / "header-only.wav")
    assert header is not None
    assert (header.sample_rate, header.block_align, header.data_offset) == (4000, 1, 44)
    assert header.data_size == 60 * 4000  # the claim of the whole minute


def test_complete_wav_is_not_measured() -> None:
    info = mutagen.File(FIXTURES / "speech.wav").info
    assert measure("wav", info, FIXTURES / "speech.wav") is None  # nothing missing


def test_wav_data_size_unknown_uses_the_bytes(tmp_path: Path) -> None:
    """ffmpeg writing to a pipe cannot go back to fill in the sizes: both stay 0xFFFFFFFF, and
    the samples run to the end of the file."""
    layout = wav_layout(FIXTURES / "speech.wav")
    assert layout is not None
    data = bytearray(
        (FIXTURES / "speech.wav").read_bytes()[: layout.data_offset + layout.data_size]
    )
    data[4:8] = data[layout.data_offset - 4 : layout.data_offset] = b"\xff" * 4
    path = copy(tmp_path, FIXTURES / "speech.wav", bytes(data))
    assert mutagen.File(path).info.length > 100_000  # what the header alone says
    assert read_audio(path).duration == mutagen.File(FIXTURES / "speech.wav").info.length


def test_wav_short_by_less_than_the_tolerance_gets_its_real_length(tmp_path: Path) -> None:
    data = (FIXTURES / "speech.wav").read_bytes()
    layout = wav_layout(FIXTURES / "speech.wav")
    assert layout is not None
    end = layout.data_offset + layout.data_size - 16000  # half a second of samples missing
    path = copy(tmp_path, FIXTURES / "speech.wav", data[:end])
    assert mutagen.File(path).info.length == pytest.approx(5.13, abs=0.01)
    assert read_audio(path).duration == pytest.approx(4.63, abs=0.01)


# --- MP3 --------------------------------------------------------------------------------------


def _first_frame(path: Path) -> tuple[bytes, int]:
    """The start of the first frame, and the bytes from there to the end of the file."""
    offset = mutagen.File(path).info.frame_offset
    data = path.read_bytes()
    return data[offset : offset + 64], len(data) - offset


def test_mp3_declared_bytes() -> None:
    frame, present = _first_frame(FIXTURES / "speech.mp3")  # LAME header, written by ffmpeg
    assert mp3_declared_bytes(frame) == present
    for name in ("half-cbr.mp3", "half-vbr.mp3"):
        frame, present = _first_frame(BAD / name)
        declared = mp3_declared_bytes(frame)
        assert declared is not None and declared > present * 1.9
    frame, _ = _first_frame(FIXTURES / "plain.mp3")  # written without a Xing header
    assert mp3_declared_bytes(frame) is None


def test_mp3_xing_and_vbri_headers() -> None:
    mono_mpeg1 = bytes.fromhex("fffb90c0")  # the Xing header follows 17 bytes of side info
    xing = mono_mpeg1 + bytes(17) + b"Xing" + struct.pack(">III", 3, 99, 654_321) + bytes(20)
    assert mp3_declared_bytes(xing) == 654_321
    info_frames_only = mono_mpeg1 + bytes(17) + b"Info" + struct.pack(">II", 1, 99) + bytes(30)
    assert mp3_declared_bytes(info_frames_only) is None
    vbri = mono_mpeg1 + bytes(32) + b"VBRI" + struct.pack(">HHHII", 1, 0, 75, 123_456, 99)
    assert mp3_declared_bytes(vbri) == 123_456
    assert mp3_declared_bytes(vbri[:48]) is None  # cut inside the header
    assert mp3_declared_bytes(b"") is None


def test_mp3_frame_size() -> None:
    first = 0xFFFB90C0  # MPEG-1 layer III, 128 kbit/s, 44.1 kHz: 144 * 128000 / 44100 bytes
    assert mp3_frame_size(first, first) == 417
    assert mp3_frame_size(first | 0x200, first) == 418  # padding bit
    assert mp3_frame_size(0xFFF390C0, first) is None  # MPEG-2: not the same stream
    assert mp3_frame_size(0xFFFB00C0, first) is None  # "free" bitrate
    assert mp3_frame_size(0x12345678, first) is None


def test_count_mp3_frames() -> None:
    path = FIXTURES / "plain.mp3"
    info = mutagen.File(path).info
    size = path.stat().st_size
    with path.open("rb") as fh:
        frames = count_mp3_frames(fh, info.frame_offset, size)
        assert frames * 1152 / 44100 == pytest.approx(info.length, abs=0.03)
        assert count_mp3_frames(fh, info.frame_offset, size - 100) == frames - 1


def test_mp3_without_a_vbr_header_makes_no_claim_but_must_not_be_tiny(tmp_path: Path) -> None:
    assert measure("mp3", mutagen.File(FIXTURES / "plain.mp3").info, FIXTURES / "plain.mp3") is None
    path = copy(tmp_path, FIXTURES / "plain.mp3", (FIXTURES / "plain.mp3").read_bytes()[:1000])
    assert mutagen.File(path).info.length == pytest.approx(0.17, abs=0.01)  # "fine", says mutagen
    with pytest.raises(CorruptAudio, match=r"only 0\.2 seconds of audio, too little"):
        read_audio(path)


# --- M4A --------------------------------------------------------------------------------------


def test_mdat_bytes() -> None:
    declared, present = mdat_bytes(FIXTURES / "speech.m4a")
    assert declared == present > 10_000
    declared, present = mdat_bytes(BAD / "half.m4a")
    assert present < declared


def test_mp4_seconds_present() -> None:
    whole = mp4_seconds_present(FIXTURES / "speech.m4a")
    assert whole == pytest.approx(mutagen.File(FIXTURES / "speech.m4a").info.length, abs=0.01)
    assert mp4_seconds_present(BAD / "half.m4a") == pytest.approx(2.05, abs=0.01)
    assert mp4_seconds_present(BAD / "notes.txt") is None


def test_m4a_with_a_cut_mdat_and_no_sample_tables_is_estimated(tmp_path: Path) -> None:
    """A fragmented MP4 has no samples in its moov; the bytes give an estimate."""
    data = bytearray((BAD / "half.m4a").read_bytes())
    at = data.index(b"stsz") + 4
    data[at + 8 : at + 12] = bytes(4)  # sample count 0
    path = copy(tmp_path, BAD / "half.m4a", bytes(data))
    length = measure("m4a", mutagen.File(path).info, path)
    assert length is not None and length.claimed is not None
    assert 20 < length.real < 40  # half the mdat bytes: about half the minute


# --- FLAC -------------------------------------------------------------------------------------


def test_crc8_check_value() -> None:
    assert flac_frames.crc8(b"123456789") == 0xF4  # CRC-8/SMBUS, as FLAC uses


def test_flac_first_and_last_frames() -> None:
    first, last = flac_frames.first_and_last(FIXTURES / "speech.flac")
    assert first is not None and last is not None
    assert (first.number, first.sample_rate, first.channels, first.bits) == (0, 16000, 1, 16)
    assert first.offset == flac_frames.audio_offset(FIXTURES / "speech.flac")
    assert flac_frames.end_sample(first, last) == FLAC(FIXTURES / "speech.flac").info.total_samples
    first, last = flac_frames.first_and_last(BAD / "half.flac")
    assert first is not None and last is not None
    assert flac_frames.end_sample(first, last) / 8000 == pytest.approx(2.66, abs=0.01)


def test_flac_frame_header_needs_its_crc() -> None:
    path = FIXTURES / "speech.flac"
    start = flac_frames.audio_offset(path)
    assert start is not None
    data = path.read_bytes()[start : start + 32]
    assert flac_frames.parse_frame(data, 0) is not None
    broken = bytearray(data)
    broken[4] ^= 0x01  # frame number 1, but the CRC-8 is for 0
    assert flac_frames.parse_frame(bytes(broken), 0) is None
    assert flac_frames.parse_frame(data[:5], 0) is None
    assert flac_frames.parse_frame(data, 1) is None


def test_flac_only_metadata_has_no_frames(tmp_path: Path) -> None:
    start = flac_frames.audio_offset(FIXTURES / "speech.flac")
    path = copy(tmp_path, FIXTURES / "speech.flac", (FIXTURES / "speech.flac").read_bytes()[:start])
    assert flac_frames.first_and_last(path) == (None, None)
    with pytest.raises(CorruptAudio, match="ends at 0:00 but says it lasts 0:05"):
        read_audio(path)


def _with_streaminfo(tmp_path: Path, **changes: int) -> Path:
    path = copy(tmp_path, FIXTURES / "speech.flac")
    media = FLAC(path)
    for name, value in changes.items():
        setattr(media.info, name, value)
    media.save()
    return path


def test_flac_total_samples_unknown_uses_the_frames(tmp_path: Path) -> None:
    """0 samples in STREAMINFO means "unknown" (ffmpeg writing to a pipe), not "empty"."""
    path = _with_streaminfo(tmp_path, total_samples=0)
    assert read_audio(path).duration == FLAC(FIXTURES / "speech.flac").info.length


def test_flac_streaminfo_shorter_than_the_frames_is_damaged(tmp_path: Path) -> None:
    path = _with_streaminfo(tmp_path, total_samples=32000)
    with pytest.raises(CorruptAudio, match="audio runs to 0:05 but its header says it lasts 0:02"):
        read_audio(path)


def test_flac_streaminfo_must_match_the_frames(tmp_path: Path) -> None:
    path = _with_streaminfo(tmp_path, channels=2)
    with pytest.raises(CorruptAudio) as caught:
        read_audio(path)
    assert caught.value.message == (
        "This FLAC file is damaged: its header says it lasts 0:05, 2 channels at 16,000 Hz, "
        "16-bit, but its audio ends at 0:05 and is 1 channel at 16,000 Hz, 16-bit. Export the "
        "episode again from your editor."
    )


# --- Ogg --------------------------------------------------------------------------------------

OGG = ["speech.opus", "speech.ogg"]


def _last_page_start(data: bytes) -> int:
    return data.rindex(b"OggS")


@pytest.mark.parametrize("name", OGG)
def test_complete_ogg_is_not_cut(name: str) -> None:
    assert not ogg_last_page_cut(FIXTURES / name)


@pytest.mark.parametrize("name", OGG)
def test_ogg_cut_anywhere_in_the_last_page_is_cut(tmp_path: Path, name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    start = _last_page_start(data)
    for end in (start + 2, start + 20, start + 28, len(data) - 1):
        assert ogg_last_page_cut(copy(tmp_path, FIXTURES / name, data[:end])), end


@pytest.mark.parametrize("name", OGG)
def test_ogg_damaged_last_page(tmp_path: Path, name: str) -> None:
    data = (FIXTURES / name).read_bytes()
    start = _last_page_start(data)
    serial = bytearray(data)
    serial[start + 15] ^= 0xFF  # another stream's page, or a damaged one: still cut
    assert ogg_last_page_cut(copy(tmp_path, FIXTURES / name, bytes(serial[:-1])))
    pattern = bytearray(data)
    pattern[start] = ord("X")  # the last page's "OggS" damaged: the page before it does not
    assert ogg_last_page_cut(copy(tmp_path, FIXTURES / name, bytes(pattern)))  # end the stream
    tagged = copy(tmp_path, FIXTURES / name, data + b"TAG" + bytes(125))  # ID3v1 after the end
    assert not ogg_last_page_cut(tagged)
    assert read_audio(tagged).duration == mutagen.File(FIXTURES / name).info.length


@pytest.mark.parametrize("name", ["half.opus", "half.ogg"])
def test_ogg_cut_at_a_page_boundary_gets_its_real_shorter_length(tmp_path: Path, name: str) -> None:
    """With no page cut there is no sign of damage but the missing end-of-stream flag, which
    recorders that stream also leave out: accepted, with the length of the pages present (the
    same as mutagen gives the file with the cut page; test_real_end_matches_what_ffmpeg_decodes
    compares that with a decoder)."""
    data = (BAD / name).read_bytes()
    path = copy(tmp_path, BAD / name, data[: _last_page_start(data)])
    assert not ogg_last_page_cut(path)
    duration = read_audio(path).duration
    assert duration == mutagen.File(BAD / name).info.length < 30  # the granule of the last page


# --- against an independent decoder -----------------------------------------------------------

CUT = ["half-cbr.mp3", "half-vbr.mp3", "1000-bytes.mp3", "half.flac", "half.wav", "half.m4a"]
CUT += ["half.opus", "half.ogg"]


def _real_end(path: Path) -> float:
    info = mutagen.File(path).info
    if path.suffix in (".opus", ".ogg"):
        return float(info.length)  # the last complete page's granule position
    if path.suffix == ".flac":
        first, last = flac_frames.first_and_last(path)
        assert first is not None and last is not None and first.sample_rate
        return flac_frames.end_sample(first, last) / first.sample_rate
    length = measure(path.suffix[1:], info, path)
    assert length is not None and length.claimed == pytest.approx(60, abs=0.2)
    return length.real


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg not installed")
@pytest.mark.parametrize("name", CUT)
def test_real_end_matches_what_ffmpeg_decodes(name: str) -> None:
    """Within a frame: the last, cut frame (FLAC), the encoder delay (MP3) or AAC priming
    (M4A) are counted here but not decoded."""
    log = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-stats_period", "1000", "-progress", "pipe:1",
         "-i", str(BAD / name), "-f", "null", "-"],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip
    decoded = int(re.findall(r"out_time_us=(\d+)", log)[-1]) / 1e6
    assert _real_end(BAD / name) == pytest.approx(decoded, abs=0.15)
