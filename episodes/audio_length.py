"""How much audio an upload really holds, against what its header says.

Why: mutagen reports the length a file's header claims (the WAV data-chunk size, the MP3
Xing/Info frame count, FLAC STREAMINFO, the MP4 track header), and a file cut short by an
interrupted upload or export keeps the header of the whole recording. The feed would then
announce an hour for a file that stops after ten minutes. Each format makes one thing cheap to
check, and only when that shows bytes missing is the real length worked out:

* WAV: the data chunk's declared size against the bytes after it. A size of 0xFFFFFFFF (what
  ffmpeg writes to a pipe) is "unknown": the bytes present are the audio.
* MP3: the byte count in the Xing/Info or VBRI header against the bytes present; when short,
  the complete frames are counted. Without such a header mutagen estimates the length from the
  file size, which is already the real one.
* M4A: the top-level ``mdat`` atoms' sizes against the file size; when short, the sound track's
  sample tables say which samples are complete.
* FLAC: the first and last frame headers (``episodes.flac_frames``): the last one's number is
  where the audio really ends, and the first must agree with STREAMINFO's channels, sample rate
  and sample size, or STREAMINFO is garbage. Its 0 samples ("unknown", as ffmpeg writes to a
  pipe) is no claim.
* Ogg: mutagen's length is the granule position of the last complete page, so already real; a
  last page cut part-way is what gives a cut file away.

A file that falls short of its claim by more than ``TOLERANCE`` is refused; otherwise the real
length is used. Audio shorter than ``MIN_SECONDS`` is refused too: no episode is that short, and
a few frames are what an upload that died at once leaves behind (an MP3 without a Xing header
makes no claim to compare with).
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import mutagen
from mutagen.mp4 import Atoms

from episodes import flac_frames
from episodes.audio_errors import CorruptAudio
from podcast.core.timecodes import clock

TOLERANCE = 1.0  # seconds a file may fall short of its header before it is called cut
MIN_SECONDS = 1.0

_AGAIN = "Was the upload or export interrupted? Please export the episode again and upload it."


@dataclass(frozen=True)
class Length:
    """Seconds of audio a file's header claims (``None``: no claim) and really holds."""

    claimed: float | None
    real: float


def real_duration(fmt: str, label: str, info: Any, path: Path) -> float:
    """The length to store for an accepted file; raise ``CorruptAudio`` if it is cut short.

    ``info`` is mutagen's stream info for ``path``, already identified as ``fmt``.
    """
    if fmt in ("opus", "ogg"):
        duration = _ogg_duration(label, info, path)
    elif fmt == "flac":
        duration = _flac_duration(label, info, path)
    else:
        duration = _judge(label, float(info.length), measure(fmt, info, path))
    if 0 < duration < MIN_SECONDS:
        raise CorruptAudio(
            f"This {label} file holds only {duration:.1f} seconds of audio, too little for an "
            f"episode. {_AGAIN}"
        )
    return duration


def _judge(label: str, reported: float, length: Length | None) -> float:
    """The real length, or a refusal if it is far from the header's claim; ``reported``
    (mutagen's length) stands when no bytes are missing."""
    if length is None:
        return reported
    said = length.claimed
    if said is None or abs(said - length.real) <= TOLERANCE:
        return length.real
    if length.real < said:
        raise CorruptAudio(
            f"This {label} file is cut short: it ends at {clock(length.real)} but says it "
            f"lasts {clock(said)}. {_AGAIN}"
        )
    raise CorruptAudio(
        f"This {label} file is damaged: its audio runs to {clock(length.real)} but its header "
        f"says it lasts {clock(said)}. Export the episode again from your editor."
    )


# --- WAV --------------------------------------------------------------------------------------

_UNKNOWN_SIZE = 0xFFFFFFFF


@dataclass(frozen=True)
class WavLayout:
    sample_rate: int
    block_align: int  # bytes per sample frame (all channels)
    data_offset: int  # first byte of the samples
    data_size: int  # as declared by the data chunk


