"""The transcript formats: one registry entry per format carries every fact about it.

Everything that differs between formats is read from ``FORMATS``: the upload pipeline
(``transcripts.upload``), the file routes and their OpenAPI content types, the feed's
``podcast:transcript`` tags and their order, the admin form's ``accept`` list and hint, the
episode page's downloads, the CLI's help. Adding a format is its module here (parse and/or
render, ``looks_like`` if it can be recognised), one entry below and its tests; nothing else
names formats.

Choosing the format of an upload (:func:`choose_format`, done once per upload): the declared
media type, else the file name's extension, else the content. A declared format is trusted
(so a mislabelled file gets that format's error naming a line, rather than a silent guess),
except one whose ``trust_label`` is False: ``text/plain`` and ``.txt`` are what browsers and
HTTP clients call any text file, so the content decides (:func:`sniff`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from podcast.media.file_kinds import HEAD_BYTES, file_kind
from transcripts.cues import Cue, Transcript, TranscriptError
from transcripts.decoding import decode_transcript
from transcripts.formats import html, podcast_json, srt, text, vtt

__all__ = [
    "FORMATS",
    "RenderContext",
    "TranscriptFormat",
    "by_extension",
    "by_media_type",
    "choose_format",
    "feed_formats",
    "listed",
    "parse_transcript",
    "read_upload",
    "served_formats",
    "sniff",
    "upload_formats",
]


@dataclass(frozen=True, slots=True)
class RenderContext:
    """What a renderer may need besides the cues (the HTML page's title names the episode)."""

    episode_title: str = ""


# parse(decoded text, the audio's length in ms or None) -> cues; only plain text uses the
# length (its last paragraph has no end time, so it ends with the audio).
Parser = Callable[[str, int | None], list[Cue]]
Renderer = Callable[[Transcript, RenderContext], str]


@dataclass(frozen=True, kw_only=True)
class TranscriptFormat:
    name: str  # the key, the served file's extension, the stored ``source_format``
    label: str  # for people: "WebVTT"
    media_type: str  # exact, lower case: what files are served as and the feed declares
    extension: str
    media_type_aliases: tuple[str, ...] = ()  # also recognised on uploads
    extension_aliases: tuple[str, ...] = ()
    timed: bool  # needs cue times: not offered for a transcript without them
    uploadable: bool
    parse: Parser | None = None
    render: Renderer
    looks_like: Callable[[str], bool] | None = None  # recognises the content (sniffing)
    trust_label: bool = True  # a declared media type or extension settles the format
    feed_order: int | None = None  # place among a language's podcast:transcript tags; None: none
    feed_rel: str | None = None  # the tag's rel, e.g. "captions"
    readable: bool = False  # for reading: word-level cues merged into sentences
    uses_context: bool = False  # output depends on the RenderContext (ETag, Last-Modified)

    @property
    def in_feed(self) -> bool:
        return self.feed_order is not None


def _without_audio(parse: Callable[[str], list[Cue]]) -> Parser:
    return lambda content, _audio_ms: parse(content)


def _without_context(render: Callable[[Transcript], str]) -> Renderer:
    return lambda transcript, _context: render(transcript)


def _html_page(transcript: Transcript, context: RenderContext) -> str:
    return html.render(transcript, title=f"Transcript: {context.episode_title}")


# In the order people are offered them (downloads, URLs) and content is sniffed.
FORMATS: dict[str, TranscriptFormat] = {
    f.name: f
    for f in (
        TranscriptFormat(
            name="vtt",
            label="WebVTT",
            media_type="text/vtt",
            extension="vtt",
            extension_aliases=("webvtt",),
            timed=True,
            uploadable=True,
            parse=_without_audio(vtt.parse),
            render=_without_context(vtt.render),
            looks_like=vtt.looks_like,
            feed_order=2,
            feed_rel="captions",
        ),
        TranscriptFormat(
            name="srt",
            label="SubRip (SRT)",
            media_type="application/x-subrip",
            extension="srt",
            media_type_aliases=(
                "application/srt",
                "text/srt",
                "application/x-srt",
                "text/x-subrip",
            ),
            timed=True,
            uploadable=True,
            parse=_without_audio(srt.parse),
            render=_without_context(srt.render),
            looks_like=srt.looks_like,
            feed_order=3,
        ),
        TranscriptFormat(
            name="json",
            label="Podcasting 2.0 JSON",
            media_type="application/json",
            extension="json",
            timed=True,
            uploadable=True,
            parse=_without_audio(podcast_json.parse),
            render=_without_context(podcast_json.render),
            looks_like=podcast_json.looks_like,
            feed_order=1,
        ),
        TranscriptFormat(
            name="txt",
            label="Plain text",
            media_type="text/plain",
            extension="txt",
            extension_aliases=("text",),
            timed=False,
            uploadable=True,
            parse=text.parse,
            render=_without_context(text.render),
            looks_like=lambda _head: True,  # any text is plain text: sniffed last
            trust_label=False,
            readable=True,
        ),
        TranscriptFormat(
            name="html",
            label="HTML",
            media_type="text/html",
            extension="html",
            media_type_aliases=("application/xhtml+xml",),
            extension_aliases=("htm",),
            timed=False,
            uploadable=False,  # made from the cues; uploaded HTML is never parsed
            render=_html_page,
            feed_order=4,
            readable=True,
            uses_context=True,
        ),
    )
}


def served_formats(timed: bool) -> list[TranscriptFormat]:
    """The formats a transcript is offered in (untimed ones only in those needing no times)."""
    return [f for f in FORMATS.values() if timed or not f.timed]


def feed_formats(timed: bool) -> list[TranscriptFormat]:
    """The formats a feed lists for one language, in ``feed_order``."""
    chosen = [f for f in served_formats(timed) if f.in_feed]
    return sorted(chosen, key=lambda f: f.feed_order or 0)


def upload_formats() -> list[TranscriptFormat]:
    return [f for f in FORMATS.values() if f.uploadable]


def listed(formats: list[TranscriptFormat]) -> str:
    """Labels for a sentence: ``WebVTT, SubRip (SRT) or Plain text``."""
    labels = [f.label for f in formats]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " or " + labels[-1]


def by_media_type(media_type: str | None) -> TranscriptFormat | None:
    """The format for a Content-Type (parameters such as ``; charset=utf-8`` ignored)."""
    if not media_type:
        return None
    essence = media_type.split(";", 1)[0].strip().lower()
    for fmt in FORMATS.values():
        if essence == fmt.media_type or essence in fmt.media_type_aliases:
            return fmt
    return None


def by_extension(name: str) -> TranscriptFormat | None:
    """The format for a file name or extension: ``episode.VTT``, ``.srt`` or ``json``."""
    extension = name.rsplit(".", 1)[-1].strip().lower()
    for fmt in FORMATS.values():
        if extension == fmt.extension or extension in fmt.extension_aliases:
            return fmt
    return None


def sniff(content: str) -> TranscriptFormat:
    """The first format, in registry order, whose ``looks_like`` accepts the decoded text
    (``WEBVTT`` header, an SRT cue, a JSON object; anything else is plain text)."""
    head = content.removeprefix("\ufeff").lstrip()
    for fmt in FORMATS.values():
        if fmt.looks_like is not None and fmt.looks_like(head):
            return fmt
    raise AssertionError("the plain-text format accepts any text")  # pragma: no cover


def choose_format(
    content: str, media_type: str | None = None, filename: str | None = None
) -> TranscriptFormat:
    """The format to read an upload with (see the module docstring for the rule)."""
    fmt = by_media_type(media_type)
    if fmt is None and filename and "." in filename:
        fmt = by_extension(filename)
    if fmt is None or not fmt.trust_label:
        return sniff(content)
    return fmt


def read_upload(
    data: bytes,
    media_type: str | None = None,
    filename: str | None = None,
    audio_ms: int | None = None,
) -> tuple[TranscriptFormat, list[Cue]]:
    """Decode once, choose the format once, parse: the format and the cues.

    Raises :class:`TranscriptError` for a common binary file (an image, audio, a PDF...),
    undecodable bytes, a format that cannot be uploaded,
    malformed files and files without any text.
    """
    kind = file_kind(data[:HEAD_BYTES])
    if kind is not None:  # say what it is, not which byte is not UTF-8
        advice = "; from a word processor, save it as plain text (.txt)" if kind.document else ""
        raise TranscriptError(
            f"this file is {kind.label}, not a transcript: upload the transcript as "
            f"{listed(upload_formats())}{advice}"
        )
    content = decode_transcript(data)
    fmt = choose_format(content, media_type, filename)
    if fmt.parse is None or not fmt.uploadable:
        raise TranscriptError(
            f"{fmt.label} transcripts cannot be uploaded; upload {listed(upload_formats())} "
            f"and the {fmt.label} version is made from it"
        )
    cues = fmt.parse(content, audio_ms)
    if not cues:
        raise TranscriptError("the file contains no transcript text")
    return fmt, cues


def parse_transcript(data: bytes, language: str, media_type: str | None = None) -> Transcript:
    """:func:`read_upload` as a :class:`Transcript` in a tag the caller has already checked
    (tests, benchmarks); uploads go through ``transcripts.upload``."""
    return Transcript(language=language, cues=tuple(read_upload(data, media_type)[1]))
