"""An episode's ``podcast:transcript`` links brought over through the one upload pipeline.

For each language the feed offers, the best format we can read is fetched (Podcasting 2.0
JSON, then WebVTT, SubRip, plain text: the order our own feed lists them, which keeps the most
timing and speakers) and saved by ``transcripts.upload.upload_transcript``, so it gets the same
checks as a producer's upload. If that format cannot be read, the next one is tried.

A language the episode already has a transcript in is never fetched or replaced: a producer
may have uploaded a better one, and a transcript imported earlier is already here (so an
import run again fetches nothing).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from podcast.core.clock import Clock
from podcast.core.db import Sessions, session_scope
from podcast.core.errors import Conflict, DomainError
from podcast.core.languages import parse_language_tag
from podcast.core.settings import Settings
from podcast.imports.fetch import Fetcher, FetchError
from podcast.imports.source import TranscriptLink
from podcast.shows.service import get_default_show
from transcripts import repository, service
from transcripts.formats import TranscriptFormat, by_media_type, upload_formats
from transcripts.upload import upload_transcript

# Best first: the formats we read, in the order our feed offers them (then plain text).
PREFERENCE = sorted(upload_formats(), key=lambda f: f.feed_order or len(upload_formats()) + 1)


@dataclass(frozen=True)
class Candidate:
    link: TranscriptLink
    fmt: TranscriptFormat


def choose(
    links: Sequence[TranscriptLink], default_language: str, notes: list[str]
) -> dict[str, list[Candidate]]:
    """The links we can read, by language (as stored), best format first."""
    by_language: dict[str, list[Candidate]] = {}
    for link in links:
        try:
            language = parse_language_tag(link.language or default_language)
        except DomainError:
            notes.append(f"transcript {link.url} not imported: {link.language!r} is no language")
            continue
        fmt = by_media_type(link.media_type)
        if fmt is None or not fmt.uploadable:
            continue  # HTML and unknown types: a readable format of the language may follow
        by_language.setdefault(language, []).append(Candidate(link, fmt))
    for candidates in by_language.values():
        candidates.sort(key=lambda c: PREFERENCE.index(c.fmt))
    return by_language


def import_transcripts(
    *,
    sessions: Sessions,
    fetcher: Fetcher,
    settings: Settings,
    clock: Clock,
    episode_id: int,
    links: Sequence[TranscriptLink],
    notes: list[str],
) -> tuple[int, int]:
    """Fetch and save the transcripts the episode lacks: how many were saved, and the bytes
    fetched."""
    if not links:
        return 0, 0
    with session_scope(sessions) as session:
        show_language = get_default_show(session, settings).language
        have = {r.language for r in repository.for_episode(session, episode_id)}
    fetched = saved = 0
    for language, candidates in choose(links, show_language, notes).items():
        if language in have:
            continue
        failures = []
        for candidate in candidates:
            try:
                _got, data = fetcher.get(candidate.link.url, limit=service.MAX_BYTES)
                fetched += len(data)
                if _save(sessions, settings, clock, episode_id, language, candidate, data):
                    saved += 1
                    notes.append(f"transcript {language} imported ({candidate.fmt.label})")
                break
            except FetchError as exc:
                failures.append(f"{exc.url}: {exc.reason}")
            except Conflict:
                break  # another import saved this language at the same moment
            except DomainError as exc:
                failures.append(f"{candidate.link.url}: {exc.detail}")
        else:
            if failures:
                notes.append(f"transcript {language} not imported: " + "; ".join(failures))
    return saved, fetched


def _save(
    sessions: Sessions,
    settings: Settings,
    clock: Clock,
    episode_id: int,
    language: str,
    candidate: Candidate,
    data: bytes,
) -> bool:
    """Save unless a transcript in ``language`` arrived meanwhile (a producer's upload wins)."""
    with session_scope(sessions) as session:
        if any(r.language == language for r in repository.for_episode(session, episode_id)):
            return False
        upload_transcript(
            session,
            get_default_show(session, settings),
            episode_id,
            data,
            language=language,
            media_type=candidate.fmt.media_type,
            filename=candidate.link.url.rsplit("/", 1)[-1].split("?", 1)[0] or None,
            producer=True,
            now=clock.now(),
        )
        return True