def wav_layout(path: Path) -> WavLayout | None:
    """The fmt facts and the data chunk's place and declared size, walking the RIFF chunks."""
    rate = align = 0
    with path.open("rb") as fh:
        if fh.read(12)[8:12] != b"WAVE":
            return None
        pos = 12
        while True:
            fh.seek(pos)
            header = fh.read(8)
            if len(header) < 8:
                return None
            kind, size = struct.unpack("<4sI", header)
            if kind == b"fmt ":
                fmt = fh.read(16)
                if len(fmt) == 16:
                    _, _, rate, _, align, _ = struct.unpack("<HHIIHH", fmt)
            elif kind == b"data":
                if not rate or not align:
                    return None
                return WavLayout(rate, align, pos + 8, size)
            pos += 8 + size + (size & 1)  # chunks are padded to an even size


def _wav(info: Any, path: Path) -> Length | None:
    layout = wav_layout(path)
    if layout is None:
        return None
    present = max(0, path.stat().st_size - layout.data_offset)
    if layout.data_size == _UNKNOWN_SIZE:
        return Length(None, _wav_seconds(present, layout))
    if present >= layout.data_size:
        return None
    return Length(float(info.length), _wav_seconds(present, layout))


def _wav_seconds(data_bytes: int, layout: WavLayout) -> float:
    return data_bytes // layout.block_align / layout.sample_rate


# --- MP3 --------------------------------------------------------------------------------------

# Layer III kbit/s by bitrate index, by the header's version bits (3: MPEG-1, 2: MPEG-2,
# 0: MPEG-2.5, which shares MPEG-2's table).
_LOW_RATES = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_BITRATES = {3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)}
_BITRATES |= {2: _LOW_RATES, 0: _LOW_RATES}
_READ_BLOCK = 1 << 20


def mp3_declared_bytes(first_frame: bytes) -> int | None:
    """The stream's size in bytes from a Xing/Info or VBRI header in its first frame, if any.

    Both count from the start of that frame to the end of the last, as LAME and ffmpeg write
    them. The Xing header sits after the side information, whose size depends on the MPEG
    version and on mono or not; VBRI always 32 bytes after the frame header.
    """
    if len(first_frame) < 4:
        return None
    mpeg1 = first_frame[1] >> 3 & 3 == 3
    mono = first_frame[3] >> 6 == 3
    at = 4 + (17 if mono else 32) if mpeg1 else 4 + (9 if mono else 17)
    if first_frame[at : at + 4] in (b"Xing", b"Info"):
        flags = int.from_bytes(first_frame[at + 4 : at + 8], "big")
        if not flags & 2:  # no byte count
            return None
        at += 8 + (4 if flags & 1 else 0)
        field = first_frame[at : at + 4]
    elif first_frame[36:40] == b"VBRI":
        field = first_frame[46:50]
    else:
        return None
    return int.from_bytes(field, "big") if len(field) == 4 else None


def mp3_frame_size(header: int, first: int) -> int | None:
    """Bytes in the layer III frame with this 4-byte header, or None if it is not a frame of
    the stream whose first frame header is ``first`` (same MPEG version and sample rate)."""
    if header >> 21 != 0x7FF or header >> 17 & 3 != 1:  # sync, layer III
        return None
    version, rate_index = header >> 19 & 3, header >> 10 & 3
    if version != first >> 19 & 3 or rate_index != first >> 10 & 3 or version == 1:
        return None
    bitrate_index = header >> 12 & 0xF
    if bitrate_index in (0, 15) or rate_index == 3:
        return None
    base_rate = (44100, 48000, 32000)[rate_index]
    sample_rate = base_rate >> {3: 0, 2: 1, 0: 2}[version]
    samples = 1152 if version == 3 else 576
    bitrate = _BITRATES[version][bitrate_index] * 1000
    return samples // 8 * bitrate // sample_rate + (header >> 9 & 1)


def count_mp3_frames(fh: BinaryIO, start: int, end: int) -> int:
    """Complete frames from ``start`` (a frame header) up to ``end``: the walk stops at the
    first frame that runs past the end or at anything that is not a frame of the stream."""
    fh.seek(start)
    first = int.from_bytes(fh.read(4), "big")
    count, pos = 0, start
    buffer, buffer_at = b"", start
    while pos + 4 <= end:
        if pos + 4 > buffer_at + len(buffer):
            fh.seek(pos)
            buffer, buffer_at = fh.read(_READ_BLOCK), pos
            if len(buffer) < 4:
                break
        at = pos - buffer_at
        size = mp3_frame_size(int.from_bytes(buffer[at : at + 4], "big"), first)
        if size is None or pos + size > end:
            break
        count += 1
        pos += size
    return count


