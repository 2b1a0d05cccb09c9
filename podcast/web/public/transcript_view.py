"""An episode's transcripts as the episode page shows them: a bounded preview and downloads.

Why bounded: a 10 MiB upload can hold 100,000 cues, and rendering them all made the episode
page take seconds and tens of MB a request. The page shows the first ``PREVIEW_CUES`` cues
(read with a LIMIT; the count is the transcript row's ``cue_count``) and links to the whole
transcript in parts (``podcast.web.public.transcript_parts``). Rendered cues are cached by a content
fingerprint (row id + cue digest) in a cache bounded in bytes: a replaced transcript has a new
digest, so an old rendering can never be served, and every replica renders the same bytes.
Word-level transcripts are shown merged into sentences (``transcripts.display``).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy.orm import Session

from episodes.models import Episode
from podcast.core import public_urls
from podcast.core.caching import SizedCache
from podcast.core.languages import normalise
from podcast.shows.models import Show
from podcast.web.public.phrases import UNCHECKED_TRANSCRIPT, Phrase, phrase
from podcast.web.templating import templates
from transcripts import display, repository, visibility
from transcripts.display import DisplayCue
from transcripts.formats import served_formats
from transcripts.models import StoredTranscript

LANGUAGE_NAMES = {
    "en": "English",
    "cy": "Welsh",
    "gd": "Scottish Gaelic",
    "ga": "Irish",
    "pl": "Polish",
    "ur": "Urdu",
    "pa": "Punjabi",
    "bn": "Bengali",
    "ar": "Arabic",
    "fr": "French",
    "es": "Spanish",
    "de": "German",
}
PREVIEW_CUES = 200  # cues on the episode page ...
PREVIEW_BYTES = 256 * 1024  # ... and at most about this much of their HTML
CUE_OVERHEAD = 480  # bytes of markup around one cue's text in _cues.html, generously
FRAGMENT_CACHE_BYTES = 32 * 1024 * 1024
_SPECIALS = re.compile("[&<>\"']")


@dataclass(frozen=True)
class CueView:
    start: float | None
    end: float | None
    speaker: str | None  # only when it changes from the cue before, as a reader expects
    lines: list[str]


@dataclass(frozen=True)
class Download:
    label: str
    extension: str
    href: str


@dataclass(frozen=True, slots=True)
class Fragment:
    """Rendered cues (an ``<ol class="transcript">``) and what the page says about them."""

    html: Markup
    cues: int
    first_start: float | None  # seconds; None when untimed
    last_start: float | None
    complete: bool  # a preview holding the whole transcript
    last_end: float | None = None  # when the shown cues end (the latest end, else start)


@dataclass(frozen=True)
class TranscriptView:
    language: str
    language_name: str
    timed: bool
    downloads: list[Download]
    preview: Fragment
    cue_count: int
    full_href: str  # the whole transcript, in parts
    slug: str
    show_language: str
    unchecked: Phrase | None  # "Automatic transcript, not yet checked", for a draft
    public: bool  # False: only producers see it (the show hides unreviewed drafts)

    @property
    def search_action(self) -> str:
        """Where the episode page's search form goes: the transcript page, which answers ``?q=``."""
        return public_urls.transcript_page_path(self.slug)

    @property
    def lang_param(self) -> str | None:
        return public_urls.transcript_lang(self.language, self.show_language)

    def href_at(self, seconds: float) -> str:
        """The part of the whole transcript that holds the moment ``seconds``."""
        return transcript_page_href(self.slug, self.language, self.show_language, t=seconds)


fragments: SizedCache[Fragment] = SizedCache(FRAGMENT_CACHE_BYTES, lambda f: len(f.html) + 256)
word_level_cache: SizedCache[bool] = SizedCache(4096, lambda _: 1)


def language_name(tag: str) -> str:
    return LANGUAGE_NAMES.get(tag.split("-", 1)[0].lower(), tag)


def fingerprint(record: StoredTranscript) -> tuple[int, str]:
    """What a rendering depends on: the row, and the digest of its cues."""
    return (record.id, record.content_sha256)


def transcript_page_href(
    slug: str, language: str, show_language: str, part: int = 1, t: float | None = None
) -> str:
    """``/episodes/{slug}/transcript`` with ``?lang=`` (other languages), ``page`` and ``t``."""
    query: dict[str, str] = {}
    lang = public_urls.transcript_lang(language, show_language)
    if lang is not None:
        query["lang"] = lang
    if part > 1:
        query["page"] = str(part)
    if t is not None:
        query["t"] = str(int(t))
    path = public_urls.transcript_page_path(slug)
    return f"{path}?{urlencode(query)}" if query else path


