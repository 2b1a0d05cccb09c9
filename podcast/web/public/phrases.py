"""The few sentences the public pages say about content in the page's language.

The pages are written in English; where a sentence describes the content itself (a draft
transcript), listeners of a Welsh show read it in Welsh. A phrase carries the language it is
in, so the template can mark it (``lang``) when it falls back to English on a page in
another language (WCAG 3.1.2).
"""

from __future__ import annotations

from dataclasses import dataclass

from podcast.core.languages import primary

UNCHECKED_TRANSCRIPT = {
    "en": "Automatic transcript, not yet checked",
    "cy": "Trawsgrifiad awtomatig, heb ei wirio eto",
}


@dataclass(frozen=True, slots=True)
class Phrase:
    text: str
    language: str  # what ``text`` is written in, a primary language subtag


def phrase(table: dict[str, str], page_language: str) -> Phrase:
    """``table``'s sentence in the page's language, else in English."""
    wanted = primary(page_language)
    if wanted in table:
        return Phrase(table[wanted], wanted)
    return Phrase(table["en"], "en")