def _mp3(info: Any, path: Path) -> Length | None:
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(info.frame_offset)
        declared = mp3_declared_bytes(fh.read(64))
        if declared is None or size - info.frame_offset >= declared:
            return None
        frames = count_mp3_frames(fh, info.frame_offset, size)
    samples = 1152 if info.version == 1 else 576
    audio_frames = max(0, frames - 1)  # the first frame holds the Xing/VBRI header, no audio
    return Length(float(info.length), audio_frames * samples / info.sample_rate)


# --- M4A --------------------------------------------------------------------------------------


def mdat_bytes(path: Path) -> tuple[int, int]:
    """(declared, present) bytes of the top-level ``mdat`` atoms, which hold the samples."""
    size = path.stat().st_size
    declared = present = 0
    pos = 0
    with path.open("rb") as fh:
        while pos + 8 <= size:
            fh.seek(pos)
            header = fh.read(16)
            length, kind = struct.unpack(">I4s", header[:8])
            if length == 1 and len(header) == 16:  # 64-bit size follows the type
                length = int.from_bytes(header[8:], "big")
            elif length == 0:  # runs to the end of the file
                length = size - pos
            if length < 8:
                break
            if kind == b"mdat":
                declared += length
                present += min(length, size - pos)
            pos += length
    return declared, present


def _m4a(info: Any, path: Path) -> Length | None:
    declared, present = mdat_bytes(path)
    if present >= declared:
        return None
    real = mp4_seconds_present(path)
    if real is None:  # no sample tables to go by (fragmented MP4): estimate from the bytes
        real = float(info.length) * present / declared
    return Length(float(info.length), real)


def mp4_seconds_present(path: Path) -> float | None:
    """Seconds of the sound track's samples that lie wholly inside the file, from the
    ``stbl`` sample tables, or None if there are none."""
    size = path.stat().st_size
    try:
        with path.open("rb") as fh:
            atoms = Atoms(fh)
            for trak in atoms[b"moov"].findall(b"trak"):
                if _box(fh, trak, b"mdia", b"hdlr")[8:12] == b"soun":
                    return _track_seconds_present(fh, trak, size)
    except (KeyError, IndexError, ValueError, struct.error, OSError, mutagen.MutagenError):
        return None
    return None


def _box(fh: BinaryIO, atom: Any, *names: bytes) -> bytes:
    ok, data = atom[names].read(fh)
    if not ok:
        raise ValueError("atom cut short")
    return bytes(data)


def _track_seconds_present(fh: BinaryIO, trak: Any, size: int) -> float | None:
    mdhd = _box(fh, trak, b"mdia", b"mdhd")
    timescale = struct.unpack_from(">I", mdhd, 20 if mdhd[0] == 1 else 12)[0]
    stbl = trak[b"mdia", b"minf", b"stbl"]
    stsz = _box(fh, stbl, b"stsz")
    if not struct.unpack_from(">I", stsz, 8)[0] or not timescale:  # no samples
        return None
    sizes = _sample_sizes(stsz)
    try:
        offsets = _table(_box(fh, stbl, b"stco"), "I", 1)
    except KeyError:
        offsets = _table(_box(fh, stbl, b"co64"), "Q", 1)
    per_chunk = _table(_box(fh, stbl, b"stsc"), "I", 3)
    complete = _complete_samples(offsets, per_chunk, sizes, size)
    return _sample_time(_table(_box(fh, stbl, b"stts"), "I", 2), complete) / timescale


def _table(box: bytes, code: str, columns: int, at: int = 4) -> list[tuple[int, ...]]:
    """Rows of a full box laid out as version/flags, entry count, entries; the count is
    checked against the box, which a damaged file may not fill."""
    (count,) = struct.unpack_from(">I", box, at)
    if count * columns * struct.calcsize(code) > len(box) - at - 4:
        raise ValueError("table longer than its box")
    flat = struct.unpack_from(f">{count * columns}{code}", box, at + 4)
    return [flat[i : i + columns] for i in range(0, len(flat), columns)]


def _sample_sizes(stsz: bytes) -> Iterable[int]:
    """Each sample's size; lazily when they are all the same, as the count may be huge."""
    (uniform,) = struct.unpack_from(">I", stsz, 4)
    if uniform:
        return itertools.repeat(uniform, struct.unpack_from(">I", stsz, 8)[0])
    return (size for (size,) in _table(stsz, "I", 1, at=8))


