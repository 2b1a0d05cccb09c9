"""What producers and listeners do with transcripts: save, delete, fetch a format.

Plain functions over a session; they raise ``podcast.core.errors`` and know nothing of HTTP.
Uploads (find the episode, read the file, check it, save) go through ``transcripts.upload``.

* Saving replaces a language's cues inside the caller's transaction, so a request either
  stores the whole new transcript or nothing. Any change bumps the episode's ``updated_at``,
  which the feed's cache fingerprint depends on; re-uploading identical cues changes nothing.
* Rendering is done from the stored cues (a 3,000-cue transcript renders in a few
  milliseconds, a 100,000-cue one in about a second, see ``bench/``) and the bytes are kept
  in an in-process cache bounded in bytes (``podcast.core.caching``) keyed by ETag, which is a
  digest of the cues, format, episode title (for formats that ``uses_context``) and
  ``RENDER_VERSION``, so every replica agrees and a stale entry can never be served. Parallel
  misses render once.
* Formats marked ``readable`` (``.html``, ``.txt``) are for reading: word-level transcripts
  (one word a cue, as ASR tools write them) are merged into sentences there
  (``transcripts.display``); the other formats give the stored cues as uploaded.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from episodes.models import Episode
from podcast.core.caching import SizedCache
from podcast.core.compression import compress, gzip_etag
from podcast.core.errors import Conflict, Invalid, NotFound
from podcast.core.languages import normalise
from podcast.shows.models import Show
from transcripts import display, repository, visibility
from transcripts.cues import Transcript, format_timestamp
from transcripts.formats import FORMATS, RenderContext, TranscriptFormat, served_formats
from transcripts.languages import choose
from transcripts.models import StoredTranscript

__all__ = [
    "MAX_BYTES",
    "RENDER_VERSION",
    "Origin",
    "Parsed",
    "Rendered",
    "Saved",
    "delete",
    "readable",
    "render",
    "render_cache",
    "replaceable_by_asr",
    "save",
    "select_for_delete",
    "select_transcript",
]

MAX_BYTES = 10 * 1024 * 1024
# Audio durations read from files can be a little short of the real end: allow a second.
DURATION_TOLERANCE_MS = 1000
# Bump when a renderer's output changes, so ETags (and cached bytes) change with it.
# 2: word-level transcripts merged into sentences in .html and .txt; control characters
# stripped on output.
RENDER_VERSION = "4"  # 3: SRT neutralises quoted timing lines, .txt one stamp style,
# JSON word segments; 4: both of those at once (two branches each took 3)
RENDER_CACHE_BYTES = 64 * 1024 * 1024


# Who saves a transcript: a producer's upload (reviewed, by definition), a producer's edit in
# the editor (keeps where it came from), or speech recognition (an unreviewed draft).
Origin = Literal["upload", "edit", "automatic"]


@dataclass(frozen=True, slots=True)
class Parsed:
    transcript: Transcript
    source_format: str


@dataclass(frozen=True, slots=True)
class Saved:
    record: StoredTranscript
    created: bool
    changed: bool


@dataclass(frozen=True, slots=True)
class Rendered:
    body: bytes
    media_type: str
    etag: str
    last_modified: datetime
    language: str


def content_digest(transcript: Transcript) -> str:
    """Digest of the canonical cues; identifiers, settings, markup and word timings count only
    when present, so transcripts without them keep the digests (and ETags) they had."""
    canonical: list[list[object]] = []
    for c in transcript.cues:
        row: list[object] = [c.start_ms, c.end_ms, c.speaker, c.text]
        if c.identifier or c.settings or c.markup:
            row += [c.identifier, c.settings, c.markup]
        canonical.append(row)
    if any(c.words for c in transcript.cues):  # word timings change the JSON rendering
        for row, cue in zip(canonical, transcript.cues, strict=True):
            row.append([[w.start_ms, w.end_ms, w.text] for w in cue.words])
    payload = json.dumps([transcript.language, canonical], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def audio_ms(episode: Episode) -> int | None:
    return round(episode.audio.duration * 1000) if episode.audio is not None else None


def check_against_audio(transcript: Transcript, episode: Episode) -> list[str]:
    """Warnings (never errors: the audio may be replaced next) when cue times cannot be
    checked or run past the end of the episode's audio."""
    if not transcript.timed:
        return []
    length = audio_ms(episode)
    if length is None:
        return ["the episode has no audio yet, so cue times were not checked against its length"]
    late = [c for c in transcript.cues if (c.end_ms or 0) > length + DURATION_TOLERANCE_MS]
    if not late:
        return []
    last = max(c.end_ms or 0 for c in late)
    return [
        f"{len(late)} cue(s) run past the end of the audio ({format_timestamp(length)}): "
        f"the first starts at {format_timestamp(late[0].start_ms or 0)} and the last ends at "
        f"{format_timestamp(last)}; is this the transcript of another episode or edit?"
    ]


