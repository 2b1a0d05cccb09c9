"""The canonical transcript form every format is parsed into and rendered from.

Times are integer milliseconds so that converting between formats never drifts.

Text normalisation (applied by every parser and renderer through :func:`clean_text`):
line breaks become ``\\n``; each line is stripped of surrounding whitespace; blank lines are
removed (line-based formats use them to end a cue, so they cannot live inside one); stray
byte order marks (U+FEFF, left by joining files) and control characters (C0 and C1 other than
tab and line feed, and DEL: a BEL or ESC in a transcript rings terminals and confuses players)
are removed. Nothing else is collapsed. Speakers are normalised by :func:`clean_speaker`
(control characters removed, whitespace runs become one space, as WebVTT does for voice names;
empty means no speaker). Renderers apply both again, so rows stored before a rule existed are
served clean too.

Times are between 0 and :data:`MAX_MS` (100 hours, the same bound as the pages' ``?t=``, and
inside the 32-bit columns they are stored in). Timed cues are put in order of their start
(stable, so cues starting together keep the file's order), as WebVTT requires; only plain text
refuses a timestamp that goes backwards, because its end times come from the next paragraph.

Empty cues: a cue whose text is empty after normalisation is *dropped*, in every format (WebVTT
allows empty cues and word-level JSON often has empty bodies; neither carries transcript text).

What only some formats carry rides along on the cue, so a WebVTT file comes back as it went in
(issue 14): the cue ``identifier`` and ``settings`` (``align:start``...; WebVTT only), and
``markup``, the text with its inline ``<i>``/``<b>`` (:func:`inline_markup`: those tags and
escaped text, nothing else), which WebVTT and SRT output keep. ``text`` stays the plain text
everything else (search, JSON, pages) reads; :func:`rich` gives a renderer the markup only
while it still says exactly what ``text`` says.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

__all__ = [
    "MAX_HOURS",
    "MAX_MS",
    "Cue",
    "CueWord",
    "Transcript",
    "TranscriptError",
    "UntimedTranscriptError",
    "clean_speaker",
    "clean_text",
    "format_timestamp",
    "inline_markup",
    "markup_text",
    "parse_timestamp",
    "rich",
    "split_speaker",
    "strip_controls",
    "too_late",
    "validate",
]

MAX_HOURS = 100
MAX_MS = MAX_HOURS * 3_600_000


class TranscriptError(ValueError):
    """A transcript that cannot be read or written, explained for a podcast producer."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message


class UntimedTranscriptError(TranscriptError):
    """Raised when a transcript without timestamps is rendered as a format that needs them."""

    def __init__(self, format_name: str) -> None:
        super().__init__(
            f"this transcript has no timestamps, so it cannot be written as {format_name}; "
            "offer it as plain text or HTML instead"
        )


@dataclass(frozen=True, slots=True)
class CueWord:
    """One word's timing inside a cue (from speech recognition; formats that read words keep
    them here so word-level output stays possible)."""

    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True, slots=True)
class Cue:
    """One piece of transcript text; ``start_ms is None`` means an untimed cue.

    ``words`` optionally times each word of ``text`` (empty when the source had no word
    timings); nothing else depends on it.
    """

    start_ms: int | None
    end_ms: int | None
    text: str
    speaker: str | None = None
    words: tuple[CueWord, ...] = ()
    identifier: str | None = None  # WebVTT cue identifier
    settings: str | None = None  # WebVTT cue settings, e.g. "align:start line:0"
    markup: str | None = None  # ``text`` with inline <i>/<b> (:func:`inline_markup`)

    @property
    def timed(self) -> bool:
        return self.start_ms is not None and self.end_ms is not None


@dataclass(frozen=True, slots=True)
class Transcript:
    """A whole transcript in one language (a BCP 47 tag such as ``en`` or ``en-GB``)."""

    language: str
    cues: tuple[Cue, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.cues, tuple):  # accept any iterable, keep the value immutable
            object.__setattr__(self, "cues", tuple(self.cues))

    @property
    def timed(self) -> bool:
        """True when every cue has a start and an end (needed for VTT, SRT and JSON)."""
        return all(cue.timed for cue in self.cues)

    @property
    def duration_ms(self) -> int | None:
        """The latest cue end (cues may overlap), or None for untimed or empty transcripts."""
        ends = [cue.end_ms for cue in self.cues if cue.end_ms is not None]
        return max(ends) if ends and self.timed else None


# C0 controls except tab and line feed, DEL, and C1 controls. CR is turned into LF first.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """``text`` without control characters other than tab and line feed."""
    return _CONTROLS.sub("", text)


