"""Read an uploaded audio file with mutagen: format, stream facts, tags, cover art and chapters.

Why this module exists: an upload must be sorted into "accept", "not audio / a format we don't
take" (HTTP 415, ``UnsupportedAudio``) and "our format but broken" (HTTP 422, ``CorruptAudio``),
and the accepted file's facts feed the RSS enclosure and the episode form. The format is decided
from the file's content, never from its name or the declared MIME type.

Decisions (see also the README of tests/fixtures):

* mutagen runs in non-easy mode with a mapping per tag system (ID3 frames, MP4 atoms, Vorbis
  comments), because easy mode drops comments, cover art and chapters (LIBRARIES.md 2.2).
* MP3 sniffing: mutagen accepts two consecutive frame headers anywhere in the first MiB as an
  MP3 ("sketchy"), which random bytes can satisfy. We require mutagen's strict evidence (a
  Xing/LAME/VBRI header or four consecutive valid frames, i.e. ``sketchy`` is false), the first
  frame within ``_MAX_JUNK_BEFORE_AUDIO`` bytes of the end of the ID3 tag, MPEG layer III, and a
  duration above zero. A file that fails this and *starts* like an MP3 (ID3 tag or frame sync at
  byte 0) is ``CorruptAudio``; anything else is ``UnsupportedAudio``.
* Dates: only a full calendar date ("2026-10-14", optionally followed by a time) becomes
  ``AudioTags.date``; a bare year or year-month gives ``None``, because a publish-date suggestion
  of 1 January would be wrong far more often than right.
* Opus: ``sample_rate`` is always 48000, the rate every Opus decoder outputs; mutagen does not
  report one and the input rate in the Opus header is informational only.
* Embedded art that is unreadable or not JPEG/PNG is skipped, never fatal: the audio is fine.
* Chapter ``end_ms`` is the stored end (ID3 CHAP), else the next chapter's start, else the end of
  the audio.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import math
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen.flac import FLAC
from mutagen.flac import Picture as FlacPicture
from mutagen.id3 import ID3, CTOCFlags, PictureType
from mutagen.mp3 import MP3, skip_id3
from mutagen.mp4 import MP4, Atoms
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from episodes.artwork import ArtworkError, Picture, inspect_image

__all__ = [
    "SUPPORTED_FORMATS",
    "UPLOAD_MIME_TYPES",
    "AudioChapter",
    "AudioError",
    "AudioInfo",
    "AudioTags",
    "CorruptAudio",
    "Picture",
    "UnsupportedAudio",
    "read_audio",
]

SUPPORTED_FORMATS = "MP3, M4A/AAC, Ogg Opus, Ogg Vorbis, FLAC or WAV"

# format (also the stored file extension) -> stored MIME type. Apple's value for .m4a is
# audio/x-m4a (STANDARDS.md I2), though browsers upload it as audio/mp4.
_MIME_TYPES = {
    "mp3": "audio/mpeg",
    "m4a": "audio/x-m4a",
    "opus": "audio/ogg",
    "ogg": "audio/ogg",
    "flac": "audio/flac",
    "wav": "audio/wav",
}

# Content types browsers and tools declare for the formats above. Only a hint for an upload
# route's early check: read_audio() decides from the content.
UPLOAD_MIME_TYPES = frozenset(
    {
        *_MIME_TYPES.values(),
        "audio/mp3",
        "audio/mpeg3",
        "audio/x-mpeg",
        "audio/mp4",
        "audio/m4a",
        "audio/aac",
        "audio/opus",
        "audio/vorbis",
        "audio/x-flac",
        "audio/x-wav",
        "audio/wave",
        "audio/vnd.wave",
        "application/ogg",
        "application/octet-stream",
    }
)

# A first MPEG frame further than this past the ID3 tag is not taken as the start of the audio.
_MAX_JUNK_BEFORE_AUDIO = 4096

# What mutagen recognised but we do not take, by mutagen class name.
_UNSUPPORTED_KINDS = {
    "AIFF": "AIFF audio",
    "ASF": "Windows Media audio (WMA/ASF)",
    "AAC": "a raw AAC (ADTS) stream, which we only take inside an M4A file",
    "AC3": "AC-3 audio",
    "OggFLAC": "FLAC audio inside an Ogg container",
    "OggSpeex": "Ogg Speex audio",
    "OggTheora": "Ogg Theora video",
    "MonkeysAudio": "Monkey's Audio (APE)",
    "Musepack": "Musepack audio",
    "WavPack": "WavPack audio",
    "TrueAudio": "TrueAudio audio",
    "OptimFROG": "OptimFROG audio",
    "TAK": "TAK audio",
    "SMF": "a MIDI file",
    "DSF": "DSD audio (DSF)",
    "DSDIFF": "DSD audio (DFF)",
}


class AudioError(Exception):
    """Base for upload rejections; ``message`` is written for a producer, not a developer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedAudio(AudioError):
    """Not audio, or audio in a format we don't take (HTTP 415)."""


