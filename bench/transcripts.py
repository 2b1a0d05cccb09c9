"""Transcript figures: parse/render a 3-hour WebVTT, and SQLite search over ~9M words.

    .venv/bin/python bench/transcripts.py [--episodes 1000] [--keep DIR]

1. Parse and render a synthetic 3-hour WebVTT of 3,000 cues (3 speakers, 6-30 words a cue)
   with the project's formats; serve it once from the database without the render cache.
2. Build a SQLite database with migrations, then insert ``--episodes`` published episodes of
   one-hour transcripts (1,000 cues, ~9,000 words each) straight into the tables in bulk. The
   FTS5 index is maintained by the triggers during the insert (that is the "index build");
   an FTS5 ``rebuild`` from scratch is timed too.
3. Run a mix of listener-like queries through ``transcripts.search.search`` (ranking, the
   per-episode cap, hydration and snippets: everything but HTTP) and report median and p95.

Text is Zipf-distributed over a vocabulary of real English words (function words first, then
NHS/leadership words, then general words) plus pseudo-words for the long tail (names, rare
terms), so term frequencies look like speech: "the" is in most cues, "leadership" in ~1-2%.
Targets (issue 5): parse < 50 ms, search p95 < 20 ms, index build < 2 min.
"""

# ruff: noqa: E402  (imports follow the sys.path fix below)
from __future__ import annotations

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# transcripts package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from episodes.models import Episode
from podcast.core.db import make_engine, make_sessionmaker
from podcast.migrate import upgrade
from transcripts import repository, service
from transcripts.cues import Transcript
from transcripts.formats import FORMATS, RenderContext, parse_transcript
from transcripts.models import StoredCue, StoredTranscript
from transcripts.search import Scope, search

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FUNCTION = """the and to of a i that in it you is was we for so but they be this with have on
what it's not are as there at about all do just if or one like people my our know think
really me can them when would very had from more some been because their an which out up
then well he she were will get there's going i'm don't said how who by also those these""".split()
DOMAIN = """leadership team teams patients care staff nhs trust ward nurse nurses doctor
doctors compassion compassionate listening support change culture kindness leaders leader
leading wellbeing burnout resilience health social system community equity inclusion
psychological safety coaching conversation learning service services clinical colleagues
manager managers workforce pressure feedback trust values purpose together improvement
quality safety shift rota training mentoring development voice speak""".split()
GENERAL = """time work day year way thing things lot good new first last long great little
own other old right big high different small large next early young important few public
bad same able world life hand part child eye woman place week case point government company
number group problem fact make see come take want look use find give tell ask seem feel try
leave call question money story example family night idea home morning moment reason study
programme book water room mother area business power hour game line end member law car city
name president face others level office door health person art war history party result
morning evening meeting plan project report board budget data evidence research policy
strategy approach experience challenge journey practice role model network partnership""".split()
SYLLABLES = "ba ker lo min tra sen vi dor ul pra ke ton mar ell is ca ri no ve lan tu gra".split()
SPEAKERS = ["Lorna Krisson", "Ayo Barley", "Priya Natarajan", "Tom Oyelaran", "Zoë Hart"]

QUERIES: dict[str, list[str]] = {
    "topic word": ["resilience", "burnout", "coaching", "wellbeing", "equity", "mentoring"],
    "common word": ["leadership", "patients", "team", "people", "the"],
    "two words": ["psychological safety", "compassionate leadership", "staff feedback"],
    "phrase": ['"psychological safety"', '"speak up"', '"the team"'],
    "prefix": ["leader*", "compassion*", "resilien*", "mentor*"],
    "rare/name": ["Natarajan", "Oyelaran", "marlanke", "ulsenvi"],
    "no match": ["zzyzx", "quantum entanglement"],
}


def vocabulary(rnd: random.Random) -> list[str]:
    tail: set[str] = set()
    while len(tail) < 20_000:
        tail.add("".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4))))
    return FUNCTION + DOMAIN + GENERAL + sorted(tail)


