"""Search across episodes: titles, show notes and transcript cues, public episodes only.

One function, :func:`search`, over two engines picked by the session's dialect: SQLite FTS5
(porter stemmer, ``bm25``) and PostgreSQL full text search (``english``, ``ts_rank``, GIN).
Both index through database triggers or generated columns (migration 0004), so the index
follows every write; visibility (published, time come; unreviewed automatic transcripts as
the show's setting says, ``transcripts.visibility``) is applied when querying.

Ranking and grouping, the same on both engines:

* episode hits come first, one per episode, ranked by relevance with the title weighing more
  than the summary and show notes (FTS5 column weights 10/3/1; tsvector weights A and B);
* then transcript hits, one per cue, at most ``per_episode`` per episode, by relevance.
* Relevance is computed over the ``CANDIDATES`` most recently added matching cues. Rarer
  terms are ranked over all their matches; a very common one (more than ``CANDIDATES``
  matching cues) is ranked among its newest mentions, which keeps every search fast.

Scores are not comparable between the engines; the order within a tier may differ slightly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any, Literal, Protocol

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Integer,
    Select,
    bindparam,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from episodes.models import Episode
from episodes.visibility import public_clause
from podcast.shows.models import Show
from transcripts.models import StoredCue, StoredTranscript
from transcripts.search_query import SearchQuery, parse_query
from transcripts.snippets import ELLIPSIS, START, STOP, safe_snippet
from transcripts.visibility import shown_clause

__all__ = [
    "CANDIDATES",
    "PER_EPISODE",
    "CueRange",
    "Hit",
    "Scope",
    "SearchPage",
    "cue_range",
    "engine_for",
    "search",
]

CANDIDATES = 2000
PER_EPISODE = 3
SNIPPET_WORDS = 24

HitKind = Literal["title", "notes", "transcript"]
Scope = Literal["all", "episodes", "transcripts"]


@dataclass(frozen=True, slots=True)
class Hit:
    kind: HitKind
    episode_id: int
    slug: str
    title: str
    snippet: str  # safe HTML: escaped text with <mark> around matches
    score: float
    language: str | None = None
    start_ms: int | None = None
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class SearchPage:
    hits: list[Hit]
    has_more: bool


@dataclass(frozen=True, slots=True)
class CueRange:
    """The lowest and highest cue id of some transcripts: FTS5 matches only rowids between
    them, so a search within one episode never walks the whole index."""

    lo: int
    hi: int


def cue_range(session: Session, where: ColumnElement[bool]) -> CueRange | None:
    """The ids of the cues of the transcripts ``where`` selects; None when there are none."""
    lo, hi = session.execute(
        select(func.min(StoredCue.id), func.max(StoredCue.id))
        .join(StoredTranscript, StoredTranscript.id == StoredCue.transcript_id)
        .where(where)
    ).one()
    return None if lo is None else CueRange(lo, hi)


@dataclass(frozen=True, slots=True)
class _EpisodeSnippet:
    kind: HitKind
    raw: str
    is_html: bool


class _Engine(Protocol):
    def episode_ranking(self, query: SearchQuery) -> Select[Any]:
        """``(episode_id, score)`` for every episode whose fields match; higher is better."""

    def cue_matches(self, query: SearchQuery, ids: CueRange | None = None) -> Select[Any]:
        """``(cue_id, score)`` for every matching cue (with ids in ``ids``, if given)."""

    def cue_candidates(self, query: SearchQuery, ids: CueRange | None = None) -> Select[Any]:
        """``(cue_id, score)`` for the newest ``CANDIDATES`` matching cues."""

    def episode_snippets(
        self, session: Session, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, _EpisodeSnippet]: ...

    def cue_snippets(
        self, session: Session, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, str]: ...


def _pick(title: str | None, summary: str | None, notes: str | None) -> _EpisodeSnippet:
    """The field that holds a marked match: the title, else the summary, else the notes."""
    if title and START in title:
        return _EpisodeSnippet("title", title, False)
    if summary and START in summary:
        return _EpisodeSnippet("notes", summary, False)
    return _EpisodeSnippet("notes", notes or summary or title or "", True)


class _Sqlite:
    _cues = table("transcript_cues_fts", column("rowid", Integer))
    _episodes = table("episodes_fts", column("rowid", Integer))
    _cues_ref: ColumnClause[Any] = literal_column("transcript_cues_fts")
    _episodes_ref: ColumnClause[Any] = literal_column("episodes_fts")

    def episode_ranking(self, query: SearchQuery) -> Select[Any]:
        score = -func.bm25(self._episodes_ref, 10.0, 3.0, 1.0)
        return select(self._episodes.c.rowid.label("episode_id"), score.label("score")).where(
            self._episodes_ref.op("MATCH")(query.fts5())
        )

    def cue_matches(self, query: SearchQuery, ids: CueRange | None = None) -> Select[Any]:
        statement = select(
            self._cues.c.rowid.label("cue_id"), (-func.bm25(self._cues_ref)).label("score")
        ).where(self._cues_ref.op("MATCH")(query.fts5()))
        if ids is not None:  # a rowid range FTS5 applies while matching
            statement = statement.where(self._cues.c.rowid.between(ids.lo, ids.hi))
        return statement

    def cue_candidates(self, query: SearchQuery, ids: CueRange | None = None) -> Select[Any]:
        matches = self.cue_matches(query, ids)
        return matches.order_by(self._cues.c.rowid.desc()).limit(CANDIDATES)

    @staticmethod
    def _marked(session: Session, table_name: str, columns: str, query: str, ids: Sequence[int]):
        # The rowid range goes to FTS5 and the list is checked row by row ("+rowid" is not
        # offered to FTS5): one pass over the matches, where "rowid IN" would evaluate the
        # MATCH once per id (slow for prefix queries, which FTS5 materialises each time).
        statement = text(
            f"SELECT rowid, {columns} FROM {table_name} WHERE {table_name} MATCH :q "
            f"AND rowid BETWEEN :lo AND :hi AND +rowid IN :ids"
        ).bindparams(bindparam("ids", expanding=True))
        return session.execute(
            statement, {"q": query, "lo": min(ids), "hi": max(ids), "ids": list(ids)}
        ).all()

    def episode_snippets(
        self, session: Session, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, _EpisodeSnippet]:
        marks = f"'{START}', '{STOP}'"
        columns = (
            f"highlight(episodes_fts, 0, {marks}), "
            f"snippet(episodes_fts, 1, {marks}, '{ELLIPSIS}', {SNIPPET_WORDS}), "
            f"snippet(episodes_fts, 2, {marks}, '{ELLIPSIS}', {SNIPPET_WORDS})"
        )
        rows = self._marked(session, "episodes_fts", columns, query.fts5(), ids)
        return {row[0]: _pick(row[1], row[2], row[3]) for row in rows}

    def cue_snippets(
        self, session: Session, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, str]:
        columns = (
            f"snippet(transcript_cues_fts, 0, '{START}', '{STOP}', '{ELLIPSIS}', {SNIPPET_WORDS})"
        )
        rows = self._marked(session, "transcript_cues_fts", columns, query.fts5(), ids)
        return {row[0]: row[1] for row in rows}


_REGCONFIG: ColumnClause[Any] = literal_column("'english'::regconfig")
# Must stay the expression of the index ix_episodes_search (migration 0004).
_EPISODE_VECTOR: ColumnClause[Any] = literal_column(
    "setweight(to_tsvector('english'::regconfig, episodes.title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, episodes.summary || ' ' || "
    "episodes.show_notes_html), 'B')"
)
_CUE_VECTOR: ColumnClause[Any] = literal_column("transcript_cues.search_vector")
_HEADLINE = (
    f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, "
    f"MinWords={SNIPPET_WORDS // 2}, ShortWord=2"
)


class _Postgres:
    @staticmethod
    def _tsquery(query: SearchQuery) -> ColumnElement[Any]:
        # Prefix terms go through to_tsquery, which is safe here because words are only
        # letters and digits (see search_query); everything else through phraseto_tsquery.
        parts = [
            func.to_tsquery(_REGCONFIG, " <-> ".join(term.words) + ":*")
            if term.prefix
            else func.phraseto_tsquery(_REGCONFIG, " ".join(term.words))
            for term in query.terms
        ]
        return reduce(lambda left, right: left.op("&&")(right), parts)

    def episode_ranking(self, query: SearchQuery) -> Select[Any]:
        tsquery = self._tsquery(query)
        return select(
            Episode.id.label("episode_id"), func.ts_rank(_EPISODE_VECTOR, tsquery).label("score")
        ).where(_EPISODE_VECTOR.op("@@")(tsquery))

    def cue_matches(self, query: SearchQuery, ids: CueRange | None = None) -> Select[Any]:
        tsquery = self._tsquery(query)
        statement = select(
            StoredCue.id.label("cue_id"), func.ts_rank(_CUE_VECTOR, tsquery).label("score")
        ).where(_CUE_VECTOR.op("@@")(tsquery))
        if ids is not None:
            statement = statement.where(StoredCue.id.between(ids.lo, ids.hi))
        return statement

    def cue_candidates(self, query: SearchQuery, ids: CueRange | None = None) -> Select[Any]:
        matches = self.cue_matches(query, ids)
        return matches.order_by(StoredCue.id.desc()).limit(CANDIDATES)

    def _headline(self, value: Any, query: SearchQuery, options: str) -> ColumnElement[str]:
        return func.ts_headline(_REGCONFIG, value, self._tsquery(query), literal(options))

    def episode_snippets(
        self, session: Session, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, _EpisodeSnippet]:
        rows = session.execute(
            select(
                Episode.id,
                self._headline(Episode.title, query, _HEADLINE + ", HighlightAll=true"),
                self._headline(Episode.summary, query, _HEADLINE),
                self._headline(Episode.show_notes_html, query, _HEADLINE),
            ).where(Episode.id.in_(ids))
        ).all()
        return {row[0]: _pick(row[1], row[2], row[3]) for row in rows}

    def cue_snippets(
        self, session: Session, query: SearchQuery, ids: Sequence[int]
    ) -> dict[int, str]:
        rows = session.execute(
            select(StoredCue.id, self._headline(StoredCue.text, query, _HEADLINE)).where(
                StoredCue.id.in_(ids)
            )
        ).all()
        return {row[0]: row[1] for row in rows}


def engine_for(session: Session) -> _Engine:
    """The search engine for the session's database (for ``transcripts.search_within``)."""
    return _engine(session)