class CorruptAudio(AudioError):
    """Looks like a supported format but cannot be read (HTTP 422)."""


@dataclass(frozen=True)
class AudioChapter:
    start_ms: int
    end_ms: int | None
    title: str | None = None
    url: str | None = None
    image: Picture | None = None


@dataclass(frozen=True)
class AudioTags:
    """Suggestions for the episode form; every field is optional."""

    title: str | None = None
    comment: str | None = None
    artist: str | None = None
    track: int | None = None
    disc: int | None = None
    date: dt.date | None = None  # only from a full date; a bare year gives None
    cover: Picture | None = None
    chapters: tuple[AudioChapter, ...] = ()  # sorted by start


@dataclass(frozen=True)
class AudioInfo:
    format: str  # "mp3", "m4a", "opus", "ogg", "flac" or "wav": also the extension to store
    mime_type: str
    codec: str  # "mp3", "aac", "alac", "opus", "vorbis", "flac", "pcm_s16le", ...
    duration: float  # seconds, exactly as mutagen reports it
    bitrate: int | None  # bits per second
    sample_rate: int | None  # Opus: always 48000
    channels: int | None
    tags: AudioTags


def read_audio(path: Path) -> AudioInfo:
    """Identify and read ``path``; raise ``UnsupportedAudio`` or ``CorruptAudio`` to reject it."""
    size = path.stat().st_size
    if size == 0:
        raise UnsupportedAudio(f"The file is empty (0 bytes). Please upload {SUPPORTED_FORMATS}.")
    with path.open("rb") as fh:
        head = fh.read(512)
    try:
        media = _sniff(path, head)
    except (mutagen.MutagenError, ValueError, IndexError, EOFError, struct.error) as exc:
        raise _unreadable(head, size, exc) from exc
    if media is None:
        raise UnsupportedAudio(_not_audio_message(head))

    fmt, codec = _identify(media, path, head)
    info = media.info
    duration = float(info.length)
    if not math.isfinite(duration) or duration <= 0:
        raise CorruptAudio(
            f"The {_LABELS[fmt]} file contains no audio (its duration is 0 seconds). "
            "Export it again from your editor."
        )
    channels = getattr(info, "channels", 0) or None
    if codec == "aac":
        channels = _aac_channels(path) or channels
    sample_rate = 48000 if fmt == "opus" else getattr(info, "sample_rate", 0) or None
    return AudioInfo(
        format=fmt,
        mime_type=_MIME_TYPES[fmt],
        codec=codec,
        duration=duration,
        bitrate=int(getattr(info, "bitrate", 0) or 0) or None,
        sample_rate=sample_rate,
        channels=channels,
        tags=_read_tags(media, round(duration * 1000)),
    )


_LABELS = {
    "mp3": "MP3",
    "m4a": "M4A",
    "opus": "Ogg Opus",
    "ogg": "Ogg Vorbis",
    "flac": "FLAC",
    "wav": "WAV",
}


# --- identification -------------------------------------------------------------------------


def _sniff(path: Path, head: bytes) -> Any:
    """mutagen.File on content alone; may raise MutagenError and friends.

    mutagen scores candidate formats partly by file extension, so a FLAC named .wav would be
    opened as WAV and fail. A file object opened from the descriptor has no usable name, which
    leaves only the bytes to decide; the name is consulted only when they are not enough.
    """
    with path.open("rb") as named, open(named.fileno(), "rb", closefd=False) as nameless:
        media = mutagen.File(nameless)
        if media is None:  # formats without magic bytes (raw AAC) need the extension
            media = mutagen.File(path)
        if media is None and not _describe_non_audio(head):
            nameless.seek(0)
            media = MP3(nameless)  # untagged MP3 whose first bytes mutagen does not score
    return media


