from __future__ import annotations

import codecs

import pytest

from transcripts.cues import TranscriptError
from transcripts.decoding import decode_transcript

TEXT = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Zoë Ní Bhriain>Dia duit — 漢字 👩🏽‍⚕️\n"


def test_plain_utf8() -> None:
    assert decode_transcript(TEXT.encode()) == TEXT


def test_utf8_bom_is_removed() -> None:
    assert decode_transcript(codecs.BOM_UTF8 + TEXT.encode()) == TEXT


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_with_bom(encoding: str) -> None:
    data = TEXT.encode(encoding)
    if not encoding.endswith(("16", "32")):  # explicit-endian codecs write no BOM themselves
        bom = {
            "utf-16-le": codecs.BOM_UTF16_LE,
            "utf-16-be": codecs.BOM_UTF16_BE,
            "utf-32-be": codecs.BOM_UTF32_BE,
        }[encoding]
        data = bom + data
    assert decode_transcript(data) == TEXT


def test_crlf_and_cr_become_lf() -> None:
    assert decode_transcript(b"WEBVTT\r\n\r\nA\rB\r\n") == "WEBVTT\n\nA\nB\n"
    assert decode_transcript("A\r\nB".encode("utf-16")) == "A\nB"


def test_latin1_is_refused_with_the_line_of_the_first_bad_byte() -> None:
    data = "WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nZoë\r\n".encode("latin-1")
    with pytest.raises(TranscriptError) as info:
        decode_transcript(data)
    assert info.value.line == 4
    assert "not UTF-8" in info.value.message
    assert "0xEB" in info.value.message
    assert "save it as UTF-8" in info.value.message


def test_line_numbers_count_lone_carriage_returns() -> None:
    with pytest.raises(TranscriptError) as info:
        decode_transcript(b"a\rb\rc\r\x96")  # Windows-1252 en dash
    assert info.value.line == 4


def test_utf16_without_bom_is_refused() -> None:
    with pytest.raises(TranscriptError) as info:
        decode_transcript("WEBVTT\n".encode("utf-16-le"))
    assert "UTF-16 without a byte order mark" in info.value.message
    assert info.value.line == 1


def test_broken_utf16_after_a_bom_is_refused() -> None:
    with pytest.raises(TranscriptError, match="not valid UTF-16"):
        decode_transcript(codecs.BOM_UTF16_LE + b"A\x00\x00\xd8")  # lone high surrogate


def test_empty_input_is_empty_text() -> None:
    assert decode_transcript(b"") == ""