class TextMaker:
    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.words = vocabulary(self.rnd)
        weights = [1 / (rank + 2) ** 1.07 for rank in range(len(self.words))]
        self.cumulative = list(itertools.accumulate(weights))

    def sentence(self, n: int) -> str:
        words = self.rnd.choices(self.words, cum_weights=self.cumulative, k=n)
        if self.rnd.random() < 0.05:  # names come up now and then
            words[self.rnd.randrange(n)] = self.rnd.choice(SPEAKERS).split()[-1]
        return " ".join(words).capitalize() + self.rnd.choice(".?.,")


def _stamp(ms: int) -> str:
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def long_vtt(maker: TextMaker, cues: int = 3000, hours: int = 3) -> str:
    step = hours * 3_600_000 // cues
    blocks = ["WEBVTT\n"]
    for i in range(cues):
        start = i * step
        speaker = SPEAKERS[maker.rnd.randrange(3)]
        text = maker.sentence(maker.rnd.randint(6, 30))
        blocks.append(f"{_stamp(start)} --> {_stamp(start + step - 40)}\n<v {speaker}>{text}\n")
    return "\n".join(blocks)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return runs


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18]


def bench_formats(maker: TextMaker) -> Transcript:
    data = long_vtt(maker).encode()
    transcript = parse_transcript(data, "en-GB", "text/vtt")
    words = sum(len(c.text.split()) for c in transcript.cues)
    print(f"## 3-hour WebVTT: {len(transcript.cues)} cues, {words} words, {len(data) / 1e3:.0f} kB")
    parse = timed(lambda: parse_transcript(data, "en-GB", "text/vtt"), 30)
    print(
        f"parse (decode + sniff + parse + validate)  median {statistics.median(parse):6.1f} ms"
        f"   max {max(parse):6.1f} ms   target < 50 ms"
    )
    for name, fmt in FORMATS.items():
        runs = timed(partial(fmt.render, transcript, RenderContext("Bench")), 20)
        print(f"render {name:4}{'':31}median {statistics.median(runs):6.1f} ms")
    return transcript


def build_library(session: Session, maker: TextMaker, episodes: int) -> tuple[int, float]:
    """Insert published episodes with one-hour transcripts in bulk; returns (words, seconds)."""
    show_id = session.execute(text("SELECT id FROM shows")).scalar_one()
    total_words = 0
    elapsed = 0.0
    for number in range(1, episodes + 1):
        cues = []
        for position in range(1000):
            sentence = maker.sentence(maker.rnd.randint(5, 13))
            total_words += sentence.count(" ") + 1
            cues.append(
                {
                    "position": position,
                    "start_ms": position * 3600,
                    "end_ms": position * 3600 + 3500,
                    "speaker": SPEAKERS[position % 2],
                    "text": sentence,
                }
            )
        notes = "<p>" + " ".join(maker.sentence(12) for _ in range(8)) + "</p>"
        started = time.perf_counter()
        episode_id = session.execute(
            insert(Episode).returning(Episode.id),
            {
                "show_id": show_id,
                "guid": f"bench-{number}",
                "slug": f"episode-{number}",
                "title": f"Episode {number}: {maker.sentence(5)}",
                "summary": maker.sentence(20),
                "show_notes": notes,
                "show_notes_format": "html",
                "show_notes_html": notes,
                "status": "published",
                "publish_at": NOW,
                "episode_type": "full",
                "explicit": False,
                "people": [],
                "keywords": [],
                "created_at": NOW,
                "updated_at": NOW,
            },
        ).scalar_one()
        transcript_id = session.execute(
            insert(StoredTranscript).returning(StoredTranscript.id),
            {
                "episode_id": episode_id,
                "language": "en-GB",
                "source_format": "vtt",
                "timed": True,
                "cue_count": len(cues),
                "duration_ms": 3_600_000,
                "content_sha256": "0" * 64,
                "created_at": NOW,
                "updated_at": NOW,
            },
        ).scalar_one()
        session.execute(insert(StoredCue), [{**c, "transcript_id": transcript_id} for c in cues])
        if number % 50 == 0:
            session.commit()
        elapsed += time.perf_counter() - started
    started = time.perf_counter()
    session.commit()
    return total_words, elapsed + time.perf_counter() - started