def save(
    session: Session,
    episode: Episode,
    parsed: Parsed,
    now: datetime,
    *,
    origin: Origin = "upload",
    reviewed: bool | None = None,
    author: str | None = None,
) -> Saved:
    """Create or replace the episode's transcript in ``parsed``'s language.

    ``origin`` says who is saving (see :data:`Origin`); ``reviewed`` defaults to True for an
    upload, False for speech recognition, and to what it was for an edit. The cues being
    replaced are kept as a revision. Speech recognition never replaces a transcript a producer
    uploaded or edited: that raises :class:`Conflict` inside the caller's transaction, so a job
    racing an upload loses whichever commits second.
    """
    transcript = parsed.transcript
    digest = content_digest(transcript)
    existing = {r.language: r for r in repository.for_episode(session, episode.id)}
    record = existing.get(transcript.language)
    if origin == "automatic" and record is not None and not replaceable_by_asr(record):
        raise Conflict(
            f"the {transcript.language} transcript was written or edited by a producer, so "
            "speech recognition does not replace it; delete it first to make a new draft"
        )
    if reviewed is None:
        reviewed = (
            record.reviewed if origin == "edit" and record is not None else origin == "upload"
        )
    source = "automatic" if origin == "automatic" else "producer"
    if origin == "edit" and record is not None:
        source = record.source  # an edited draft is still speech recognition's, now checked
    if record is not None and record.content_sha256 == digest:
        record.source_format = parsed.source_format
        changed = record.reviewed != reviewed or record.source != source
        if changed:
            record.source, record.reviewed, record.updated_at = source, reviewed, now
            if origin != "automatic":
                record.edited_at = now
            episode.updated_at = now
            session.flush()
        return Saved(record, created=False, changed=changed)
    fields = {
        "source_format": parsed.source_format,
        "timed": transcript.timed,
        "cue_count": len(transcript.cues),
        "duration_ms": transcript.duration_ms,
        "content_sha256": digest,
        "source": source,
        "reviewed": reviewed,
        "edited_at": None if origin == "automatic" else now,
    }
    created = record is None
    try:
        with session.begin_nested():
            if record is None:
                record = repository.add(session, episode.id, transcript.language, now, **fields)
            else:
                repository.keep_revision(session, record, now, author)
                for name, value in fields.items():
                    setattr(record, name, value)
                record.updated_at = now
            repository.replace_cues(session, record.id, transcript.cues)
    except IntegrityError:
        raise Conflict(
            f"another upload of the {transcript.language} transcript arrived at the same time; "
            "try again"
        ) from None
    episode.updated_at = now
    session.flush()
    return Saved(record, created=created, changed=True)


def replaceable_by_asr(record: StoredTranscript) -> bool:
    """True for an automatic draft no producer has touched: only those may be redone."""
    return record.source == "automatic" and record.edited_at is None


