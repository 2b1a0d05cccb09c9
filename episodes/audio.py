"""Read an uploaded audio file with mutagen: format and stream facts here, tags, cover art and
chapters in ``episodes.audio_tags``.

Why this module exists: an upload must be sorted into "accept", "not audio / a format we don't
take" (HTTP 415, ``UnsupportedAudio``) and "our format but broken" (HTTP 422, ``CorruptAudio``),
and the accepted file's facts feed the RSS enclosure and the episode form. The format is decided
from the file's content, never from its name or the declared MIME type.

Decisions (see also the README of tests/fixtures):

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
* Duration: what the file really holds, never just its header's claim. A file cut short keeps
  the header of the whole recording, so each format's cheap check runs first and a file well
  short of its claim is ``CorruptAudio`` (``episodes.audio_length``).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen.flac import FLAC
from mutagen.mp3 import MP3, skip_id3
from mutagen.mp4 import MP4, Atoms
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from episodes.audio_errors import AudioError, CorruptAudio, UnsupportedAudio
from episodes.audio_length import real_duration
from episodes.audio_tags import AudioChapter, AudioTags, read_tags
from podcast.media.file_kinds import file_kind
from podcast.media.images import Picture
from podcast.media.storage import MEDIA_TYPES

__all__ = [
    "STORED_MIME_TYPES",
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

# format (also the stored file extension) -> stored MIME type, the one table the storage also
# gives an object store (podcast.media.storage.MEDIA_TYPES: audio/x-m4a for .m4a, as Apple
# wants, though browsers upload it as audio/mp4).
_MIME_TYPES = {fmt: MEDIA_TYPES[fmt] for fmt in ("mp3", "m4a", "opus", "ogg", "flac", "wav")}

STORED_MIME_TYPES = frozenset(_MIME_TYPES.values())

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


@dataclass(frozen=True)
class AudioInfo:
    format: str  # "mp3", "m4a", "opus", "ogg", "flac" or "wav": also the extension to store
    mime_type: str
    codec: str  # "mp3", "aac", "alac", "opus", "vorbis", "flac", "pcm_s16le", ...
    duration: float  # seconds really present (mutagen's, unless the bytes show less)
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
    duration = real_duration(fmt, _LABELS[fmt], info, path)
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
        tags=read_tags(media, round(duration * 1000)),
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
    info: Any = media.info
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
    info: Any = media.info
    codec = info.codec
    if not codec or not info.channels:
        raise UnsupportedAudio(
            "This MP4 file has no audio track (is it a video?). Please upload audio only: "
            f"{SUPPORTED_FORMATS}."
        )
    if codec.startswith("mp4a.40."):
        return "aac"
    if codec == "alac":
        return "alac"
    described = info.codec_description or codec
    raise UnsupportedAudio(
        f"This M4A file holds {described} audio; M4A files must contain AAC (or ALAC). "
        f"Please upload {SUPPORTED_FORMATS}."
    )


def _wav_codec(media: WAVE) -> str:
    info: Any = media.info
    fmt_tag, bits = info.audio_format, info.bits_per_sample
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
    kind = file_kind(head)
    if kind is not None and not kind.audio:
        return kind.label
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
