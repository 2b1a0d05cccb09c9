"""Show notes: Markdown or HTML in, one sanitised HTML out for both the page and the feed."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt

from episodes.models import NotesFormat

# A short allow-list: no images (tracking pixels, mixed content in feeds), no scripts or styles.
ALLOWED_TAGS = {
    "p", "br", "a", "strong", "b", "em", "i", "u", "ul", "ol", "li",
    "blockquote", "code", "pre", "h2", "h3", "h4",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# The page's own title is the h1, and h5/h6 read like body text: notes keep h2-h4 (so a
# Markdown "# Heading" is not lost to the sanitiser, which would drop the element).
_HEADING_LEVEL = re.compile(r"<(/?)h([1-6])\b", re.IGNORECASE)
_LEVEL = {"1": "2", "5": "4", "6": "4"}

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_notes(source: str, fmt: NotesFormat) -> str:
    """Sanitised HTML for ``source``; raw HTML inside Markdown is escaped, not passed through."""
    html = _markdown.render(source) if fmt is NotesFormat.MARKDOWN else source
    html = _HEADING_LEVEL.sub(lambda m: f"<{m[1]}h{_LEVEL.get(m[2], m[2])}", html)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()