def _engine(session: Session) -> _Engine:
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        return _Sqlite()
    if dialect == "postgresql":
        return _Postgres()
    raise NotImplementedError(f"search is not available on {dialect}")


def search(
    session: Session,
    text_query: str,
    *,
    show_id: int,
    now: datetime,
    limit: int = 20,
    offset: int = 0,
    per_episode: int = PER_EPISODE,
    scope: Scope = "all",
    episode_id: int | None = None,
) -> SearchPage:
    """One page of hits for what a listener typed; never raises for odd input.

    ``scope`` narrows the search to episode fields (``episodes``) or to transcript moments
    (``transcripts``), e.g. for a page that lists the moments under each episode;
    ``episode_id`` to one episode (its fields and its transcripts' cues, ranked as usual).
    """
    query = parse_query(text_query)
    if query.empty:
        return SearchPage([], False)
    engine = _engine(session)
    ids: CueRange | None = None
    if episode_id is not None:
        ids = cue_range(session, StoredTranscript.episode_id == episode_id)
        if ids is None and scope == "transcripts":
            return SearchPage([], False)
    visible = _visible_in_show(show_id, now, episode_id)
    wanted = offset + limit + 1  # one more than the page tells whether there is a next page
    episode_rows: list[Any] = []
    if scope != "transcripts":
        episode_rows = _episode_hits(session, engine, query, visible, wanted)
    page_episodes = episode_rows[offset : offset + limit + 1]
    cue_rows: list[Any] = []
    if len(page_episodes) <= limit and scope != "episodes" and (episode_id is None or ids):
        cue_offset = max(0, offset - len(episode_rows))
        cue_limit = limit + 1 - len(page_episodes)
        cue_rows = _cue_hits(
            session, engine, query, visible, ids, per_episode, cue_offset, cue_limit
        )
    has_more = len(page_episodes) + len(cue_rows) > limit
    rows = (page_episodes + cue_rows)[:limit]
    return SearchPage(_hydrate(session, engine, query, rows), has_more)


