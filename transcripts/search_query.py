"""What a listener types into the search box, read into terms both search backends accept.

The syntax is deliberately small, the same on SQLite and PostgreSQL, and never an error:

* words are all required (AND); ``"quoted words"`` must be adjacent, in order (a phrase);
* ``word*`` matches words starting with ``word`` when it has at least ``MIN_PREFIX`` letters
  (shorter prefixes match too much to be useful and are slow; their ``*`` is ignored);
* everything else is punctuation: ``AND``, ``OR``, ``NOT`` and ``NEAR`` in capitals, brackets,
  stray quotes and ``*`` are dropped, so a query cannot reach FTS5 or tsquery syntax.

Words are runs of letters and digits (as both tokenizers see them): ``don't`` or
``e-mail`` become the phrases ``"don t"`` and ``"e mail"``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_TERMS", "MIN_PREFIX", "SearchQuery", "Term", "parse_query"]

MIN_PREFIX = 3
MAX_TERMS = 12
_OPERATORS = frozenset({"AND", "OR", "NOT", "NEAR"})
_CHUNK = re.compile(r'"([^"]*)"?|([^\s"]+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class Term:
    """One required term: a word, or a phrase of adjacent words; ``prefix`` applies to the last."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True, slots=True)
class SearchQuery:
    terms: tuple[Term, ...]

    @property
    def empty(self) -> bool:
        return not self.terms

    def fts5(self) -> str:
        """The query in FTS5 syntax: every term a quoted string, so nothing is an operator."""
        return " ".join(
            '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "") for term in self.terms
        )


def parse_query(text: str) -> SearchQuery:
    terms: list[Term] = []
    for match in _CHUNK.finditer(text):
        quoted, bare = match.groups()
        if bare is not None and bare in _OPERATORS:
            continue
        chunk = quoted if quoted is not None else bare
        words = tuple(_WORD.findall(chunk))
        if not words:
            continue
        prefix = bare is not None and bare.endswith("*") and len(words[-1]) >= MIN_PREFIX
        terms.append(Term(words, prefix))
    return SearchQuery(tuple(dict.fromkeys(terms))[:MAX_TERMS])