def bench_search(folder: Path, episodes: int, maker: TextMaker, long: Transcript) -> None:
    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    factory = make_sessionmaker(engine)
    with factory() as session:
        session.execute(
            text(
                "INSERT INTO shows (slug, title, description, author, owner_name, owner_email,"
                " language, category, explicit, show_type, podcast_guid, locked, funding, people,"
                " block, complete, created_at, updated_at)"
                " VALUES ('bench', 'Bench', '', 'a', 'o', 'o@example.org',"
                " 'en-GB', 'Business', 0, 'episodic', 'g', 1, '[]', '[]', 0, 0, :now, :now)"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
        session.commit()
        show_id = session.execute(text("SELECT id FROM shows")).scalar_one()
        words, seconds = build_library(session, maker, episodes)
        print(
            f"\n## Search over {episodes} one-hour episodes: "
            f"{episodes * 1000:,} cues, {words:,} words"
        )
        print(f"bulk insert, FTS5 index kept by triggers    {seconds:6.1f} s   target < 120 s")
        started = time.perf_counter()
        session.execute(
            text("INSERT INTO transcript_cues_fts(transcript_cues_fts) VALUES('rebuild')")
        )
        session.commit()
        print(f"FTS5 rebuild from scratch                   {time.perf_counter() - started:6.1f} s")
        session.execute(
            text("INSERT INTO transcript_cues_fts(transcript_cues_fts) VALUES('optimize')")
        )
        session.commit()
        size = (folder / "bench.db").stat().st_size / 1e6
        print(f"database size                               {size:6.0f} MB")

        # Serving a 3,000-cue transcript straight from the database (no render cache).
        record = repository.add(
            session,
            1,
            "cy",
            NOW,
            source_format="vtt",
            timed=True,
            cue_count=len(long.cues),
            duration_ms=long.duration_ms,
            content_sha256="1" * 64,
        )
        repository.replace_cues(session, record.id, long.cues)
        session.commit()
        episode = session.get(Episode, 1)
        assert episode is not None

        def serve() -> None:
            service.render_cache.clear()  # measure a miss every time
            service.render(session, episode, record, FORMATS["vtt"])

        runs = timed(serve, 20)
        print(
            f"serve 3,000-cue .vtt from the DB, uncached  median {statistics.median(runs):6.1f} ms"
        )

        for scope in ("all", "transcripts"):
            run_queries(session, show_id, scope)
    engine.dispose()


def run_queries(session: Session, show_id: int, scope: Scope) -> None:
    """The query mix, 15 runs each. ``all`` is what /api/search does (episode hits first,
    which on this data fill page one for most words); ``transcripts`` always ranks cues."""
    print(f"\nscope={scope:12}                  hits  median ms   p95 ms")
    all_runs: list[float] = []
    per_kind: dict[str, list[float]] = {}
    for kind, queries in QUERIES.items():
        for q in queries:

            def once(q: str = q) -> int:
                return len(search(session, q, show_id=show_id, now=NOW, scope=scope).hits)

            once()  # warm the page cache
            runs = timed(once, 15)
            all_runs += runs
            per_kind.setdefault(kind, []).extend(runs)
            print(f"{q[:32]:32} {once():6} {statistics.median(runs):10.1f} {p95(runs):8.1f}")
    print("by kind                       median ms   p95 ms")
    for kind, runs in per_kind.items():
        print(f"{kind:28} {statistics.median(runs):10.1f} {p95(runs):8.1f}")
    print(
        f"{'ALL (' + str(len(all_runs)) + ' searches)':28} {statistics.median(all_runs):10.1f}"
        f" {p95(all_runs):8.1f}   target p95 < 20 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--keep", type=Path, help="build the database in this folder and keep it")
    args = parser.parse_args()
    maker = TextMaker(seed=5)
    long = bench_formats(maker)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        bench_search(args.keep, args.episodes, maker, long)
    else:
        with tempfile.TemporaryDirectory() as folder:
            bench_search(Path(folder), args.episodes, maker, long)


if __name__ == "__main__":
    main()