def _visible_in_show(show_id: int, now: datetime, episode_id: int | None) -> ColumnElement[bool]:
    visible = (Episode.show_id == show_id) & public_clause(now)
    return visible if episode_id is None else visible & (Episode.id == episode_id)


def _episode_hits(
    session: Session, engine: _Engine, query: SearchQuery, visible: ColumnElement[bool], wanted: int
) -> list[Any]:
    ranking = engine.episode_ranking(query).subquery()
    statement = (
        select(ranking.c.episode_id, ranking.c.score, literal(None).label("cue_id"))
        .join(Episode, Episode.id == ranking.c.episode_id)
        .where(visible)
        .order_by(ranking.c.score.desc(), ranking.c.episode_id.desc())
        .limit(wanted)
    )
    return list(session.execute(statement).all())


def _cue_hits(
    session: Session,
    engine: _Engine,
    query: SearchQuery,
    visible: ColumnElement[bool],
    ids: CueRange | None,
    per_episode: int,
    offset: int,
    limit: int,
) -> list[Any]:
    candidates = engine.cue_candidates(query, ids).subquery()
    nth = func.row_number().over(
        partition_by=StoredTranscript.episode_id,
        order_by=(candidates.c.score.desc(), candidates.c.cue_id.desc()),
    )
    ranked = (
        select(
            StoredTranscript.episode_id,
            candidates.c.score,
            candidates.c.cue_id,
            nth.label("nth"),
        )
        .select_from(candidates)
        .join(StoredCue, StoredCue.id == candidates.c.cue_id)
        .join(StoredTranscript, StoredTranscript.id == StoredCue.transcript_id)
        .join(Episode, Episode.id == StoredTranscript.episode_id)
        .join(Show, Show.id == Episode.show_id)
        .where(visible, shown_clause("web"))
        .subquery()
    )
    statement = (
        select(ranked.c.episode_id, ranked.c.score, ranked.c.cue_id)
        .where(ranked.c.nth <= per_episode)
        .order_by(ranked.c.score.desc(), ranked.c.cue_id.desc())
        .offset(offset)
        .limit(limit)
    )
    return list(session.execute(statement).all())