def clean_text(text: str) -> str:
    """Normalise cue text: LF line breaks, lines stripped, blank lines, U+FEFF and control
    characters removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = (line.strip() for line in strip_controls(text).split("\n"))
    return "\n".join(line for line in lines if line)


MAX_ATTRIBUTE = 255  # the columns' length for identifiers and settings
_ANY_TAG = re.compile(r"<[^>]*>")
_INLINE_TAG = re.compile(r"<(/?)([ib])(?:\.[^\s>/]*)?[ \t\n\f]*>", re.IGNORECASE)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline_markup(payload: str) -> str | None:
    """Cue payload (WebVTT-style: tags, character references) reduced to ``<i>``/``<b>`` (classes
    dropped, unclosed ones closed, stray closers dropped) around escaped text; None when it has
    neither tag. Idempotent, so stored markup is passed through it again before output."""
    out: list[str] = []
    open_tags: list[str] = []
    seen = False
    position = 0
    for match in _ANY_TAG.finditer(payload):
        out.append(_escape(html.unescape(payload[position : match.start()])))
        position = match.end()
        tag = _INLINE_TAG.fullmatch(match[0])
        if tag is None:
            continue
        name = tag[2].lower()
        if not tag[1]:
            open_tags.append(name)
            out.append(f"<{name}>")
            seen = True
        elif name in open_tags:
            while open_tags:
                closed = open_tags.pop()
                out.append(f"</{closed}>")
                if closed == name:
                    break
    out.append(_escape(html.unescape(payload[position:])))
    out.extend(f"</{name}>" for name in reversed(open_tags))
    return "".join(out) if seen else None


def markup_text(markup: str) -> str:
    """The plain text :func:`inline_markup`'s output stands for."""
    return html.unescape(_ANY_TAG.sub("", markup))


def rich(cue: Cue) -> str | None:
    """The cue's markup, canonical, if it still says exactly what its text says."""
    if not cue.markup:
        return None
    markup = inline_markup(cue.markup)
    if markup is None or clean_text(markup_text(markup)) != clean_text(cue.text):
        return None
    return markup


def _attribute(value: str | None) -> str | None:
    """An identifier or settings line: one line, spaces collapsed, no ``-->``, bounded."""
    if value is None:
        return None
    cleaned = " ".join(strip_controls(value.replace("\ufeff", "")).split())
    if not cleaned or "-->" in cleaned or len(cleaned) > MAX_ATTRIBUTE:
        return None
    return cleaned


def clean_speaker(speaker: str | None) -> str | None:
    """Normalise a speaker name: controls removed, whitespace runs become one space; empty
    becomes None."""
    if speaker is None:
        return None
    cleaned = " ".join(strip_controls(speaker.replace("\ufeff", "")).split())
    return cleaned or None


# A speaker prefix such as "Lorna Krisson: Welcome" or "Speaker 2: Hello": one to five words,
# the first starting with a capital letter, the others capitalised, name particles ("de",
# "van", ...) or a final number, at most 40 characters, followed by a colon and whitespace.
_NAME_WORD = r"[^\W\d_][\w'\u2019.\-\u0300-\u036f]*"
_SPEAKER_PREFIX = re.compile(
    rf"(?P<name>{_NAME_WORD}(?:[ ]{_NAME_WORD})*(?:[ ]\d+)?):\s+(?P<rest>\S.*)", re.DOTALL
)
_PARTICLES = frozenset("al bin da das de del della der di dos du el la le ten ter van von".split())
# Capitalised labels and sentence openers that start ordinary sentences, not a speaker's turn.
_NOT_SPEAKERS = frozenset(
    """caution edit example examples important nb note notes p.s. ps reminder source sources
    subject summary tip update warning""".split()
)
_NOT_FIRST_WORDS = frozenset(
    """after and as at because before but by chapter during for from he here if in it my on or
    our part section she since so step that the their there these they this those to until we
    when while with you your""".split()
)
_MAX_SPEAKER_CHARS = 40


