"""Moving a show here: its feed read, each episode brought over whole or not at all.

The rules that keep every subscriber (docs/imports.md):

* **Identity is kept exactly**: each item's GUID and the show's ``podcast:guid`` are copied as
  written; an item without a GUID gets its enclosure URL as its GUID (what apps identified it
  by until now) and the report says so.
* **Episode by episode, all or nothing**: an episode's audio is downloaded and checked first
  (through the same ingest as an upload: format, tags, content-addressed storage), then one
  unit of work creates the episode, stores its audio and chapters, and publishes it with its
  original date. A crash, a refused file or a broken download leaves that episode absent,
  never half there, and never published without its audio.
* **Idempotent and resumable**: episodes are matched by GUID; one that is already here with
  its audio only gets the fields that changed, and its audio is not downloaded again. Running
  the import again after an interruption continues where it stopped.
* **Downloads overlap** (``PODCAST_IMPORT_CONCURRENCY`` episodes at a time, each streamed to
  storage, never in memory), so the whole takes about as long as the slowest few, in flat
  memory. Progress counts episodes as they finish and bytes as they arrive.
* **Stops cleanly when cancelled**: ``cancelled()`` (the job's) is asked before each episode
  and as its audio arrives; once it says yes, no episode starts and the downloads under way
  are dropped (their staged bytes discarded), so the episodes saved so far stay, none is half
  there, and a later run brings over the rest.
* **Into this installation's show**: ``show`` (``--show``) may only name it; the show is
  created from the settings if it does not exist yet, then takes the old feed's values.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from episodes import ingest
from episodes import repository as episode_repository
from episodes import service as episode_service
from episodes.audio import AudioInfo
from episodes.chapters import AudioChapter, sanitise
from episodes.models import Chapter, Episode
from episodes.schemas import EpisodeCreate, EpisodeUpdate
from podcast.core.clock import Clock
from podcast.core.db import Sessions, session_scope
from podcast.core.errors import DomainError
from podcast.core.settings import Settings
from podcast.imports.artwork import fetch_artwork, wanted
from podcast.imports.fetch import Fetcher, FetchError
from podcast.imports.mapping import (
    changed_fields,
    chapters_from_json,
    chapters_from_marks,
    episode_values,
    show_values,
)
from podcast.imports.parse import FeedParseError, parse_feed
from podcast.imports.source import SourceEpisode, SourceFeed
from podcast.imports.transcripts import import_transcripts
from podcast.media import Storage
from podcast.media.images import Picture
from podcast.media.uploads import Received, receive_chunks
from podcast.shows.artwork import replace_show_artwork
from podcast.shows.models import Show
from podcast.shows.schemas import ShowUpdate
from podcast.shows.service import (
    ensure_default_show,
    get_default_show,
    require_show_slug,
    update_show,
)

FEED_LIMIT = 50 * 1024 * 1024
CHAPTERS_LIMIT = 1024 * 1024
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.1"
# Seconds between progress reports while bytes arrive (each finished episode is reported at
# once): often enough for a bar, rarely enough for a job that writes each report to its row.
PROGRESS_INTERVAL = 0.25


class Outcome(StrEnum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


@dataclass
class ItemResult:
    position: int
    guid: str
    title: str
    outcome: Outcome
    reason: str | None = None  # why skipped
    notes: list[str] = field(default_factory=list)  # values left out, GUID made up, ...
    bytes: int = 0
    episode_id: int | None = None


@dataclass
class ImportReport:
    url: str
    dry_run: bool
    show_title: str = ""
    show_changes: list[str] = field(default_factory=list)
    show_notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    items: list[ItemResult] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    # Cancelled part-way: items never reached are not in ``items``; this many of them.
    cancelled: bool = False
    not_reached: int = 0

    def count(self, outcome: Outcome) -> int:
        return sum(1 for item in self.items if item.outcome is outcome)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "dry_run": self.dry_run,
            "show_title": self.show_title,
            "show_changes": self.show_changes,
            "show_notes": self.show_notes,
            "warnings": self.warnings,
            "counts": {o.value: self.count(o) for o in Outcome},
            "items": [{**vars(item), "outcome": item.outcome.value} for item in self.items],
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "cancelled": self.cancelled,
            "not_reached": self.not_reached,
        }


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    since: datetime | None = None  # only items published on or after this
    media: bool = True  # False: metadata only; episodes stay drafts
    concurrency: int | None = None  # episodes at once; None: PODCAST_IMPORT_CONCURRENCY
    show: str | None = None  # the show's slug (--show): only this installation's; None: it


@dataclass(frozen=True)
class Progress:
    items_done: int
    items_total: int
    bytes: int  # downloaded so far (audio, art, transcripts): the report's bytes at the end


class Importer:
    """One import run; the same object serves the CLI (with a progress bar) and the job."""

    def __init__(
        self,
        *,
        sessions: Sessions,
        storage: Storage,
        settings: Settings,
        clock: Clock,
        fetcher: Fetcher,
        progress: Callable[[Progress], None] | None = None,
        cancelled: Callable[[], bool] | None = None,
    ) -> None:
        self._sessions = sessions
        self._storage = storage
        self._settings = settings
        self._clock = clock
        self._fetcher = fetcher
        self._progress = progress
        self._cancelled = cancelled
        self._stop = threading.Event()  # set once ``cancelled()`` said yes
        self._lock = threading.Lock()  # the counters below
        # Held while a snapshot is handed to ``progress``: the callback sees them in order.
        self._report_lock = threading.Lock()
        self._reported = 0.0  # time.monotonic() of the last report
        self._done = 0
        self._total = 0
        self._bytes = 0
        self._show_image: str | None = None

    def run(self, url: str, options: ImportOptions) -> ImportReport:
        """Import the feed at ``url``; raises :class:`FetchError` or ``FeedParseError`` when
        there is no feed to read (nothing is written then)."""
        started = time.monotonic()
        require_show_slug(self._settings, options.show)  # before anything is fetched
        report = ImportReport(url=url, dry_run=options.dry_run)
        download, data = self._fetcher.get(url, limit=FEED_LIMIT, accept=FEED_ACCEPT)
        source = parse_feed(data, download.url)
        report.warnings.extend(source.warnings)
        report.show_title = source.show.title
        self._show_image = source.show.image_url
        show_bytes = self._import_show(source, report, options)
        items = self._select(source, report, options)
        self._total = len(items)
        self._report_progress()
        concurrency = options.concurrency or self._settings.import_concurrency
        with ThreadPoolExecutor(max(1, concurrency)) as pool:
            results = list(pool.map(lambda item: self._item(item, options), items))
        reached = [result for result in results if result is not None]
        report.items.extend(reached)
        report.not_reached = len(results) - len(reached)
        report.cancelled = self._stop.is_set()
        report.items.sort(key=lambda item: item.position)
        report.bytes = show_bytes + sum(item.bytes for item in report.items)
        report.seconds = time.monotonic() - started
        return report

    # -- the show ---------------------------------------------------------------------------

    def _import_show(self, source: SourceFeed, report: ImportReport, options: ImportOptions) -> int:
        """The show's fields, ``podcast:guid`` and artwork; returns the bytes downloaded."""
        values = show_values(source.show, report.show_notes)
        image = source.show.image_url
        with session_scope(self._sessions) as session:
            show = ensure_default_show(session, self._settings, self._clock.now())
            changes = changed_fields(ShowUpdate, show, values)
            guid = source.show.podcast_guid
            if guid and guid != show.podcast_guid:
                report.show_changes.append("podcast_guid")
            report.show_changes.extend(sorted(changes))
            new_art = wanted(image, show.artwork_key, show.artwork_source_url)
            if new_art:
                report.show_changes.append("artwork")
            if options.dry_run:
                session.rollback()
                return 0
            update_show(show, ShowUpdate.model_validate(changes), self._clock.now())
            if guid and guid != show.podcast_guid:
                show.podcast_guid = guid  # kept exactly: it names the show across hosts
            # The feed check and the admin say how to leave it, until a producer clears it.
            show.moved_from_url = report.url
        if not new_art or image is None:
            return 0
        picture, fetched = fetch_artwork(self._fetcher, image, report.show_notes)
        self._fetched(None, fetched)
        if picture is None:
            report.show_changes.remove("artwork")
            return fetched
        with session_scope(self._sessions) as session:
            show = get_default_show(session, self._settings)
            replace_show_artwork(
                session, self._storage, show, picture, self._clock.now(), source_url=image
            )
        return fetched

    # -- choosing items ---------------------------------------------------------------------

    def _select(
        self, source: SourceFeed, report: ImportReport, options: ImportOptions
    ) -> list[SourceEpisode]:
        chosen: list[SourceEpisode] = []
        first_seen: dict[str, int] = {}
        for item in source.episodes:
            skip = None
            if not item.guid:
                skip = "no GUID and no enclosure: nothing identifies it or can be heard"
            elif item.guid in first_seen:
                skip = f"duplicate GUID (the same as item {first_seen[item.guid]})"
            elif options.since and (item.published is None or item.published < options.since):
                skip = f"published before {options.since:%Y-%m-%d} (--since)"
            if skip:
                report.items.append(
                    ItemResult(item.position, item.guid, item.title, Outcome.SKIPPED, skip)
                )
                continue
            first_seen[item.guid] = item.position
            chosen.append(item)
        return chosen

    # -- cancelling -------------------------------------------------------------------------

    def stopping(self) -> bool:
        """Whether to stop: ``cancelled()`` said so (asked until it does, then remembered)."""
        if self._stop.is_set():
            return True
        if self._cancelled is not None and self._cancelled():
            self._stop.set()
        return self._stop.is_set()

    # -- one episode ------------------------------------------------------------------------

    def _item(self, item: SourceEpisode, options: ImportOptions) -> ItemResult | None:
        """The item's result; None when the import was cancelled before it was done."""
        if self.stopping():
            return None
        result = ItemResult(item.position, item.guid, item.title, Outcome.UNCHANGED)
        if item.guid_from_enclosure:
            result.notes.append("no GUID in the source: its enclosure URL is its GUID")
        try:
            self._import_item(item, options, result)
        except _Stopping:
            return None  # its download was dropped, nothing of it stored
        except (FetchError, DomainError) as exc:
            result.outcome, result.reason = Outcome.SKIPPED, _reason(exc)
        with self._lock:
            self._done += 1
        self._report_progress()
        return result

    def _import_item(self, item: SourceEpisode, options: ImportOptions, result: ItemResult) -> None:
        values = episode_values(item, result.notes)
        art = False  # an episode already here gets the old host's new item art
        with session_scope(self._sessions) as session:
            existing = episode_repository.get_by_guid(session, item.guid)
            if existing is not None and existing.show_id != _show_id(session, self._settings):
                raise _Skip("duplicate GUID: another show here already has an item with it")
            if existing is not None and (existing.audio is not None or not options.media):
                result.episode_id = existing.id
                changes = changed_fields(EpisodeUpdate, existing, values)
                if changes:
                    result.outcome = Outcome.UPDATED
                    result.notes.append("changed: " + ", ".join(sorted(changes)))
                    if not options.dry_run:
                        episode_service.update_episode(
                            session,
                            existing,
                            EpisodeUpdate.model_validate(changes),
                            self._clock.now(),
                        )
                art = wanted(
                    self._item_image(item), existing.artwork_key, existing.artwork_source_url
                )
                if options.dry_run:
                    session.rollback()
        if result.episode_id is not None:
            if art and not options.dry_run:
                self._replace_artwork(item, result)
            self._transcripts(item, result, options)
            return
        result.outcome = Outcome.IMPORTED
        if not options.media:
            if not options.dry_run:
                picture = self._picture(item, result)
                result.episode_id = self._create(item, values, None, [], picture, result)
                self._transcripts(item, result, options)
            result.notes.append("no media (--no-media): kept as a draft")
            return
        if item.enclosure is None:
            raise _Skip("no enclosure: there is nothing to listen to")
        if options.dry_run:
            if item.enclosure.length:
                result.bytes = item.enclosure.length
            return
        chapters = self._chapters(item, result)
        picture = self._picture(item, result)
        received = self._download(item, result)
        try:
            info = ingest.inspect(received)
            audio = (received, info)
            result.episode_id = self._create(item, values, audio, chapters, picture, result)
        finally:
            received.discard()
        self._transcripts(item, result, options)

    def _item_image(self, item: SourceEpisode) -> str | None:
        """The item's own art; None when it only repeats the show's (most hosts do)."""
        return item.image_url if item.image_url != self._show_image else None

    def _picture(self, item: SourceEpisode, result: ItemResult) -> Picture | None:
        url = self._item_image(item)
        if url is None:
            return None
        picture, fetched = fetch_artwork(self._fetcher, url, result.notes)
        self._fetched(result, fetched)
        return picture

    def _replace_artwork(self, item: SourceEpisode, result: ItemResult) -> None:
        """New art on the old host for an episode already here (whose art an import set)."""
        picture = self._picture(item, result)
        if picture is None or result.episode_id is None:
            return
        with session_scope(self._sessions) as session:
            episode = session.get(Episode, result.episode_id)
            if episode is None:
                return
            episode_service.replace_episode_artwork(
                session,
                self._storage,
                episode,
                picture,
                self._clock.now(),
                source_url=item.image_url,
            )
        result.outcome = Outcome.UPDATED
        result.notes.append("changed: artwork")

    def _transcripts(self, item: SourceEpisode, result: ItemResult, options: ImportOptions) -> None:
        """The transcripts the feed links that the episode lacks (``imports/transcripts.py``)."""
        if options.dry_run or result.episode_id is None or not item.transcripts:
            return
        saved, fetched = import_transcripts(
            sessions=self._sessions,
            fetcher=self._fetcher,
            settings=self._settings,
            clock=self._clock,
            episode_id=result.episode_id,
            links=item.transcripts,
            notes=result.notes,
        )
        self._fetched(result, fetched)
        if saved and result.outcome is Outcome.UNCHANGED:
            result.outcome = Outcome.UPDATED

    def _download(self, item: SourceEpisode, result: ItemResult) -> Received:
        assert item.enclosure is not None
        limit = self._settings.max_upload_bytes
        with self._fetcher.open(
            item.enclosure.url, limit=limit, accept="audio/*, */*;q=0.1"
        ) as got:
            name = got.url.rsplit("/", 1)[-1].split("?", 1)[0] or None
            return receive_chunks(
                got.chunks, self._storage, limit, name, lambda n: self._arrived(result, n)
            )

    def _arrived(self, result: ItemResult, n: int) -> None:
        """A piece of an episode's audio arrived: counted; the download is dropped (its
        staged bytes discarded by ``receive_chunks``) if the import was cancelled."""
        self._fetched(result, n)
        if self.stopping():
            raise _Stopping

    def _chapters(self, item: SourceEpisode, result: ItemResult) -> list[AudioChapter]:
        """Podcasting 2.0 JSON chapters if the item links them, else its Podlove chapters."""
        if item.chapters_url:
            try:
                _got, data = self._fetcher.get(item.chapters_url, limit=CHAPTERS_LIMIT)
                return chapters_from_json(json.loads(data))
            except (FetchError, ValueError) as exc:
                result.notes.append(f"chapters not imported: {_reason(exc)}")
        return chapters_from_marks(item.chapter_marks)

    def _create(
        self,
        item: SourceEpisode,
        values: dict[str, Any],
        audio: tuple[Received, AudioInfo] | None,
        chapters: list[AudioChapter],
        picture: Picture | None,
        result: ItemResult,
    ) -> int:
        try:
            return self._create_once(item, values, audio, chapters, picture, result)
        except (IntegrityError, episode_service.GuidTaken):
            # Another import of this feed created the episode between our look-up and our
            # insert (its unit of work rolled ours back): it is found by GUID this time.
            return self._create_once(item, values, audio, chapters, picture, result)

    def _create_once(
        self,
        item: SourceEpisode,
        values: dict[str, Any],
        audio: tuple[Received, AudioInfo] | None,
        chapters: list[AudioChapter],
        picture: Picture | None,
        result: ItemResult,
    ) -> int:
        now = self._clock.now()
        with session_scope(self._sessions) as session:
            show = get_default_show(session, self._settings)
            episode = episode_repository.get_by_guid(session, item.guid)
            if episode is not None and (audio is None or episode.audio is not None):
                result.outcome = Outcome.UNCHANGED
                result.notes.append("brought over by another import running at the same time")
                return episode.id
            if episode is None:
                episode = episode_service.create_episode(
                    session,
                    show,
                    EpisodeCreate.model_validate(values),
                    now,
                    guid=item.guid,
                    guid_is_permalink=item.guid_is_permalink,
                )
            if picture is not None and wanted(
                item.image_url, episode.artwork_key, episode.artwork_source_url
            ):
                # Before the audio: the old host's item art wins over a cover in the tags.
                episode_service.replace_episode_artwork(
                    session, self._storage, episode, picture, now, source_url=item.image_url
                )
            if audio is None:
                return episode.id
            received, info = audio
            ingested = ingest.replace_audio(session, self._storage, episode, received, info, now)
            for name in {"season", "episode_number"} & set(ingested.filled):
                # A number the old feed did not give (a bonus episode, say) is not taken from
                # the file's track or disc tag: apps would list the episode differently.
                setattr(episode, name, None)
            if chapters:
                duration_ms = round(info.duration * 1000)
                episode.chapters = [
                    Chapter(start_ms=c.start_ms, end_ms=c.end_ms, title=c.title, url=c.url)
                    for c in sanitise(chapters, duration_ms)
                ]
            published = item.published
            if published is None:
                result.notes.append("no date in the source: published now")
            # The old feed's date is the episode's real one: back-dating is the point.
            episode_service.publish(episode, published, now, backdate=True)
            session.flush()
            return episode.id

    def _fetched(self, result: ItemResult | None, n: int) -> None:
        """``n`` more bytes arrived for ``result`` (None: the show's): counted in the report
        and, every ``PROGRESS_INTERVAL``, reported while the download goes on."""
        if result is not None:
            result.bytes += n  # only this item's thread touches it
        with self._lock:
            self._bytes += n
            due = time.monotonic() - self._reported >= PROGRESS_INTERVAL
        if due:
            self._report_progress(wait=False)

    def _report_progress(self, *, wait: bool = True) -> None:
        """Hand the counts to ``progress``, one snapshot at a time and in order (with several
        downloads at once, an older snapshot must never arrive after a newer one). A byte
        report (``wait=False``) is dropped when another is being handed over: the download
        goes on, and the next report carries its bytes."""
        if self._progress is None:
            return
        if not self._report_lock.acquire(blocking=wait):
            return
        try:
            with self._lock:
                snapshot = Progress(self._done, self._total, self._bytes)
                self._reported = time.monotonic()
            self._progress(snapshot)
        finally:
            self._report_lock.release()


class _Skip(DomainError):
    """An item that cannot be imported; the report says why."""


class _Stopping(Exception):
    """Raised inside a download when the import was cancelled: drops the episode."""


def _reason(exc: Exception) -> str:
    if isinstance(exc, FetchError):
        return f"{exc.url}: {exc.reason}"
    if isinstance(exc, DomainError):
        return exc.detail
    return str(exc)


def unreadable(exc: FetchError | FeedParseError) -> str:
    """Why there is no feed to import, as ``podcast import`` says it."""
    return f"the feed could not be read: {exc}"


def _show_id(session: Any, settings: Settings) -> int:
    return session.scalar(select(Show.id).where(Show.slug == settings.show_slug))


__all__ = ["ImportOptions", "ImportReport", "Importer", "Outcome", "Progress"]
