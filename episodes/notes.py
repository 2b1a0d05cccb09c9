"""Show notes: Markdown or HTML in, one sanitised HTML out for both the page and the feed."""

from __future__ import annotations

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

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})


def render_notes(source: str, fmt: NotesFormat) -> str:
    """Sanitised HTML for ``source``; raw HTML inside Markdown is escaped, not passed through."""
    html = _markdown.render(source) if fmt is NotesFormat.MARKDOWN else source
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()