def _identify(media: Any, path: Path, head: bytes) -> tuple[str, str]:
    """Return (format, codec) for a supported file, or raise with a reason."""
    if isinstance(media, MP3):
        _check_mp3(media, path, head)
        return "mp3", "mp3"
    if isinstance(media, MP4):
        return "m4a", _mp4_codec(media)
    if isinstance(media, OggOpus):
        return "opus", "opus"
    if isinstance(media, OggVorbis):
        return "ogg", "vorbis"
    if isinstance(media, FLAC):
        return "flac", "flac"
    if isinstance(media, WAVE):
        return "wav", _wav_codec(media)
    name = type(media).__name__
    kind = _UNSUPPORTED_KINDS.get(name, f"{name} audio")
    if "which" not in kind:
        kind += ", which we don't accept"
    raise UnsupportedAudio(f"This file is {kind}. Please upload {SUPPORTED_FORMATS}.")


def _looks_like_mp3(head: bytes) -> bool:
    """An ID3 tag, or an MPEG audio frame sync with a valid version and layer, at byte 0."""
    if head.startswith(b"ID3"):
        return True
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    return (head[1] >> 3) & 3 != 1 and (head[1] >> 1) & 3 != 0  # not reserved, not ADTS


def _is_adts(head: bytes) -> bool:
    return len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0


def _check_mp3(media: MP3, path: Path, head: bytes) -> None:
    """Reject mutagen's frame-sync false positives and non-layer-III MPEG audio."""
    info = media.info
    with path.open("rb") as fh:
        skip_id3(fh)
        audio_start = fh.tell()
    if info.sketchy or info.frame_offset - audio_start > _MAX_JUNK_BEFORE_AUDIO:
        if _looks_like_mp3(head):
            raise CorruptAudio(
                "This file starts like an MP3 but no run of valid MP3 audio frames could be "
                "found; it is damaged or not really MP3. Export it again from your editor."
            )
        raise UnsupportedAudio(_not_audio_message(head))
    if info.layer != 3:
        raise UnsupportedAudio(
            f"This file is MPEG audio layer {'I' * info.layer} (MP{info.layer}), not MP3. "
            f"Please upload {SUPPORTED_FORMATS}."
        )


def _mp4_codec(media: MP4) -> str:
    codec = media.info.codec
    if not codec or not media.info.channels:
        raise UnsupportedAudio(
            "This MP4 file has no audio track (is it a video?). Please upload audio only: "
            f"{SUPPORTED_FORMATS}."
        )
    if codec.startswith("mp4a.40."):
        return "aac"
    if codec == "alac":
        return "alac"
    described = media.info.codec_description or codec
    raise UnsupportedAudio(
        f"This M4A file holds {described} audio; M4A files must contain AAC (or ALAC). "
        f"Please upload {SUPPORTED_FORMATS}."
    )


def _wav_codec(media: WAVE) -> str:
    fmt_tag, bits = media.info.audio_format, media.info.bits_per_sample
    if fmt_tag in (1, 0xFFFE):  # PCM, or WAVE_FORMAT_EXTENSIBLE (nearly always PCM)
        return "pcm_u8" if bits == 8 else f"pcm_s{bits}le"
    if fmt_tag == 3:
        return f"pcm_f{bits}le"
    raise UnsupportedAudio(
        f"This WAV file holds compressed audio (format 0x{fmt_tag:04x}); WAV files must be "
        f"uncompressed PCM. Please upload {SUPPORTED_FORMATS}."
    )


_CONTAINER_MAGIC = (
    (b"fLaC", 0, "a FLAC"),
    (b"OggS", 0, "an Ogg"),
    (b"ftyp", 4, "an M4A"),
    (b"RIFF", 0, "a WAV"),
)


def _unreadable(head: bytes, size: int, exc: Exception) -> AudioError:
    """Explain a mutagen failure: 422 if the bytes claim a supported format, else 415."""
    reason = str(exc).strip() or type(exc).__name__
    if head.startswith(b"ID3") and len(head) >= 10:
        tag_size = 10 + _synchsafe(head[6:10]) + (10 if head[5] & 0x10 else 0)
        if tag_size > size:
            return CorruptAudio(
                f"This MP3 is cut short inside its ID3 tag: the tag header says {tag_size} "
                f"bytes but the whole file is only {size} bytes. The upload or export was "
                "probably interrupted; please export the file again."
            )
        if isinstance(exc, mutagen.mp3.HeaderNotFoundError):
            return CorruptAudio(
                "This file has an MP3 (ID3) tag but no MP3 audio after it. Export the episode "
                "again from your editor."
            )
        return CorruptAudio(f"The ID3 tag of this MP3 can't be read ({reason}).")
    if _looks_like_mp3(head):
        return CorruptAudio(
            "This file starts like an MP3 but no run of valid MP3 audio frames follows; it is "
            "damaged or not really MP3. Export it again from your editor."
        )
    for magic, offset, label in _CONTAINER_MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return CorruptAudio(
                f"This looks like {label} file but it can't be read ({reason}); it may be "
                "truncated or damaged. Export it again from your editor."
            )
    return UnsupportedAudio(_not_audio_message(head))


