"""Who is asking for an episode: the OPAWG podcast user-agents list (v2, MIT) applied as its
README says (docs/analytics.md, "Apps and bots").

The list's files are vendored in ``podcast/analytics/user_agents/`` with their licence and
source. ``podcast analytics agents-update DIR`` puts a newer copy in the data folder
(``user-agents/``), used from then on instead, after checking every pattern compiles and
matches its own examples (the package itself is never written to).

Matching: remove newlines, try bots, apps, libraries, browsers in that order, the first entry
whose pattern matches wins; a library whose category is ``bot`` (server-side HTTP clients)
counts as a bot. Devices are matched separately (not for bots). A browser is named by its
Referer when that is a known web app, or "this site's player" when the Referer is our page.

Classification is cached per User-Agent string (bounded): podcast apps send few distinct ones,
so the regular expressions run once per agent, not once per request.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

Kind = Literal["bot", "app", "library", "browser", "unknown"]

AGENTS_DIR = Path(__file__).parent / "user_agents"
# Order matters: the README's match order.
KIND_FILES: tuple[tuple[Kind, str], ...] = (
    ("bot", "bots.json"),
    ("app", "apps.json"),
    ("library", "libraries.json"),
    ("browser", "browsers.json"),
)
DATA_FILES = (*(name for _, name in KIND_FILES), "devices.json", "referrers.json")
UPDATED_DIR = "user-agents"  # in the data folder
OUR_PLAYER = "Web player (this site)"
UNKNOWN = "Unknown"


@dataclass(frozen=True, slots=True)
class Agent:
    """What a User-Agent (and Referer) say about a listener, without keeping either."""

    kind: Kind
    name: str  # the app, library or browser; UNKNOWN when nothing matched
    device: str  # e.g. "Apple iPhone"; UNKNOWN when nothing matched
    device_category: str  # mobile, computer, smart_speaker, ...; UNKNOWN when nothing matched

    @property
    def is_bot(self) -> bool:
        return self.kind == "bot"


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    pattern: re.Pattern[str]
    category: str | None
    examples: tuple[str, ...]


class AgentListError(ValueError):
    """A copy of the list that cannot be used: a bad pattern, or one missing its examples."""


def _entries(data: dict[str, Any], file: str) -> list[_Entry]:
    entries = []
    for position, raw in enumerate(data.get("entries", [])):
        try:
            pattern = re.compile(raw["pattern"])
        except (KeyError, re.error) as exc:
            raise AgentListError(f"{file}: entry {position} ({raw.get('name')!r}): {exc}") from None
        entries.append(
            _Entry(
                name=str(raw["name"]),
                pattern=pattern,
                category=raw.get("category"),
                examples=tuple(raw.get("examples", ())),
            )
        )
    return entries


@lru_cache(maxsize=16)
def _parsed(path: Path, mtime_ns: int, size: int) -> tuple[_Entry, ...]:
    """One file's entries, compiled once per process and version of the file: the lists hold
    more patterns than ``re``'s own cache, and every app (each test's too) loads them."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AgentListError(f"{path.name}: cannot be read: {exc}") from None
    return tuple(_entries(data, path.name))


def _first(entries: Iterable[_Entry], text: str) -> _Entry | None:
    return next((entry for entry in entries if entry.pattern.search(text)), None)


class AgentList:
    """The loaded list; :meth:`classify` is the one question callers ask."""

    def __init__(self, directory: Path = AGENTS_DIR, cache_size: int = 4096) -> None:
        self.directory = directory
        loaded = {name: self._load(directory / name) for name in DATA_FILES}
        self._kinds = [(kind, loaded[file]) for kind, file in KIND_FILES]
        self._devices = loaded["devices.json"]
        self._referrers = loaded["referrers.json"]
        self.classify = lru_cache(maxsize=cache_size)(self._classify)

    @staticmethod
    def _load(path: Path) -> tuple[_Entry, ...]:
        try:
            stat = path.stat()
        except OSError as exc:
            raise AgentListError(f"{path.name}: cannot be read: {exc}") from None
        return _parsed(path, stat.st_mtime_ns, stat.st_size)

    def _classify(self, user_agent: str, referer_host: str = "", own_host: str = "") -> Agent:
        text = user_agent.replace("\r", "").replace("\n", "")
        kind: Kind = "unknown"
        name = UNKNOWN
        for candidate, entries in self._kinds:
            entry = _first(entries, text)
            if entry is not None:
                kind, name = candidate, entry.name
                if candidate == "library" and entry.category == "bot":
                    kind = "bot"
                break
        if kind == "bot":
            return Agent("bot", name, UNKNOWN, UNKNOWN)
        if kind == "browser" and referer_host:
            if own_host and referer_host == own_host:
                name = OUR_PLAYER
            else:
                web_app = _first(self._referrers, referer_host)
                if web_app is not None:
                    name = web_app.name
        device = _first(self._devices, text)
        if device is None:
            return Agent(kind, name, UNKNOWN, UNKNOWN)
        return Agent(kind, name, device.name, device.category or UNKNOWN)

    def problems(self) -> list[str]:
        """Every example its own entry's pattern does not match: empty when the copy is sound."""
        found = []
        groups = [*self._kinds, ("device", self._devices)]
        for kind, entries in groups:
            for entry in entries:
                for example in entry.examples:
                    if not entry.pattern.search(example):
                        found.append(
                            f"{kind} {entry.name!r} does not match its example {example!r}"
                        )
        return found


def agents_dir(data_dir: Path) -> Path:
    """The copy in use: the data folder's, once ``agents-update`` put one there."""
    updated = data_dir / UPDATED_DIR
    return updated if (updated / "apps.json").is_file() else AGENTS_DIR


def check_copy(directory: Path) -> AgentList:
    """Load a copy of the list and refuse it unless every pattern matches its examples."""
    missing = [name for name in (*DATA_FILES, "LICENSE") if not (directory / name).is_file()]
    if missing:
        raise AgentListError(f"{directory} lacks {', '.join(missing)}")
    agents = AgentList(directory)
    problems = agents.problems()
    if problems:
        raise AgentListError("; ".join(problems[:5]))
    return agents