def _samples_per_chunk(stsc: list[tuple[int, ...]], chunks: int) -> Iterator[int]:
    """stsc runs: (first chunk, samples per chunk, description) until the next run's first."""
    for i, (first, per_chunk, _) in enumerate(stsc):
        following = stsc[i + 1][0] if i + 1 < len(stsc) else chunks + 1
        for _ in range(first, following):
            yield per_chunk


def _complete_samples(
    offsets: list[tuple[int, ...]], stsc: list[tuple[int, ...]], sizes: Iterable[int], size: int
) -> int:
    """How many samples, in order, end inside a file of ``size`` bytes."""
    remaining = iter(sizes)
    done = 0
    for (offset,), per_chunk in zip(offsets, _samples_per_chunk(stsc, len(offsets)), strict=False):
        pos = offset
        for sample_size in itertools.islice(remaining, per_chunk):
            pos += sample_size
            if pos > size:
                return done
            done += 1
    return done


def _sample_time(stts: list[tuple[int, ...]], samples: int) -> int:
    """Duration, in the track's timescale, of the first ``samples`` samples."""
    total = 0
    for count, delta in stts:
        taken = min(count, samples)
        total += taken * delta
        samples -= taken
        if not samples:
            break
    return total


_MEASURES: dict[str, Callable[[Any, Path], Length | None]] = {
    "wav": _wav,
    "mp3": _mp3,
    "m4a": _m4a,
}


def measure(fmt: str, info: Any, path: Path) -> Length | None:
    """A WAV, MP3 or M4A file's claimed and real length, or None if no bytes are missing."""
    return _MEASURES[fmt](info, path)


# --- FLAC -------------------------------------------------------------------------------------


def _flac_duration(label: str, info: Any, path: Path) -> float:
    first, last = flac_frames.first_and_last(path)
    claimed = float(info.length) if info.total_samples else None
    if first is None:  # nothing but metadata
        return _judge(label, float(info.length), Length(claimed, 0.0))
    rate = first.sample_rate or info.sample_rate
    real = flac_frames.end_sample(first, last) / rate if last else None
    said = _stream(info.channels, info.sample_rate, info.bits_per_sample)
    found = _stream(first.channels, rate, first.bits or info.bits_per_sample)
    if said != found:
        says = f"it lasts {clock(claimed)}, " if claimed is not None else ""
        ends = f"ends at {clock(real)} and " if real is not None else ""
        raise CorruptAudio(
            f"This FLAC file is damaged: its header says {says}{said}, but its audio {ends}is "
            f"{found}. Export the episode again from your editor."
        )
    if real is None:  # no frame header found near the end: nothing to go by
        return float(info.length)
    return _judge(label, float(info.length), Length(claimed, real))


def _stream(channels: int, rate: int, bits: int) -> str:
    plural = "" if channels == 1 else "s"
    return f"{channels} channel{plural} at {rate:,} Hz, {bits}-bit"


# --- Ogg --------------------------------------------------------------------------------------

_OGG_TAIL = 1 << 16  # more than the largest Ogg page (27 + 255 + 255 * 255 bytes)


def ogg_last_page_cut(path: Path) -> bool:
    """Does the file end part-way through an Ogg page?

    The last page must end exactly at the end of the file: a page whose header, segment table
    or body runs past it means the end is missing, and so do bytes after a page that does not
    end the stream (the start of a next page, or one whose "OggS" is damaged). After the
    end-of-stream page they are something appended, such as a tag. Any stream's page counts:
    a cut is a cut, and the serial number may be what got damaged.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - _OGG_TAIL))
        tail = fh.read()
    at = tail.rfind(b"OggS")
    if at < 0:
        return False
    header = tail[at : at + 27]
    if len(header) < 27 or header[4] != 0:  # cut inside the header, or not a valid one
        return True
    lacing = tail[at + 27 : at + 27 + header[26]]
    end = at + 27 + len(lacing) + sum(lacing)
    if len(lacing) < header[26] or end > len(tail):
        return True
    end_of_stream = bool(header[5] & 4)
    return end < len(tail) and not end_of_stream


def _ogg_duration(label: str, info: Any, path: Path) -> float:
    duration = float(info.length)
    if ogg_last_page_cut(path):
        raise CorruptAudio(
            f"This {label} file is cut short: it stops part-way through a page of audio, "
            f"at {clock(duration)}, and the rest of the file is missing. {_AGAIN}"
        )
    return duration
