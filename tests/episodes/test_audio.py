"""read_audio() against the committed corpus in tests/fixtures (made by make_fixtures.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import shutil
import struct
import subprocess
from pathlib import Path

import mutagen
import pytest
from mutagen.flac import FLAC
from mutagen.id3 import APIC, COMM, ID3, TDRC, TIT2, TPOS, TRCK, TXXX, PictureType
from mutagen.mp4 import MP4
from PIL import Image

from episodes.audio import (
    SUPPORTED_FORMATS,
    UPLOAD_MIME_TYPES,
    AudioError,
    AudioTags,
    CorruptAudio,
    UnsupportedAudio,
    read_audio,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BAD = FIXTURES / "bad"
EXPECTED: dict[str, dict] = json.loads((FIXTURES / "expected.json").read_text())

TITLE = "Welcome to Leadership Live"
COMMENT = "A short test recording made with espeak-ng."
ARTIST = "NHS North West Leadership Academy"
LINK = "https://example.org/leadership-live/welcome"

# name -> (format, mime, codec, sample rate, channels)
GOOD = {
    "speech.mp3": ("mp3", "audio/mpeg", "mp3", 22050, 1),
    "plain.mp3": ("mp3", "audio/mpeg", "mp3", 44100, 2),
    "speech.m4a": ("m4a", "audio/x-m4a", "aac", 22050, 1),
    "speech.opus": ("opus", "audio/ogg", "opus", 48000, 1),
    "speech.ogg": ("ogg", "audio/ogg", "vorbis", 22050, 1),
    "speech.flac": ("flac", "audio/flac", "flac", 16000, 1),
    "speech.wav": ("wav", "audio/wav", "pcm_s16le", 16000, 1),
}
FULLY_TAGGED = ["speech.mp3", "speech.m4a", "speech.opus", "speech.ogg", "speech.flac"]
WITH_CHAPTERS = ["speech.mp3", "speech.m4a", "speech.opus", "speech.flac"]


def test_corpus_is_complete_and_small() -> None:
    assert set(EXPECTED) == set(GOOD)
    total = sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file())
    assert total < 1_000_000
    for name, facts in EXPECTED.items():
        assert (FIXTURES / name).stat().st_size == facts["size"], f"{name} changed; rerun script"


@pytest.mark.parametrize("name", GOOD)
def test_stream_info(name: str) -> None:
    fmt, mime, codec, sample_rate, channels = GOOD[name]
    info = read_audio(FIXTURES / name)
    assert (info.format, info.mime_type, info.codec) == (fmt, mime, codec)
    assert (info.sample_rate, info.channels) == (sample_rate, channels)
    probed = EXPECTED[name]
    assert (probed["sample_rate"], probed["channels"]) == (sample_rate, channels)
    assert info.bitrate is not None
    # Low-bitrate speech: sane bits per second for every lossy format; exact for PCM.
    assert 16_000 <= info.bitrate <= 160_000 or fmt == "wav"
    if fmt == "wav":
        assert info.bitrate == 16000 * 16


@pytest.mark.parametrize("name", GOOD)
def test_duration_is_mutagens_and_matches_ffprobe(name: str) -> None:
    info = read_audio(FIXTURES / name)
    media = mutagen.File(FIXTURES / name)
    assert media is not None
    assert info.duration == media.info.length
    assert 4.5 < info.duration < 6
    assert info.duration == pytest.approx(EXPECTED[name]["duration"], abs=0.1)


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe not installed")
@pytest.mark.parametrize("name", GOOD)
def test_duration_matches_live_ffprobe(name: str) -> None:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
         str(FIXTURES / name)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert read_audio(FIXTURES / name).duration == pytest.approx(float(out), abs=0.1)


@pytest.mark.parametrize("name", FULLY_TAGGED)
def test_text_tags(name: str) -> None:
    tags = read_audio(FIXTURES / name).tags
    assert tags.title == TITLE
    assert tags.comment == COMMENT
    assert tags.artist == ARTIST
    assert tags.track == 3  # "3/10", MP4 (3, 10), or "3" with TRACKTOTAL
    assert tags.disc == 2
    assert tags.date == dt.date(2026, 10, 14)


@pytest.mark.parametrize(
    ("name", "mime", "size"),
    [
        ("speech.mp3", "image/jpeg", (300, 300)),  # the front cover, not the earlier back cover
        ("speech.m4a", "image/png", (240, 240)),
        ("speech.opus", "image/jpeg", (300, 300)),
        ("speech.ogg", "image/jpeg", (300, 300)),
        ("speech.flac", "image/jpeg", (300, 300)),
    ],
)
def test_cover_art(name: str, mime: str, size: tuple[int, int]) -> None:
    cover = read_audio(FIXTURES / name).tags.cover
    assert cover is not None
    assert (cover.mime_type, (cover.width, cover.height)) == (mime, size)
    assert cover.extension == {"image/jpeg": "jpg", "image/png": "png"}[mime]
    with Image.open(io.BytesIO(cover.data)) as img:
        assert img.size == size


@pytest.mark.parametrize("name", WITH_CHAPTERS)
def test_chapters(name: str) -> None:
    info = read_audio(FIXTURES / name)
    chapters = info.tags.chapters
    assert [(c.start_ms, c.title) for c in chapters] == [
        (0, "Welcome"),
        (1700, "Leadership Live"),
        (3400, "The Academy"),
    ]
    assert [c.end_ms for c in chapters[:2]] == [1700, 3400]
    if name == "speech.mp3":
        assert chapters[2].end_ms == 5130  # stored in CHAP (the espeak source length)
    else:
        assert chapters[2].end_ms == round(info.duration * 1000)  # derived: end of the audio
    if name != "speech.m4a":  # Nero chpl holds only start and title
        assert [c.url for c in chapters] == [None, LINK, None]


def test_mp3_chapter_image() -> None:
    chapters = read_audio(FIXTURES / "speech.mp3").tags.chapters
    image = chapters[2].image
    assert image is not None
    assert (image.mime_type, image.width, image.height) == ("image/jpeg", 160, 90)
    assert chapters[0].image is None


def test_untagged_files() -> None:
    assert read_audio(FIXTURES / "plain.mp3").tags == AudioTags()
    assert read_audio(FIXTURES / "speech.ogg").tags.chapters == ()
    wav = read_audio(FIXTURES / "speech.wav").tags
    assert (wav.title, wav.artist, wav.comment, wav.cover) == (TITLE, ARTIST, None, None)


def test_mono_aac_channels_corrected_from_esds() -> None:
    # mutagen reads the sample entry, where ffmpeg writes 2 even for mono (ffprobe says 1).
    assert MP4(FIXTURES / "speech.m4a").info.channels == 2
    assert read_audio(FIXTURES / "speech.m4a").channels == 1


# --- rejections -------------------------------------------------------------------------------

BAD_CASES = [
    ("empty.mp3", UnsupportedAudio, ["empty", "0 bytes"]),
    ("random.mp3", UnsupportedAudio, ["not audio we recognise"]),
    ("random-sync.mp3", UnsupportedAudio, ["not audio we recognise"]),
    ("zeros.mp3", UnsupportedAudio, ["zero bytes"]),
    ("picture.mp3", UnsupportedAudio, ["JPEG image", "not audio"]),
    ("notes.txt", UnsupportedAudio, ["text file", "not audio"]),
    ("notes.mp3", UnsupportedAudio, ["text file", "not audio"]),
    ("speech.aiff", UnsupportedAudio, ["AIFF", "don't accept"]),
    ("speech.wma", UnsupportedAudio, ["WMA", "don't accept"]),
    ("flac-in-ogg.ogg", UnsupportedAudio, ["FLAC audio inside an Ogg container"]),
    ("speech.aac", UnsupportedAudio, ["raw AAC", "inside an M4A file"]),
    ("speech-layer2.mp3", UnsupportedAudio, ["layer II", "MP2", "not MP3"]),
    ("video-only.mp4", UnsupportedAudio, ["no audio track"]),
    ("truncated.mp3", CorruptAudio, ["cut short inside its ID3 tag", "4000 bytes", "9368"]),
    ("tag-only.mp3", CorruptAudio, ["ID3", "no MP3 audio"]),
    ("header-then-zeros.mp3", CorruptAudio, ["starts like an MP3", "no run of valid"]),
    ("truncated.flac", CorruptAudio, ["a FLAC file", "truncated or damaged"]),
    ("truncated.m4a", CorruptAudio, ["an M4A file", "truncated"]),
    ("no-samples.wav", CorruptAudio, ["WAV", "no audio", "0 seconds"]),
    # Cut short: the first half of a 60 s recording, whose header still says 1:00.
    *[
        (name, CorruptAudio, [label, f"ends at {end} but says it lasts 1:00", "interrupted?"])
        for name, label, end in [
            ("half-cbr.mp3", "MP3", "0:29"),  # Info header: frame and byte counts
            ("half-vbr.mp3", "MP3", "0:25"),  # Xing header
            ("1000-bytes.mp3", "MP3", "0:00"),  # its first 1,000 bytes
            ("half.flac", "FLAC", "0:02"),  # the speech is most of the bytes
            ("half.wav", "WAV", "0:29"),
            ("header-only.wav", "WAV", "0:00"),
            ("half.m4a", "M4A", "0:02"),
        ]
    ],
    ("half.opus", CorruptAudio, ["Ogg Opus", "part-way through a page", "at 0:25", "interrupted?"]),
    (
        "half.ogg",
        CorruptAudio,
        ["Ogg Vorbis", "part-way through a page", "at 0:02", "interrupted?"],
    ),
    (
        "garbage-streaminfo.flac",
        CorruptAudio,
        ["FLAC", "damaged", "lasts 18:12:16, 8 channels at 1,048,575 Hz, 32-bit", "ends at 0:02"],
    ),
]


def test_bad_corpus_is_covered() -> None:
    assert {p.name for p in BAD.iterdir()} == {name for name, _, _ in BAD_CASES}


@pytest.mark.parametrize(("name", "error", "phrases"), BAD_CASES)
def test_bad_files_are_rejected(name: str, error: type[AudioError], phrases: list[str]) -> None:
    with pytest.raises(error) as caught:
        read_audio(BAD / name)
    assert type(caught.value) is error
    message = caught.value.message
    assert message == str(caught.value)
    for phrase in phrases:
        assert phrase in message
    if error is UnsupportedAudio:
        assert SUPPORTED_FORMATS in message  # tell the producer what to upload instead


def test_mutagen_alone_would_accept_the_random_sync_file() -> None:
    media = mutagen.File(BAD / "random-sync.mp3")
    assert media is not None
    assert media.info.sketchy and media.info.length > 0


def test_random_bytes_are_never_accepted(tmp_path: Path) -> None:
    path = tmp_path / "upload.mp3"
    for seed in range(150):
        path.write_bytes(random.Random(seed).randbytes(4096))
        with pytest.raises(UnsupportedAudio):
            read_audio(path)


def test_error_classes() -> None:
    assert issubclass(UnsupportedAudio, AudioError)
    assert issubclass(CorruptAudio, AudioError)
    assert not issubclass(CorruptAudio, UnsupportedAudio)
    assert {"audio/mp4", "audio/x-m4a", "audio/mpeg", "audio/ogg"} <= UPLOAD_MIME_TYPES


# --- detection by content, not by name --------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "fmt"),
    [
        ("speech.m4a", "episode.mp3", "m4a"),
        ("plain.mp3", "upload", "mp3"),  # untagged MP3 with no extension
        ("speech.mp3", "upload.tmp", "mp3"),
        ("speech.flac", "episode.wav", "flac"),
        ("speech.opus", "episode.m4a", "opus"),
    ],
)
def test_format_comes_from_content(tmp_path: Path, source: str, target: str, fmt: str) -> None:
    shutil.copy(FIXTURES / source, tmp_path / target)
    assert read_audio(tmp_path / target).format == fmt


def test_raw_aac_is_recognised_without_its_extension(tmp_path: Path) -> None:
    shutil.copy(BAD / "speech.aac", tmp_path / "upload")
    with pytest.raises(UnsupportedAudio, match="raw AAC"):
        read_audio(tmp_path / "upload")


def test_text_named_m4a_is_unsupported(tmp_path: Path) -> None:
    shutil.copy(BAD / "notes.txt", tmp_path / "episode.m4a")
    with pytest.raises(UnsupportedAudio, match="text file"):
        read_audio(tmp_path / "episode.m4a")


@pytest.mark.parametrize(("junk", "accepted"), [(1000, True), (8192, False)])
def test_mp3_must_start_near_the_front(tmp_path: Path, junk: int, accepted: bool) -> None:
    noise = bytes(b & 0x7F for b in random.Random(1).randbytes(junk))  # no 0xFF: no sync
    path = tmp_path / "junk.mp3"
    path.write_bytes(noise + (FIXTURES / "plain.mp3").read_bytes())
    if accepted:
        assert read_audio(path).format == "mp3"
    else:
        with pytest.raises(UnsupportedAudio):
            read_audio(path)


def test_compressed_wav_is_unsupported(tmp_path: Path) -> None:
    fmt = struct.pack("<HHIIHH", 0x0055, 1, 22050, 4000, 1, 0)  # MP3-in-WAV
    data = bytes(8000)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    path = tmp_path / "mp3-in.wav"
    path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    with pytest.raises(UnsupportedAudio, match=r"compressed audio \(format 0x0055\)"):
        read_audio(path)


# --- tag mapping details, on copies of the fixtures -------------------------------------------


def _retag_mp3(tmp_path: Path, *frames: object, v2_version: int = 4) -> Path:
    path = tmp_path / "retagged.mp3"
    shutil.copy(FIXTURES / "plain.mp3", path)
    tags = ID3()
    for frame in frames:
        tags.add(frame)
    tags.save(path, v2_version=v2_version)
    return path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-10-14", dt.date(2026, 10, 14)),
        ("2026-10-14T09:00:00", dt.date(2026, 10, 14)),
        ("2026-10", None),  # not precise enough to suggest a publish date
        ("2026", None),
    ],
)
def test_id3_dates(tmp_path: Path, text: str, expected: dt.date | None) -> None:
    path = _retag_mp3(tmp_path, TDRC(encoding=3, text=text))
    assert read_audio(path).tags.date == expected


def test_id3v23_date_and_numbers(tmp_path: Path) -> None:
    path = _retag_mp3(
        tmp_path,
        TDRC(encoding=3, text="2026-10-14"),
        TRCK(encoding=3, text="07/12"),
        TPOS(encoding=3, text="2/2"),
        v2_version=3,  # written as TYER + TDAT; mutagen merges them back into TDRC
    )
    tags = read_audio(path).tags
    assert (tags.date, tags.track, tags.disc) == (dt.date(2026, 10, 14), 7, 2)


@pytest.mark.parametrize("text", ["three", "0", "/10", ""])
def test_invalid_track_numbers_are_none(tmp_path: Path, text: str) -> None:
    path = _retag_mp3(tmp_path, TRCK(encoding=3, text=text), TIT2(encoding=3, text="Ep"))
    tags = read_audio(path).tags
    assert (tags.title, tags.track) == ("Ep", None)


def test_ffmpeg_style_comment_and_itunes_comments(tmp_path: Path) -> None:
    path = _retag_mp3(
        tmp_path,
        COMM(encoding=3, lang="eng", desc="iTunNORM", text=" 0000 0000"),
        TXXX(encoding=3, desc="comment", text="From ffmpeg"),
    )
    assert read_audio(path).tags.comment == "From ffmpeg"


FRONT = PictureType.COVER_FRONT


def test_broken_or_foreign_art_is_skipped(tmp_path: Path) -> None:
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    png = io.BytesIO()
    Image.new("RGB", (64, 32)).save(png, "PNG")
    path = _retag_mp3(
        tmp_path,
        APIC(encoding=3, mime="image/jpeg", type=FRONT, desc="a", data=b"junk"),
        APIC(encoding=3, mime="image/gif", type=FRONT, desc="b", data=gif.getvalue()),
        APIC(encoding=3, mime="image/jpeg", type=PictureType.OTHER, desc="c", data=png.getvalue()),
    )
    cover = read_audio(path).tags.cover
    assert cover is not None  # the only readable image, found despite a wrong declared MIME
    assert (cover.mime_type, cover.extension, cover.width, cover.height) == (
        "image/png",
        "png",
        64,
        32,
    )


def test_only_broken_art_gives_no_cover_but_accepts_audio(tmp_path: Path) -> None:
    path = _retag_mp3(
        tmp_path, APIC(encoding=3, mime="image/jpeg", type=3, desc="", data=b"\xff\xd8\xff")
    )
    info = read_audio(path)
    assert info.format == "mp3"
    assert info.tags.cover is None


def test_mp4_atoms_edge_cases(tmp_path: Path) -> None:
    path = tmp_path / "edge.m4a"
    shutil.copy(FIXTURES / "speech.m4a", path)
    media = MP4(path)
    media["©day"] = ["2026-10-14T09:00:00Z"]  # iTunes style
    media["trkn"] = [(0, 0)]
    media["covr"] = []
    media.save()
    tags = read_audio(path).tags
    assert (tags.date, tags.track, tags.disc, tags.cover) == (dt.date(2026, 10, 14), None, 2, None)
    assert len(tags.chapters) == 3  # mutagen keeps the chpl box when it rewrites tags


def test_vorbis_chapter_comments_are_sorted_and_validated(tmp_path: Path) -> None:
    path = tmp_path / "edge.flac"
    shutil.copy(FIXTURES / "speech.flac", path)
    media = FLAC(path)
    for key in [k for k in media if k.upper().startswith("CHAPTER")]:
        del media[key]
    media["CHAPTER010"] = "00:00:02.5"
    media["CHAPTER010NAME"] = "Later"
    media["CHAPTER002"] = "00:00:00.000"
    media["CHAPTER003"] = "not a time"
    media["DATE"] = "2026"
    media["TRACKNUMBER"] = "x"
    media.save()
    tags = read_audio(path).tags
    assert [(c.start_ms, c.end_ms, c.title) for c in tags.chapters] == [
        (0, 2500, None),
        (2500, round(FLAC(path).info.length * 1000), "Later"),
    ]
    assert (tags.date, tags.track, tags.title) == (None, None, TITLE)


@pytest.mark.parametrize("name", GOOD)
def test_damaged_copies_are_read_or_rejected_never_crash(tmp_path: Path, name: str) -> None:
    """Cut and byte-flipped copies: accepted, or an AudioError; never another exception."""
    rng = random.Random(name)
    original = (FIXTURES / name).read_bytes()
    path = tmp_path / f"damaged{Path(name).suffix}"
    outcomes = set()
    for i in range(40):
        data = bytearray(original)
        if i % 2:
            data = data[: rng.randrange(1, len(data))]
        else:
            for _ in range(rng.randrange(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        path.write_bytes(bytes(data))
        try:
            info = read_audio(path)
        except AudioError:
            outcomes.add("rejected")
        else:
            assert info.duration > 0 and info.format == GOOD[name][0]
            outcomes.add("read")
    assert "read" in outcomes