def _synchsafe(data: bytes) -> int:
    return (data[0] & 0x7F) << 21 | (data[1] & 0x7F) << 14 | (data[2] & 0x7F) << 7 | data[3] & 0x7F


def _describe_non_audio(head: bytes) -> str | None:
    """Name common non-audio uploads, so the message can say what the file really is."""
    for magic, what in (
        (b"\xff\xd8\xff", "a JPEG image"),
        (b"\x89PNG", "a PNG image"),
        (b"GIF8", "a GIF image"),
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive or Office document"),
    ):
        if head.startswith(magic):
            return what
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # tolerate a character cut off by the 512-byte read
        text = head[: exc.start].decode("utf-8") if exc.start >= len(head) - 3 else ""
    if text and all(c.isprintable() or c in "\r\n\t" for c in text):
        return "a text file"
    return None


def _not_audio_message(head: bytes) -> str:
    if _is_adts(head):
        return f"This file is {_UNSUPPORTED_KINDS['AAC']}. Please upload {SUPPORTED_FORMATS}."
    what = _describe_non_audio(head)
    if what:
        return f"This file is {what}, not audio. Please upload {SUPPORTED_FORMATS}."
    if not head.strip(b"\x00"):
        return (
            "This file is not audio we recognise: it starts with nothing but zero bytes. "
            f"Please upload {SUPPORTED_FORMATS}."
        )
    return f"This file is not audio we recognise. Please upload {SUPPORTED_FORMATS}."


def _aac_channels(path: Path) -> int | None:
    """Channel count from the AAC-LC decoder config in the MP4's esds box.

    mutagen reports 2 for mono AAC-LC written by ffmpeg (it reads the sample entry, which ffmpeg
    sets to 2 as ISO 14496-12 asks), so the AudioSpecificConfig is read here instead.
    """
    try:
        with path.open("rb") as fh:
            atoms = Atoms(fh)
            for trak in atoms[b"moov"].findall(b"trak"):
                _, hdlr = trak[b"mdia", b"hdlr"].read(fh)
                if hdlr[8:12] == b"soun":
                    _, stsd = trak[b"mdia", b"minf", b"stbl", b"stsd"].read(fh)
                    return _esds_channels(stsd)
    except (KeyError, IndexError, ValueError, OSError, mutagen.MutagenError):
        return None
    return None


def _esds_channels(stsd: bytes) -> int | None:
    pos = stsd.find(b"esds")
    if pos < 0:
        return None
    pos += 8  # box name, version and flags
    tag, pos, _ = _descriptor(stsd, pos)
    if tag != 0x03:  # ES_Descriptor
        return None
    flags = stsd[pos + 2]
    pos += 3 + (2 if flags & 0x80 else 0) + (2 if flags & 0x20 else 0)
    if flags & 0x40:
        pos += 1 + stsd[pos]
    tag, pos, _ = _descriptor(stsd, pos)
    if tag != 0x04:  # DecoderConfigDescriptor
        return None
    tag, pos, length = _descriptor(stsd, pos + 13)
    if tag != 0x05 or length < 2:  # DecoderSpecificInfo = AudioSpecificConfig
        return None
    bits = int.from_bytes(stsd[pos : pos + 5].ljust(5, b"\0"), "big")
    object_type = bits >> 35
    freq_index = (bits >> 31) & 0xF
    shift = 27 - (24 if freq_index == 0xF else 0)
    config = (bits >> shift) & 0xF
    if object_type != 2 or not 1 <= config <= 7:  # only plain AAC-LC is unambiguous
        return None
    return 8 if config == 7 else config


