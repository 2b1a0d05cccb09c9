"""What kind of file an upload really is, from its first bytes, to say so when it is refused.

An upload in the wrong place (a PNG sent as a transcript, a PDF as the audio) is better
answered with "this file is a PNG image" than with what reading it as the expected format
happened to trip over (bytes that are not UTF-8, no MP3 frames). One table, asked by the audio
upload (``episodes/audio.py``) and the transcript upload (``transcripts/formats``). Each
signature includes a byte no text file has where one is possible (``ID3`` + version, ``OggS``
+ version 0), so a transcript that merely starts with those letters is never taken for one.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HEAD_BYTES", "FileKind", "file_kind"]

HEAD_BYTES = 16  # the longest signature below ends before this


@dataclass(frozen=True)
class FileKind:
    """``label`` for a sentence ("This file is a PNG image"); ``audio`` when it is sound,
    ``document`` when a word processor may have made it (its text can be saved as text)."""

    label: str
    audio: bool = False
    document: bool = False


_JPEG = FileKind("a JPEG image")
_PNG = FileKind("a PNG image")
_GIF = FileKind("a GIF image")
_WEBP = FileKind("a WebP image")
_PDF = FileKind("a PDF document", document=True)
_ZIP = FileKind("a ZIP archive or Office document", document=True)
_OLE = FileKind("an older Microsoft Office document (.doc, .xls)", document=True)
_MP3 = FileKind("an MP3 audio file", audio=True)
_OGG = FileKind("an Ogg audio file", audio=True)
_FLAC = FileKind("a FLAC audio file", audio=True)
_WAV = FileKind("a WAV audio file", audio=True)
_MP4 = FileKind("an MP4 or M4A audio or video file", audio=True)

# (offset, bytes, kind): the first that matches wins.
_SIGNATURES: tuple[tuple[int, bytes, FileKind], ...] = (
    (0, b"\xff\xd8\xff", _JPEG),
    (0, b"\x89PNG\r\n\x1a\n", _PNG),
    (0, b"GIF87a", _GIF),
    (0, b"GIF89a", _GIF),
    (8, b"WEBP", _WEBP),  # after RIFF and a size; checked with RIFF below
    (0, b"%PDF-", _PDF),
    (0, b"PK\x03\x04", _ZIP),
    (0, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _OLE),
    (0, b"OggS\x00", _OGG),
    (0, b"fLaC", _FLAC),
    (8, b"WAVE", _WAV),
    (4, b"ftyp", _MP4),
)


def file_kind(head: bytes) -> FileKind | None:
    """The kind of file whose first bytes are ``head`` (at least ``HEAD_BYTES`` of them when
    the file has that many), or None when it is none of the common binary formats above."""
    for offset, magic, kind in _SIGNATURES:
        if offset == 8 and not head.startswith(b"RIFF"):
            continue
        if head[offset : offset + len(magic)] == magic:
            return kind
    if head.startswith(b"ID3") and len(head) > 4 and head[3] in (2, 3, 4) and head[4] == 0:
        return _MP3
    # An MPEG audio frame header: sync, then MPEG-1/2/2.5 layer III (the bytes FF FB, FF F3,
    # FF F2, FF E3...); never a UTF-8 or UTF-16 text start (FF FE is the UTF-16 mark).
    if len(head) > 2 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2 and head[2] >> 4 != 0xF:
        return _MP3
    return None
