"""Speech to timed words on this machine's CPU: faster-whisper (CTranslate2), int8.

Nothing leaves the server: the model is a local directory (see :mod:`transcripts.asr.model`),
and the voice activity detector faster-whisper uses to skip silence (Silero VAD) ships inside
the faster-whisper wheel. The model loads once per process and model (:func:`load_model`
keeps the two most recent), which takes a second or two; a transcription then reports
progress from the end time of each recognised segment and stops between segments when asked.

faster-whisper is imported inside the functions: the rest of the app runs without ``.[asr]``.
"""

from __future__ import annotations

import functools
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

from podcast.core.errors import Invalid
from podcast.core.settings import Settings
from transcripts.asr.model import INSTALL_HINT, AsrUnavailable, prepare_model
from transcripts.asr.repeats import without_runaway_repeats
from transcripts.languages import primary

if TYPE_CHECKING:
    import numpy as np
    from faster_whisper import WhisperModel
    from numpy.typing import NDArray

__all__ = [
    "AsrResult",
    "TranscriptionCancelled",
    "Word",
    "cpu_threads",
    "load_model",
    "transcribe",
    "whisper_language",
]

# BCP 47 primary subtags that Whisper spells differently.
_TO_WHISPER = {"jv": "jw", "nb": "no", "iw": "he", "fil": "tl"}
_FROM_WHISPER = {"jw": "jv"}
_LOAD_LOCK = threading.Lock()
SAMPLE_RATE = 16_000
SLICE_SECONDS = 120.0
_QUIET_SEARCH_SECONDS = 20