def split_speaker(text: str) -> tuple[str | None, str]:
    """Split a leading ``Name: `` prefix off text (used by SRT and plain text).

    The rule, so that ordinary sentences keep their colons: one to five words (optionally
    ending in a number, as in ``Speaker 2``), at most 40 characters, no sentence punctuation
    other than ``.`` ``'`` ``-`` inside words; the first word capitalised and not a sentence
    opener (``In``, ``The``, ``When``...); later words capitalised or name particles (``de``,
    ``van``...); and not a label such as ``Note:``, ``Update:`` or ``Warning:``. Returns
    ``(None, text)`` when there is no speaker prefix.
    """
    match = _SPEAKER_PREFIX.match(text)
    if match is None:
        return None, text
    name = match["name"]
    words = name.split(" ")
    names = words[:-1] if words[-1].isdigit() else words
    if (
        len(name) > _MAX_SPEAKER_CHARS
        or len(words) > 5
        or not names[0][0].isupper()
        or name.lower() in _NOT_SPEAKERS
        or names[0].lower() in _NOT_FIRST_WORDS
        or not all(w[0].isupper() or w in _PARTICLES for w in names[1:])
    ):
        return None, text
    return name, match["rest"]


def format_timestamp(ms: int, sep: str = ".", always_hours: bool = True) -> str:
    """``HH:MM:SS.mmm`` (or ``MM:SS.mmm`` under an hour when ``always_hours`` is False)."""
    if ms < 0:
        raise ValueError(f"a timestamp cannot be negative: {ms} ms")
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours or always_hours:
        return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"
    return f"{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def _timestamp_pattern(separators: str) -> re.Pattern[str]:
    return re.compile(rf"(?:(\d+):)?([0-5]\d):([0-5]\d)[{re.escape(separators)}](\d{{3}})")


_TIMESTAMP_PATTERNS = {sep: _timestamp_pattern(sep) for sep in (".", ",.")}


def parse_timestamp(
    value: str, *, separators: str = ".", expected: str = "HH:MM:SS.mmm", line: int | None = None
) -> int:
    """Read ``HH:MM:SS.mmm`` or ``MM:SS.mmm`` (hours optional, exactly three millisecond digits,
    minutes and seconds below 60) into milliseconds, or raise a :class:`TranscriptError`.

    Values past :data:`MAX_MS` are refused by :func:`validate`; absurdly long hour fields here.
    """
    pattern = _TIMESTAMP_PATTERNS.get(separators) or _timestamp_pattern(separators)
    match = pattern.fullmatch(value)
    if match is None:
        raise TranscriptError(f'"{value}" is not a timestamp (expected {expected})', line)
    if len(match[1] or "") > len(str(MAX_HOURS)):  # int() of thousands of digits is an error
        raise TranscriptError(too_late(f'"{value}"'), line)
    hours, minutes, seconds, millis = (int(part or 0) for part in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def too_late(value: object) -> str:
    """The message for a time beyond :data:`MAX_MS`."""
    return f"{value} is later than {MAX_HOURS} hours, the longest time a transcript may reach"


def validate(cues: Iterable[Cue], lines: Sequence[int | None] | None = None) -> list[Cue]:
    """Check and normalise parsed cues; ``lines[i]`` is where cue ``i`` starts in the file.

    Refuses negative times, times beyond :data:`MAX_MS`, an end before its start, a start
    without an end (or the reverse) and a mix of timed and untimed cues. Normalises text and
    speakers; drops empty cues; sorts timed cues by start (stable).
    """
    result: list[Cue] = []
    timed_seen: bool | None = None
    for index, cue in enumerate(cues):
        line = lines[index] if lines is not None and index < len(lines) else None
        if (cue.start_ms is None) != (cue.end_ms is None):
            raise TranscriptError("a cue needs both a start and an end time, or neither", line)
        if cue.start_ms is not None and cue.end_ms is not None:
            if cue.start_ms < 0 or cue.end_ms < 0:
                raise TranscriptError("cue times cannot be negative", line)
            if cue.end_ms > MAX_MS:
                raise TranscriptError(too_late(format_timestamp(cue.end_ms)), line)
            if cue.end_ms < cue.start_ms:
                raise TranscriptError(
                    f"the cue ends ({format_timestamp(cue.end_ms)}) before it starts "
                    f"({format_timestamp(cue.start_ms)})",
                    line,
                )
        if timed_seen is not None and timed_seen != cue.timed:
            raise TranscriptError(
                "some cues have timestamps and others do not; give every cue times or none", line
            )
        timed_seen = cue.timed
        text = clean_text(cue.text)
        if text:
            speaker = clean_speaker(cue.speaker)
            markup = clean_text(cue.markup) if cue.markup else None
            result.append(
                Cue(
                    cue.start_ms,
                    cue.end_ms,
                    text,
                    speaker,
                    cue.words,
                    identifier=_attribute(cue.identifier),
                    settings=_attribute(cue.settings),
                    markup=markup if markup and rich(replace(cue, markup=markup)) else None,
                )
            )
    if timed_seen:
        result.sort(key=lambda cue: cue.start_ms or 0)
    return result
