"""Search snippets as safe HTML: the database marks matches, we escape everything else.

The database is asked to put private-use characters around matches (``START``/``STOP``)
instead of ``<mark>``, because its snippet functions copy the stored text unescaped. Here all
text is escaped first and only then are the sentinels swapped for ``<mark>``/``</mark>``.
The swap keeps the tags balanced whatever the text contains (a transcript holding a stray
U+E000 cannot open an unclosed ``<mark>``).

Show notes are stored as sanitised HTML: their snippets lose tags (including a tag cut in half
at either end of the snippet) and entities are decoded before escaping.
"""

from __future__ import annotations

import html
import re

__all__ = ["ELLIPSIS", "START", "STOP", "safe_snippet"]

START = "\ue000"
STOP = "\ue001"
ELLIPSIS = "\u2026"
_TAG = re.compile(r"<[^<>]*>|^[^<>]*>|<[^<>]*$")
_SPACES = re.compile(r"\s+")


def _strip_tags(value: str) -> str:
    # A match inside a cut tag is lost with it; its sentinels are removed with the tag.
    return html.unescape(_TAG.sub(" ", value))


def safe_snippet(raw: str, *, is_html: bool = False) -> str:
    """``raw`` (text with sentinels around matches) as HTML with ``<mark>`` and nothing else."""
    text = _strip_tags(raw) if is_html else raw
    text = _SPACES.sub(" ", text).strip()
    out: list[str] = []
    open_mark = False
    for part in re.split(f"([{START}{STOP}])", text):
        if part == START:
            if not open_mark:
                out.append("<mark>")
                open_mark = True
        elif part == STOP:
            if open_mark:
                out.append("</mark>")
                open_mark = False
        else:
            out.append(html.escape(part))
    if open_mark:
        out.append("</mark>")
    return "".join(out).replace("<mark></mark>", "")