def _descriptor(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, body offset, body length) of an MPEG-4 descriptor starting at ``pos``."""
    tag, pos, length = data[pos], pos + 1, 0
    for _ in range(4):
        byte = data[pos]
        pos += 1
        length = length << 7 | byte & 0x7F
        if not byte & 0x80:
            break
    return tag, pos, length


# --- tags -----------------------------------------------------------------------------------


def _read_tags(media: Any, duration_ms: int) -> AudioTags:
    if isinstance(media, MP4):
        tags = _mp4_tags(media)
    elif isinstance(media, MP3 | WAVE):
        tags = _id3_tags(media.tags)
    else:
        tags = _vorbis_tags(media)
    if not tags.chapters:
        return tags
    chapters = sorted(tags.chapters, key=lambda c: c.start_ms)
    return _replace_chapters(tags, _fill_ends(chapters, duration_ms))


def _replace_chapters(tags: AudioTags, chapters: Sequence[AudioChapter]) -> AudioTags:
    return AudioTags(
        title=tags.title,
        comment=tags.comment,
        artist=tags.artist,
        track=tags.track,
        disc=tags.disc,
        date=tags.date,
        cover=tags.cover,
        chapters=tuple(chapters),
    )


def _fill_ends(chapters: list[AudioChapter], duration_ms: int) -> list[AudioChapter]:
    out = []
    for i, chapter in enumerate(chapters):
        end = chapter.end_ms
        if end is None:
            end = chapters[i + 1].start_ms if i + 1 < len(chapters) else duration_ms
        out.append(AudioChapter(chapter.start_ms, end, chapter.title, chapter.url, chapter.image))
    return out


def _clean(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _first(values: Iterable[object] | None) -> str | None:
    for value in values or ():
        if text := _clean(value):
            return text
    return None


def _number(text: str | None) -> int | None:
    """Leading positive integer: "3/10" -> 3; "0", "" or "three" -> None."""
    match = re.match(r"\s*(\d{1,6})", text or "")
    return (int(match.group(1)) or None) if match else None


def _date(text: str | None) -> dt.date | None:
    """A full calendar date at the start of ``text``; year-only or invalid -> None."""
    match = re.match(r"\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T ])", text or "")
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _picture(data: bytes) -> Picture | None:
    try:
        return inspect_image(bytes(data))
    except ArtworkError:
        return None  # broken embedded art must not fail the upload


def _best_picture(candidates: Iterable[tuple[int, bytes]]) -> Picture | None:
    """First readable image, front covers (picture type 3) before any other type."""
    ordered = sorted(candidates, key=lambda c: c[0] != PictureType.COVER_FRONT)
    for _, data in ordered:
        if picture := _picture(data):
            return picture
    return None


# ID3 (MP3, and WAV files with an "id3 " chunk)


def _frame_text(tags: Any, frame_id: str) -> str | None:
    return _first(text for frame in tags.getall(frame_id) for text in frame.text)


def _id3_tags(tags: ID3 | None) -> AudioTags:
    if tags is None:
        return AudioTags()
    return AudioTags(
        title=_frame_text(tags, "TIT2"),
        comment=_id3_comment(tags),
        artist=_frame_text(tags, "TPE1") or _frame_text(tags, "TPE2"),
        track=_number(_frame_text(tags, "TRCK")),
        disc=_number(_frame_text(tags, "TPOS")),
        date=_date(_frame_text(tags, "TDRC")),  # mutagen merges ID3v2.3 TYER/TDAT into TDRC
        cover=_id3_picture(tags),
        chapters=tuple(_id3_chapters(tags)),
    )


def _id3_comment(tags: ID3) -> str | None:
    """COMM with an empty description first; iTunes' machine COMMs (iTunNORM...) skipped.

    ffmpeg writes a "comment" as TXXX:comment, so that is read too.
    """
    comms = [c for c in tags.getall("COMM") if not c.desc.startswith("iTun")]
    comms.sort(key=lambda c: c.desc != "")
    txxx = [t for t in tags.getall("TXXX") if t.desc.lower() in ("comment", "description")]
    return _first(text for frame in [*comms, *txxx] for text in frame.text)


def _id3_picture(tags: Any) -> Picture | None:
    return _best_picture((f.type, f.data) for f in tags.getall("APIC") if f.mime != "-->")


def _id3_chapters(tags: ID3) -> list[AudioChapter]:
    """CHAP frames; ties in start time are broken by the top-level CTOC's order."""
    order: dict[str, int] = {}
    for toc in tags.getall("CTOC"):
        if toc.flags & CTOCFlags.TOP_LEVEL:
            order = {eid: i for i, eid in enumerate(toc.child_element_ids)}
            break
    chaps = sorted(
        tags.getall("CHAP"),
        key=lambda c: (c.start_time, order.get(c.element_id, len(order)), c.element_id),
    )
    chapters = []
    for chap in chaps:
        subs = chap.sub_frames
        urls = [f.url for f in subs.getall("WXXX")] + [f.url for f in subs.getall("WOAR")]
        end = chap.end_time if chap.start_time < chap.end_time < 0xFFFFFFFF else None
        chapters.append(
            AudioChapter(
                start_ms=chap.start_time,
                end_ms=end,
                title=_frame_text(subs, "TIT2"),
                url=_first(urls),
                image=_id3_picture(subs),
            )
        )
    return chapters