def _slices(samples: NDArray[np.float32], seconds: float) -> Iterator[tuple[int, int]]:
    """``(first, last)`` sample ranges of about ``seconds`` each, covering all of ``samples``,
    each ending at the quietest 100 ms of its last 20 s (so a cut rarely falls in a word)."""
    import numpy as np

    size = max(int(seconds * SAMPLE_RATE), SAMPLE_RATE)
    search = min(_QUIET_SEARCH_SECONDS * SAMPLE_RATE, size // 2)
    hop = SAMPLE_RATE // 10
    first, total = 0, len(samples)
    while first < total:
        last = min(first + size, total)
        if last < total and search >= hop:
            window = samples[last - search : last]
            frames = window[: len(window) // hop * hop].reshape(-1, hop)
            quietest = int(np.argmin(np.square(frames).mean(axis=1)))
            last = last - search + quietest * hop + hop // 2
        yield first, last
        first = last


class TranscriptionCancelled(Exception):
    """``cancelled()`` answered True: the transcription stopped early; nothing is returned."""


@dataclass(frozen=True, slots=True)
class Word:
    """A recognised word: seconds from the start of the audio, the recogniser's text (a leading
    space starts a new word) and its confidence (0-1)."""

    start: float
    end: float
    text: str
    probability: float


@dataclass(frozen=True, slots=True)
class AsrResult:
    """What was said: the language (a BCP 47 primary tag), the audio's length in seconds, the
    detector's confidence in the language (1.0 when it was given), and the words in order."""

    language: str
    duration: float
    words: tuple[Word, ...]
    language_probability: float = 1.0


def whisper_language(language: str | None) -> str | None:
    """Whisper's code for a BCP 47 tag (``en-GB`` -> ``en``, ``cy-GB`` -> ``cy``); None for
    ``auto`` or no language (detect it). Raises :class:`Invalid` for a language Whisper lacks."""
    if language is None or language.strip().lower() in ("", "auto"):
        return None
    code = primary(language.strip().replace("_", "-"))
    code = _TO_WHISPER.get(code, code)
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    if code not in _LANGUAGE_CODES:
        raise Invalid(
            f"{language!r} is not a language Whisper recognises; give a BCP 47 tag such as "
            "en-GB or cy, or auto to detect it",
            field="language",
        )
    return code


def _cores() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def cpu_threads(settings: Settings) -> int:
    """Threads a transcription computes with: ``PODCAST_ASR_THREADS``, else every core. The
    transcription's lower priority (:mod:`transcripts.asr.lane`), not fewer cores, is what
    keeps requests fast meanwhile (docs/asr.md, "Sharing the machine")."""
    return settings.asr_threads or _cores()


@functools.lru_cache(maxsize=2)
def _load(source: str, threads: int) -> WhisperModel:
    from faster_whisper import WhisperModel

    # local_files_only: a directory never triggers a download; a name may (first use).
    local = Path(source).is_dir()
    return WhisperModel(
        source, device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=local
    )


def load_model(settings: Settings) -> WhisperModel:
    """The model ``settings`` name, loaded once per process (joined first if bundled)."""
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        raise AsrUnavailable(f"faster-whisper is not installed: {INSTALL_HINT}") from None
    source = prepare_model(settings)
    with _LOAD_LOCK:  # two threads asking at once load it once
        return _load(source, cpu_threads(settings))


def _seekable(audio: IO[bytes], stack: ExitStack) -> IO[bytes]:
    """PyAV needs to seek in some containers (MP4 keeps its index at the end): a stream that
    cannot seek is copied to a temporary file first."""
    seekable = getattr(audio, "seekable", None)
    if seekable is not None and seekable():
        return audio
    spool = stack.enter_context(tempfile.TemporaryFile())
    shutil.copyfileobj(audio, spool, 1 << 20)
    spool.seek(0)
    return spool


def transcribe(
    audio: str | os.PathLike[str] | IO[bytes],
    *,
    settings: Settings,
    language: str | None,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    slice_seconds: float = SLICE_SECONDS,
) -> AsrResult:
    """Recognise the speech in ``audio`` (a path or a binary file object, any format FFmpeg
    reads) with word timings.

    ``language`` is a BCP 47 tag (the show's language, normally) or ``auto``/None to detect it.
    ``progress`` receives 0-1 (the end of each recognised segment over the audio's length, then
    1.0); ``cancelled`` is asked between segments and before starting, and True stops the work
    with :class:`TranscriptionCancelled`.

    The audio is decoded once (16 kHz mono float32, about 230 MB an hour) and recognised in
    slices of about ``slice_seconds``, each cut at the quietest tenth of a second in its last
    20 s: faster-whisper computes the features of everything it is given at once, which for a
    whole episode would take gigabytes.
    """
    code = whisper_language(language)
    model = load_model(settings)
    if cancelled is not None and cancelled():
        raise TranscriptionCancelled
    from faster_whisper.audio import decode_audio

    with ExitStack() as stack:
        source: str | IO[bytes]
        if isinstance(audio, str | os.PathLike):
            source = os.fspath(audio)
        else:
            source = _seekable(audio, stack)
        samples = decode_audio(source, sampling_rate=SAMPLE_RATE)
    duration = len(samples) / SAMPLE_RATE
    words: list[Word] = []
    detected, probability = code, 1.0
    for first, last in _slices(samples, slice_seconds):
        offset = first / SAMPLE_RATE
        segments, info = model.transcribe(
            samples[first:last],
            language=detected,  # detected from the first slice when not given
            word_timestamps=True,
            vad_filter=True,
            # Each 30 s window is decoded on its own: a misheard window (robotic or noisy
            # speech, a language the model knows less well) cannot make the next ones repeat
            # it, the hallucination loop Whisper is known for.
            condition_on_previous_text=False,
            # A window decoded badly is tried again hotter; Whisper's default goes to 1.0 (six
            # decodes), which on speech the model cannot follow costs six times the work for
            # text no better. Three at most bounds a job's time.
            temperature=(0.0, 0.2, 0.4),
        )
        if detected is None:
            detected, probability = info.language, float(info.language_probability)
        try:
            for segment in segments:
                for word in segment.words or ():
                    words.append(
                        Word(
                            offset + float(word.start),
                            offset + float(word.end),
                            word.word,
                            float(word.probability),
                        )
                    )
                if progress is not None and duration > 0:
                    progress(min((offset + float(segment.end)) / duration, 1.0))
                if cancelled is not None and cancelled():
                    raise TranscriptionCancelled
        finally:
            close = getattr(segments, "close", None)
            if close is not None:
                close()
    if progress is not None:
        progress(1.0)
    language_found = detected or "und"  # no audio at all: undetermined (BCP 47)
    return AsrResult(
        _FROM_WHISPER.get(language_found, language_found),
        duration,
        tuple(without_runaway_repeats(words)),
        probability,
    )
