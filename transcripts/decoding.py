"""Bytes to text for uploaded transcripts.

Transcript formats are UTF-8 by specification (WebVTT requires it), but editors on Windows still
save UTF-16 with a byte order mark, so those are accepted too. Anything else is refused with the
line of the first bad byte rather than guessed at: a wrong guess silently corrupts names such
as "Zoë", while the producer can re-save the file as UTF-8 in a minute.
"""

from __future__ import annotations

import codecs

from transcripts.cues import TranscriptError

__all__ = ["decode_transcript"]

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE mark.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

_SAVE_AS_UTF8 = "save it as UTF-8 and upload it again"


def _line_of(data: bytes, offset: int) -> int:
    """1-based line number of a byte offset, counting LF, CRLF and lone CR line breaks."""
    head = data[:offset].replace(b"\r\n", b"\n")
    return head.count(b"\n") + head.count(b"\r") + 1


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def decode_transcript(data: bytes) -> str:
    """Decode an uploaded transcript: UTF-8 (with or without BOM), or UTF-16/UTF-32 with a BOM.

    The BOM is removed and CRLF / CR line breaks become LF. Raises :class:`TranscriptError`
    naming the line of the first byte that is not UTF-8.
    """
    for bom, encoding, name in _BOMS:
        if data.startswith(bom):
            try:
                return _normalise_newlines(data[len(bom) :].decode(encoding))
            except UnicodeDecodeError as exc:
                raise TranscriptError(
                    f"the file starts with a {name} byte order mark but is not valid {name} "
                    f"(bad bytes at byte offset {exc.start + len(bom)}); {_SAVE_AS_UTF8}"
                ) from None
    skip = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        offset = exc.start + skip
        raise TranscriptError(
            f"the file is not UTF-8 (byte 0x{data[offset]:02X} at byte offset {offset} cannot be "
            f"read; it was probably saved as Windows-1252 or Latin-1); {_SAVE_AS_UTF8}",
            _line_of(data, offset),
        ) from None
    if "\x00" in text:
        raise TranscriptError(
            "the file contains NUL bytes, so it is probably UTF-16 without a byte order mark; "
            + _SAVE_AS_UTF8,
            _line_of(data, data.index(b"\x00")),
        )
    return _normalise_newlines(text)