# MP4 atoms (M4A)


def _mp4_tags(media: MP4) -> AudioTags:
    tags = media.tags or {}

    def pair(key: str) -> int | None:
        values = tags.get(key) or [(0, 0)]
        return values[0][0] or None

    chapters = [
        AudioChapter(start_ms=round(ch.start * 1000), end_ms=None, title=_clean(ch.title))
        for ch in media.chapters or ()
    ]
    return AudioTags(
        title=_first(tags.get("©nam")),
        comment=_first(tags.get("©cmt")) or _first(tags.get("desc")),
        artist=_first(tags.get("©ART")) or _first(tags.get("aART")),
        track=pair("trkn"),
        disc=pair("disk"),
        date=_date(_first(tags.get("©day"))),
        cover=_best_picture((PictureType.COVER_FRONT, bytes(c)) for c in tags.get("covr", ())),
        chapters=tuple(chapters),
    )


# Vorbis comments (Ogg Opus, Ogg Vorbis, FLAC)


def _vorbis_tags(media: Any) -> AudioTags:
    tags = media.tags
    if tags is None:
        return AudioTags(cover=_vorbis_picture(media, {}))
    values: dict[str, list[str]] = {}
    for key, value in tags:
        values.setdefault(key.upper(), []).append(value)

    def get(*keys: str) -> str | None:
        return _first(v for key in keys for v in values.get(key, ()))

    return AudioTags(
        title=get("TITLE"),
        comment=get("COMMENT", "DESCRIPTION"),
        artist=get("ARTIST", "ALBUMARTIST"),
        track=_number(get("TRACKNUMBER")),
        disc=_number(get("DISCNUMBER")),
        date=_date(get("DATE")),
        cover=_vorbis_picture(media, values),
        chapters=tuple(_vorbis_chapters(values)),
    )


def _vorbis_picture(media: Any, values: dict[str, list[str]]) -> Picture | None:
    """FLAC picture blocks, then base64 METADATA_BLOCK_PICTURE comments (the Ogg way)."""
    candidates = [(p.type, p.data) for p in getattr(media, "pictures", ())]
    for encoded in values.get("METADATA_BLOCK_PICTURE", ()):
        try:
            block = FlacPicture(base64.b64decode(encoded))
        except (binascii.Error, ValueError, mutagen.MutagenError, struct.error, IndexError):
            continue
        candidates.append((block.type, block.data))
    return _best_picture(candidates)


_CHAPTER_KEY = re.compile(r"CHAPTER(\d+)")
_CHAPTER_TIME = re.compile(r"\s*(\d+):(\d{1,2}):(\d{1,2})(?:\.(\d+))?\s*$")


def _vorbis_chapters(values: dict[str, list[str]]) -> list[AudioChapter]:
    """The CHAPTERxxx=HH:MM:SS.mmm / CHAPTERxxxNAME / CHAPTERxxxURL convention."""
    chapters = []
    for key, times in values.items():
        key_match = _CHAPTER_KEY.fullmatch(key)
        time_match = _CHAPTER_TIME.match(times[0]) if key_match else None
        if not key_match or not time_match:
            continue
        hours, minutes, seconds, fraction = time_match.groups()
        start_ms = (int(hours) * 3600 + int(minutes) * 60 + int(seconds)) * 1000 + round(
            float(f"0.{fraction or 0}") * 1000
        )
        chapters.append(
            AudioChapter(
                start_ms=start_ms,
                end_ms=None,
                title=_first(values.get(f"{key}NAME")),
                url=_first(values.get(f"{key}URL")),
            )
        )
    return chapters