def select_transcript(
    session: Session,
    episode: Episode,
    language: str | None,
    default_language: str,
    *,
    show: Show | None = None,
) -> StoredTranscript:
    """The transcript a request means (see ``transcripts.languages.choose``), or 404.

    With ``show``, only those the public may see on the web (``transcripts.visibility``):
    a hidden draft answers like a missing transcript.
    """
    records = repository.for_episode(session, episode.id)
    if show is not None:
        records = visibility.shown(records, show, "web")
    record = choose(records, language, default_language)
    if record is None:
        if not records:
            raise NotFound(f"episode {episode.slug!r} has no transcript")
        have = ", ".join(r.language for r in records)
        raise NotFound(f"no transcript in {language!r} for this episode (it has: {have})")
    return record


def select_for_delete(session: Session, episode: Episode, language: str | None) -> StoredTranscript:
    """The transcript a delete names: exactly that language, never a guess.

    Without a language only an episode's single transcript can be meant; with several the
    producer must say which (422 listing them), so a script cannot remove the main language
    by leaving the parameter out. No fallback from ``en`` to ``en-GB`` either.
    """
    records = repository.for_episode(session, episode.id)
    if not records:
        raise NotFound(f"episode {episode.slug!r} has no transcript")
    have = ", ".join(r.language for r in records)
    if language is None:
        if len(records) > 1:
            raise Invalid(
                f"required, because this episode has transcripts in {have}; "
                "say which to delete with ?language=",
                field="language",
            )
        return records[0]
    wanted = normalise(language)
    for record in records:
        if record.language == wanted:
            return record
    raise NotFound(f"no transcript in {wanted!r} for this episode (it has: {have})")


def delete(session: Session, episode: Episode, record: StoredTranscript, now: datetime) -> None:
    repository.remove(session, record)
    episode.updated_at = now
    session.flush()


def served_format(extension: str) -> TranscriptFormat:
    """The format a transcript file's extension names, or 404 listing those served."""
    fmt = FORMATS.get(extension)
    if fmt is None:
        names = ", ".join("." + f.extension for f in FORMATS.values())
        raise NotFound(f"transcripts are served as {names}")
    return fmt


def etag_for(record: StoredTranscript, fmt: TranscriptFormat, title: str) -> str:
    parts = [
        record.content_sha256,
        fmt.name,
        RENDER_VERSION,
        title if fmt.uses_context else "",
    ]
    return '"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'


def check_renderable(record: StoredTranscript, fmt: TranscriptFormat) -> None:
    if fmt.timed and not record.timed:
        untimed = " or ".join("." + f.extension for f in served_formats(timed=False))
        raise NotFound(
            f"this {record.language} transcript has no timestamps, so it is not offered as "
            f"{fmt.label}; fetch it as {untimed}"
        )


def readable(transcript: Transcript) -> Transcript:
    """The transcript as people read it: word-level cues merged into sentences."""
    if not display.is_word_level(transcript.cues[: display.WORD_LEVEL_SAMPLE]):
        return transcript
    merged = (cue for _, cue in display.merge_words(enumerate(transcript.cues)))
    return Transcript(transcript.language, tuple(merged))


def render(
    session: Session,
    episode: Episode,
    record: StoredTranscript,
    fmt: TranscriptFormat,
    *,
    gzip: bool = False,
) -> Rendered:
    """The transcript in a format, from the cache when the same bytes were made before;
    ``gzip``: those bytes compressed (cached too, under the gzip representation's ETag).

    Blocking (database and CPU): call it from a worker thread, as sync routes are.
    """
    check_renderable(record, fmt)
    etag = etag_for(record, fmt, episode.title)
    if gzip:
        plain = render(session, episode, record, fmt)
        compressed = render_cache.get_or_build(gzip_etag(etag), lambda: compress(plain.body))
        return replace(plain, body=compressed, etag=gzip_etag(etag))

    def build() -> bytes:
        transcript = Transcript(record.language, tuple(repository.cues_of(session, record.id)))
        if fmt.readable:
            transcript = readable(transcript)
        return fmt.render(transcript, RenderContext(episode_title=episode.title)).encode("utf-8")

    body = render_cache.get_or_build(etag, build)
    return Rendered(body, fmt.media_type, etag, record.updated_at, record.language)


render_cache: SizedCache[bytes] = SizedCache(RENDER_CACHE_BYTES, len)
