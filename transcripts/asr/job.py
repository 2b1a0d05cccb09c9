"""The ``transcribe`` job: an episode's audio to an automatic draft transcript (docs/asr.md).

A job's payload names the episode, the language (a BCP 47 tag, or ``auto`` to detect it) and
the content key of the audio it was queued for. The handler checks that key before it starts
and again, with the audio row locked, in the transaction that saves: a job for audio that has
since been replaced does nothing (the replacement also cancels it; see
:func:`transcribe_new_audio`). It saves with ``origin="automatic"``, so a transcript a producer
uploaded or edited is never replaced: that ends the job as done, with a message saying why.
Other errors (storage, a damaged file) raise, and the queue retries with backoff.

Transcription runs on the process's one transcription thread at a lower CPU priority
(:mod:`transcripts.asr.lane`), with the model loaded once per process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import IO, Any, Protocol, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from episodes.events import on_audio_changed
from episodes.models import AudioFile, Episode
from podcast.core.clock import Clock
from podcast.core.db import Sessions, session_scope
from podcast.core.errors import Conflict, Invalid
from podcast.core.jobs import UNFINISHED, Deferred, Job, cancel, enqueue
from podcast.core.languages import parse_language_tag
from podcast.core.settings import Settings
from podcast.media import Storage, open_storage
from podcast.shows.models import Show
from transcripts import repository, service
from transcripts.asr import lane
from transcripts.asr.grouping import words_to_cues
from transcripts.asr.model import INSTALL_HINT, AsrUnavailable, asr_status
from transcripts.asr.transcriber import TranscriptionCancelled, transcribe, whisper_language
from transcripts.cues import Transcript
from transcripts.languages import primary

__all__ = [
    "AUTO",
    "KIND",
    "JobControl",
    "auto_transcribe",
    "cancel_for_episode",
    "check_request",
    "latest_for_episode",
    "payload_for",
    "queue_transcription",
    "request_transcription",
    "requested_language",
    "transcribe_handler_for",
    "transcribe_new_audio",
]

log = logging.getLogger(__name__)

KIND = "transcribe"
AUTO = "auto"
SOURCE_FORMAT = "asr"  # the stored ``source_format`` of a draft: no file was read
# Attempts and backoff: a transcription that fails for a passing reason (storage, memory) is
# tried again a minute later, then two, four; a broken file fails the same way every time.
MAX_ATTEMPTS = 4
BACKOFF_SECONDS = 60.0
# A job finding its worker busy with another transcription is queued again this much later.
WAIT_SECONDS = 60.0


class AudioMissing(RuntimeError):
    """The audio a job is for is not in storage (yet, with an S3 store being repaired)."""


class JobControl(Protocol):
    """What the handler needs of a ``JobContext``: the CLI passes its own."""

    def progress(self, fraction: float, message: str | None = None) -> None: ...

    def cancelled(self) -> bool: ...


def auto_transcribe(settings: Settings) -> bool:
    """Whether new audio is transcribed by itself: when speech recognition is installed and
    its model is there, unless ``PODCAST_AUTO_TRANSCRIBE`` is false. (True without speech
    recognition queues nothing: no worker could run the jobs.)"""
    if settings.auto_transcribe is False:
        return False
    status = asr_status(settings)
    if not status.available and settings.auto_transcribe:
        log.warning("PODCAST_AUTO_TRANSCRIBE is on, but %s", status.reason)
    return status.available


def _key_prefix(episode_id: int) -> str:
    return f"{KIND}:{episode_id}:"


def _dedupe_key(episode_id: int, language: str) -> str:
    return f"{_key_prefix(episode_id)}{language}"


def requested_language(language: str | None, show: Show) -> str:
    """The language a request names, checked: the show's when none, ``auto`` to detect, else a
    BCP 47 tag Whisper knows (``Invalid`` on the field ``language`` otherwise)."""
    if language is None or not language.strip():
        language = show.language
    if language.strip().lower() == AUTO:
        return AUTO
    tag = parse_language_tag(language)
    try:
        whisper_language(tag)
    except ImportError:
        raise AsrUnavailable(f"faster-whisper is not installed: {INSTALL_HINT}") from None
    return tag


def queue_transcription(session: Session, episode: Episode, language: str) -> Job:
    """Queue (in the caller's unit of work) a transcription of ``episode``'s current audio in
    ``language`` (a checked tag or ``auto``). An unfinished job for the same audio and language
    is returned instead of queuing a second one."""
    payload = payload_for(episode, language)
    key = _dedupe_key(episode.id, language)
    for job in session.scalars(
        select(Job).where(Job.dedupe_key == key, Job.status.in_(UNFINISHED))
    ):
        if job.payload == payload:
            return job
        cancel(session, job.id)  # queued for audio since replaced
    return enqueue(session, KIND, payload, dedupe_key=key, max_attempts=MAX_ATTEMPTS)


def check_request(
    session: Session, settings: Settings, episode: Episode, show: Show, language: str | None
) -> str:
    """Whether a producer's request for a draft (API, admin, CLI) can be met; the language to
    transcribe in. Checked in the order a producer can act on: the episode has audio
    (``Invalid``), speech recognition is installed (``AsrUnavailable``, 503), the language
    (``Invalid``), and no producer's transcript in it (``Conflict``)."""
    if episode.audio is None:
        raise Invalid(
            "the episode has no audio to transcribe: upload its audio first", field="audio"
        )
    status = asr_status(settings)
    if not status.available:
        raise AsrUnavailable(f"speech recognition is not available: {status.reason}")
    tag = requested_language(language, show)
    if tag != AUTO and _has_producer_transcript(session, episode.id, tag):
        raise Conflict(
            f"the {tag} transcript was written or edited by a producer, and speech recognition "
            "never replaces it; delete it first to make a new draft",
            field="language",
        )
    return tag


def request_transcription(
    session: Session, settings: Settings, episode: Episode, show: Show, language: str | None
) -> Job:
    """Queue a draft a producer asked for, after :func:`check_request`."""
    tag = check_request(session, settings, episode, show, language)
    return queue_transcription(session, episode, tag)


def payload_for(episode: Episode, language: str) -> dict[str, Any]:
    """What a ``transcribe`` job carries: the audio's key, so a job for replaced audio stops."""
    if episode.audio is None:
        raise Invalid("the episode has no audio to transcribe", field="audio")
    return {"episode_id": episode.id, "language": language, "audio_key": episode.audio.key}


def cancel_for_episode(session: Session, episode_id: int) -> list[Job]:
    """Cancel every unfinished transcription of the episode (its audio was replaced): a queued
    one never starts, a running one stops at its next segment and saves nothing."""
    prefix = _key_prefix(episode_id)
    ids = session.scalars(
        select(Job.id).where(
            Job.kind == KIND, Job.status.in_(UNFINISHED), Job.dedupe_key.startswith(prefix)
        )
    )
    return [job for job_id in list(ids) for job in cancel(session, job_id)]


def latest_for_episode(session: Session, episode_id: int) -> Job | None:
    """The episode's most recent transcription job, whatever its state (the admin shows it)."""
    return session.scalars(
        select(Job)
        .where(Job.kind == KIND, Job.dedupe_key.startswith(_key_prefix(episode_id)))
        .order_by(Job.created_at.desc(), Job.id)
        .limit(1)
    ).first()


def transcribe_new_audio(factory: Sessions, settings: Settings) -> None:
    """On every audio upload or replacement through a session of ``factory``: cancel the
    episode's unfinished transcriptions and, when :func:`auto_transcribe`, queue one of the new
    audio in the show's language (handed to the queue once the upload commits)."""
    enabled = auto_transcribe(settings)

    def queue(session: Session, *, episode_id: int, key: str, previous_key: str | None) -> None:
        if previous_key is not None:
            cancel_for_episode(session, episode_id)
        if not enabled:
            return
        episode = session.get(Episode, episode_id)
        if episode is None:
            return
        show = session.get(Show, episode.show_id)
        language = show.language if show is not None else AUTO
        if _has_producer_transcript(session, episode_id, language):
            return  # nothing speech recognition would be allowed to replace
        queue_transcription(session, episode, language)

    on_audio_changed(factory, queue)


def _has_producer_transcript(session: Session, episode_id: int, language: str) -> bool:
    return any(
        record.language == language and not service.replaceable_by_asr(record)
        for record in repository.for_episode(session, episode_id)
    )


def _current_audio_key(session: Session, episode_id: int, *, lock: bool) -> str | None:
    query = select(AudioFile.key).where(AudioFile.episode_id == episode_id)
    if lock:  # PostgreSQL: a replacement waits for this save, or this save sees it
        query = query.with_for_update()
    return session.scalar(query)


def _saved_language(detected: str, requested: str, show_language: str) -> str:
    """The tag to store: the one asked for; when detected, the show's own tag if it is the
    same language (``en`` found in an ``en-GB`` show is stored as ``en-GB``)."""
    if requested != AUTO:
        return requested
    if primary(show_language) == detected:
        return show_language
    return detected


def transcribe_handler_for(
    settings: Settings,
    sessions: Sessions,
    clock: Clock,
    storage: Storage | None = None,
) -> Callable[[JobControl, dict[str, Any]], dict[str, Any]]:
    """The ``transcribe`` handler; ``storage`` defaults to the one ``settings`` name."""
    store = storage or open_storage(settings)

    def handle(ctx: JobControl, payload: dict[str, Any]) -> dict[str, Any]:
        episode_id = int(payload["episode_id"])
        language = str(payload.get("language") or AUTO)
        audio_key = str(payload["audio_key"])
        with session_scope(sessions) as session:
            episode = session.get(Episode, episode_id)
            if episode is None:
                return _done(ctx, "The episode was deleted; nothing to transcribe.")
            if _current_audio_key(session, episode_id, lock=False) != audio_key:
                return _done(ctx, "The audio was replaced; its own job transcribes it.")
            if language != AUTO and _has_producer_transcript(session, episode_id, language):
                return _done(ctx, _conflict_message(language))
        if lane.busy():  # free this worker's thread for other jobs meanwhile
            raise Deferred(WAIT_SECONDS, "Waiting: this worker is transcribing another episode.")

        def recognise() -> Any:
            ctx.progress(0.0, "Preparing the speech model and reading the audio.")
            try:
                stream = store.open(audio_key)
            except FileNotFoundError:
                raise AudioMissing(
                    f"the episode's audio ({audio_key}) is not in the media store"
                ) from None
            with stream as audio:
                return transcribe(
                    cast(IO[bytes], audio),
                    settings=settings,
                    language=language,
                    progress=lambda f: ctx.progress(f, "Transcribing."),
                    cancelled=ctx.cancelled,
                )

        try:
            result = lane.run(recognise, nice=settings.asr_nice)
        except TranscriptionCancelled:
            return {"cancelled": True}
        cues = words_to_cues(result.words)
        if not cues:
            return _done(ctx, "No speech was recognised in the audio; nothing was saved.")
        with session_scope(sessions) as session:
            if _current_audio_key(session, episode_id, lock=True) != audio_key:
                return _done(ctx, "The audio was replaced meanwhile; nothing was saved.")
            episode = session.get(Episode, episode_id)
            show = session.get(Show, episode.show_id) if episode is not None else None
            if episode is None or show is None:
                return _done(ctx, "The episode was deleted; nothing was saved.")
            tag = _saved_language(result.language, language, show.language)
            parsed = service.Parsed(Transcript(tag, tuple(cues)), SOURCE_FORMAT)
            try:
                saved = service.save(session, episode, parsed, clock.now(), origin="automatic")
            except Conflict as exc:
                return _done(ctx, f"Not saved: {exc.message}.", conflict=True)
            outcome = {
                "episode_id": episode_id,
                "language": tag,
                "detected_language": result.language,
                "cues": len(cues),
                "words": len(result.words),
                "duration": round(result.duration, 3),
                "created": saved.created,
            }
        ctx.progress(
            1.0, f"Saved an automatic {tag} transcript: {len(cues)} cues, not yet reviewed."
        )
        return outcome

    return handle


def _conflict_message(language: str) -> str:
    return (
        f"Not transcribed: the {language} transcript was written or edited by a producer, "
        "and speech recognition never replaces it."
    )


def _done(ctx: JobControl, message: str, *, conflict: bool = False) -> dict[str, Any]:
    ctx.progress(1.0, message)
    return {"skipped": message, "conflict": conflict}