def _escaped_size(text: str) -> int:
    """Bytes of ``text`` escaped for HTML (``&`` → ``&amp;``, ``<`` → ``&lt;``, ...), at most."""
    return len(text.encode()) + 4 * len(_SPECIALS.findall(text))


def html_size(cue: DisplayCue) -> int:
    """An upper bound of the bytes ``_cues.html`` writes for a cue (``<br>`` per line break)."""
    size = _escaped_size(cue.text) + 4 * cue.text.count("\n") + CUE_OVERHEAD
    return size + _escaped_size(cue.speaker) if cue.speaker else size


def cue_views(cues: Iterable[DisplayCue]) -> list[CueView]:
    views: list[CueView] = []
    previous: str | None = None
    for cue in cues:
        shown = cue.speaker if cue.speaker != previous else None
        previous = cue.speaker
        views.append(
            CueView(
                start=None if cue.start_ms is None else cue.start_ms / 1000,
                end=None if cue.end_ms is None else cue.end_ms / 1000,
                speaker=shown,
                lines=cue.text.split("\n"),
            )
        )
    return views


def render_fragment(
    cues: Sequence[DisplayCue], language: str, show_language: str, *, complete: bool = False
) -> Fragment:
    views = cue_views(cues)
    html = templates.env.get_template("_cues.html").render(
        cues=views, language=language, show_language=show_language
    )
    starts = [v.start for v in views if v.start is not None]
    ends = [max(v.start, v.end or v.start) for v in views if v.start is not None]
    return Fragment(
        Markup(html),  # the template is autoescaped
        len(views),
        starts[0] if starts else None,
        starts[-1] if starts else None,
        complete,
        max(ends) if ends else None,
    )


def is_word_level(session: Session, record: StoredTranscript) -> bool:
    """Decided by the first cues, so every page of a transcript agrees."""

    def decide() -> bool:
        sample = repository.cues_from(session, record.id, 0, display.WORD_LEVEL_SAMPLE)
        return display.is_word_level([cue for _, cue in sample])

    return word_level_cache.get_or_build(fingerprint(record), decide)


def _preview(session: Session, record: StoredTranscript, show_language: str) -> Fragment:
    rows = itertools.chain(
        repository.cues_from(session, record.id, 0, PREVIEW_CUES + 1),
        repository.iter_cues(session, record.id, PREVIEW_CUES + 1, chunk=500),
    )
    stream = display.display_cues(rows, word_level=is_word_level(session, record))
    shown: list[DisplayCue] = []
    budget = PREVIEW_BYTES
    complete = True
    for cue in stream:
        size = html_size(cue)
        if shown and (len(shown) >= PREVIEW_CUES or size > budget):
            complete = False
            break
        shown.append(cue)
        budget -= size
    return render_fragment(shown, record.language, show_language, complete=complete)


def downloads(slug: str, record: StoredTranscript, show_language: str) -> list[Download]:
    """One link per format the transcript is served in, in the registry's order."""
    return [
        Download(
            fmt.label,
            fmt.extension,
            public_urls.transcript_path(slug, fmt.name, record.language, show_language),
        )
        for fmt in served_formats(record.timed)
    ]


def unchecked_note(record: StoredTranscript, page_language: str) -> Phrase | None:
    """What the page says above a transcript no producer has checked yet."""
    return None if record.reviewed else phrase(UNCHECKED_TRANSCRIPT, page_language)


def view(session: Session, slug: str, record: StoredTranscript, show: Show) -> TranscriptView:
    show_language = show.language
    key: Hashable = ("preview", *fingerprint(record), show_language)
    preview = fragments.get_or_build(key, lambda: _preview(session, record, show_language))
    return TranscriptView(
        language=record.language,
        language_name=language_name(record.language),
        timed=record.timed,
        downloads=downloads(slug, record, show_language),
        preview=preview,
        cue_count=record.cue_count,
        full_href=transcript_page_href(slug, record.language, show_language),
        slug=slug,
        show_language=show_language,
        unchecked=unchecked_note(record, show_language),
        public=visibility.is_shown(record, show.unreviewed_transcripts, "web"),
    )


def for_episode(
    session: Session, episode: Episode, show: Show, *, producer: bool = False
) -> list[TranscriptView]:
    """The episode's transcripts this reader may see (``transcripts.visibility``), the show's
    language first."""
    records = visibility.shown(
        repository.for_episode(session, episode.id), show, "web", producer=producer
    )
    records.sort(key=lambda r: normalise(r.language) != normalise(show.language))
    return [view(session, episode.slug, record, show) for record in records]