def _hydrate(
    session: Session, engine: _Engine, query: SearchQuery, rows: Sequence[Any]
) -> list[Hit]:
    """Titles, slugs, cue details and snippets for the page's rows only."""
    if not rows:
        return []
    episode_ids = sorted({row.episode_id for row in rows})
    cue_ids = sorted(row.cue_id for row in rows if row.cue_id is not None)
    hit_episode_ids = sorted(row.episode_id for row in rows if row.cue_id is None)
    episodes = {
        row.id: row
        for row in session.execute(
            select(Episode.id, Episode.slug, Episode.title).where(Episode.id.in_(episode_ids))
        )
    }
    cues = {
        row.id: row
        for row in session.execute(
            select(StoredCue.id, StoredCue.start_ms, StoredCue.speaker, StoredTranscript.language)
            .join(StoredTranscript, StoredTranscript.id == StoredCue.transcript_id)
            .where(StoredCue.id.in_(cue_ids))
        )
    }
    episode_snippets = (
        engine.episode_snippets(session, query, hit_episode_ids) if hit_episode_ids else {}
    )
    cue_snippets = engine.cue_snippets(session, query, cue_ids) if cue_ids else {}
    hits: list[Hit] = []
    for row in rows:
        episode = episodes[row.episode_id]
        if row.cue_id is None:
            found = episode_snippets.get(row.episode_id, _EpisodeSnippet("notes", "", False))
            hits.append(
                Hit(
                    kind=found.kind,
                    episode_id=episode.id,
                    slug=episode.slug,
                    title=episode.title,
                    snippet=safe_snippet(found.raw, is_html=found.is_html),
                    score=float(row.score),
                )
            )
            continue
        cue = cues[row.cue_id]
        hits.append(
            Hit(
                kind="transcript",
                episode_id=episode.id,
                slug=episode.slug,
                title=episode.title,
                snippet=safe_snippet(cue_snippets.get(row.cue_id, "")),
                score=float(row.score),
                language=cue.language,
                start_ms=cue.start_ms,
                speaker=cue.speaker,
            )
        )
    return hits


def rebuild_index(session: Session) -> str:
    """Rebuild the search index from the tables (after a restore, or a migration that lost
    triggers); what was done, for the command line. Normal writes never need this."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("transcript_cues_fts", "episodes_fts"):
            session.execute(text(f"INSERT INTO {name}({name}) VALUES ('rebuild')"))
            session.execute(text(f"INSERT INTO {name}({name}) VALUES ('optimize')"))
        return "rebuilt the FTS5 tables transcript_cues_fts and episodes_fts"
    if dialect == "postgresql":
        for name in ("ix_transcript_cues_search_vector", "ix_episodes_search"):
            session.execute(text(f"REINDEX INDEX {name}"))
        return "reindexed the GIN indexes (the tsvector column is generated, always current)"
    raise NotImplementedError(f"search is not available on {dialect}")
