"""FLAC frame headers, found in the bytes of a file without decoding any audio.

Why: STREAMINFO (what mutagen reports) is written once, at the start, and says how long the
whole recording is. A file cut short keeps it, and a damaged one can carry garbage (65,536 s,
8 channels). Every frame header repeats the stream's facts and numbers its position, and is
protected by a CRC-8, so the first and last frame headers tell where the audio really ends and
what it really is (RFC 9639, section 9.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# How far to look for the first frame after the metadata, and for the last before the end.
# A frame is at most a few tens of KB in practice (4096 samples of 16-bit stereo, uncompressed,
# is 16 KiB); 1 MiB leaves room for anything an encoder writes.
_SCAN_BYTES = 1 << 20

_SYNC = re.compile(rb"\xff[\xf8\xf9]")
_RATES = {
    1: 88200,
    2: 176400,
    3: 192000,
    4: 8000,
    5: 16000,
    6: 22050,
    7: 24000,
    8: 32000,
    9: 44100,
    10: 48000,
    11: 96000,
}
_BITS = {1: 8, 2: 12, 4: 16, 5: 20, 6: 24, 7: 32}


def _crc8_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc << 1 ^ 0x07 if crc & 0x80 else crc << 1) & 0xFF
        table.append(crc)
    return tuple(table)


_CRC8 = _crc8_table()


def crc8(data: bytes) -> int:
    """CRC-8 with polynomial x^8 + x^2 + x + 1, as FLAC frame headers use."""
    crc = 0
    for byte in data:
        crc = _CRC8[crc ^ byte]
    return crc


@dataclass(frozen=True)
class FlacFrame:
    """The facts in one frame header; ``None`` means "as in STREAMINFO"."""

    offset: int  # in the file
    variable: bool  # variable block size: ``number`` counts samples, not frames
    number: int
    block_size: int  # samples per channel in this frame
    sample_rate: int | None
    channels: int
    bits: int | None

    def continues(self, first: FlacFrame) -> bool:
        """Could this frame belong to the stream that ``first`` starts? (Guards against a
        chance sync pattern with a matching CRC inside compressed audio.)"""
        return (
            self.variable == first.variable
            and self.sample_rate == first.sample_rate
            and self.channels == first.channels
            and self.bits == first.bits
            and self.number >= first.number
        )


def parse_frame(data: bytes, pos: int, offset: int = 0) -> FlacFrame | None:
    """The frame header at ``data[pos:]`` if there is a valid one (``offset``: of ``data`` in
    the file)."""
    if len(data) < pos + 6 or data[pos] != 0xFF or data[pos + 1] & 0xFE != 0xF8:
        return None
    size_code, rate_code = data[pos + 2] >> 4, data[pos + 2] & 0xF
    assignment, bits_code = data[pos + 3] >> 4, data[pos + 3] >> 1 & 7
    if size_code == 0 or rate_code == 0xF or assignment > 10 or bits_code == 3:
        return None
    if data[pos + 3] & 1:  # reserved bit
        return None
    number, at = _coded_number(data, pos + 4)
    block_size, at = _block_size(size_code, data, at)
    sample_rate, at = _sample_rate(rate_code, data, at)
    if number is None or block_size is None or at >= len(data):
        return None
    if sample_rate == 0 or crc8(data[pos:at]) != data[at]:
        return None
    return FlacFrame(
        offset=offset + pos,
        variable=bool(data[pos + 1] & 1),
        number=number,
        block_size=block_size,
        sample_rate=sample_rate,
        channels=assignment + 1 if assignment < 8 else 2,
        bits=_BITS.get(bits_code),
    )


def _coded_number(data: bytes, at: int) -> tuple[int | None, int]:
    """FLAC's UTF-8-like variable-length frame or sample number."""
    if at >= len(data):
        return None, at
    first = data[at]
    ones = 8 - (first ^ 0xFF).bit_length()  # leading one bits: the length in bytes
    if ones == 0:
        return first, at + 1
    if ones == 1 or ones == 8 or at + ones > len(data):
        return None, at
    value = first & (0x7F >> ones)
    for byte in data[at + 1 : at + ones]:
        if byte & 0xC0 != 0x80:
            return None, at
        value = value << 6 | byte & 0x3F
    return value, at + ones


def _block_size(code: int, data: bytes, at: int) -> tuple[int | None, int]:
    if code == 1:
        return 192, at
    if code <= 5:
        return 576 << (code - 2), at
    if code <= 7:
        width = code - 5  # 6: an 8-bit field follows, 7: a 16-bit one
        if at + width > len(data):
            return None, at
        return int.from_bytes(data[at : at + width], "big") + 1, at + width
    return 256 << (code - 8), at


def _sample_rate(code: int, data: bytes, at: int) -> tuple[int | None, int]:
    if code == 0:
        return None, at
    if code in _RATES:
        return _RATES[code], at
    width = 1 if code == 12 else 2
    if at + width > len(data):
        return 0, at
    value = int.from_bytes(data[at : at + width], "big")
    return value * {12: 1000, 13: 1, 14: 10}[code], at + width


def audio_offset(path: Path) -> int | None:
    """Where the frames start: after an optional ID3v2 tag, "fLaC" and the metadata blocks
    (by their declared sizes)."""
    with path.open("rb") as fh:
        head = fh.read(10)
        pos = 0
        if head[:3] == b"ID3" and len(head) == 10:
            pos = 10 + (head[6] << 21 | head[7] << 14 | head[8] << 7 | head[9])
        fh.seek(pos)
        if fh.read(4) != b"fLaC":
            return None
        pos += 4
        while True:
            fh.seek(pos)
            block = fh.read(4)
            if len(block) < 4:
                return None
            pos += 4 + int.from_bytes(block[1:], "big")
            if block[0] & 0x80:  # last metadata block
                return pos


def first_and_last(path: Path) -> tuple[FlacFrame | None, FlacFrame | None]:
    """The first frame after the metadata and the last frame of the same stream before the
    end of the file; (None, None) if no frame follows the metadata."""
    start = audio_offset(path)
    if start is None:
        return None, None
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(start)
        head = fh.read(_SCAN_BYTES)
        first = next(_frames(head, start), None)
        if first is None:
            return None, None
        tail_start = max(first.offset, size - _SCAN_BYTES)
        fh.seek(tail_start)
        tail = fh.read()
    last = next((f for f in _frames(tail, tail_start, backwards=True) if f.continues(first)), None)
    return first, last


def _frames(data: bytes, offset: int, backwards: bool = False) -> Iterator[FlacFrame]:
    starts = [m.start() for m in _SYNC.finditer(data)]
    for pos in reversed(starts) if backwards else starts:
        frame = parse_frame(data, pos, offset)
        if frame is not None:
            yield frame


def end_sample(first: FlacFrame, last: FlacFrame) -> int:
    """Samples (per channel) up to the end of ``last``: the frame number times the block
    size (the first frame's, which is the nominal one), or the sample number."""
    start = last.number if last.variable else last.number * first.block_size
    return start + last.block_size
