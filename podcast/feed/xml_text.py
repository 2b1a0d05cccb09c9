"""Text that goes into the feed: XML-safe, and descriptions within Apple's 4,000 bytes.

lxml refuses control characters outright, so one stray byte in a title taken from an ID3 tag
would fail the whole feed: they are dropped here instead (the linter reports them).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

import nh3

from episodes.notes import ALLOWED_ATTRIBUTES, URL_SCHEMES

DESCRIPTION_LIMIT = 4000  # bytes, Apple (docs/standards.md, "Text, HTML and length limits")
ELLIPSIS = "…"

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_OPEN_TAG_TAIL = re.compile(r"<[^>]*$")
_PARTIAL_ENTITY_TAIL = re.compile(r"&[#a-zA-Z0-9]{0,10}$")


Clean = Callable[[str], str]

# What Apple lists for <description> and <content:encoded> (docs/standards.md, "Text, HTML and
# length limits"): p, ol, ul, li, a, and the inline emphasis every reader renders.
APPLE_TAGS = {"p", "ol", "ul", "li", "a", "b", "i", "em", "strong"}
_HEADING = re.compile(r"<h[1-6]>(.*?)</h[1-6]>", re.DOTALL)
_PRE = re.compile(r"<pre>(.*?)</pre>", re.DOTALL)
_BREAK = re.compile(r"<br\s*/?>\n?")
# A tag whose name is not one of APPLE_TAGS: one scan that stops at the first, rather than
# collecting every tag name of every episode's notes on each build.
_OTHER_TAG = re.compile(r"</?(?!(?:" + "|".join(sorted(APPLE_TAGS)) + r")(?![a-zA-Z0-9]))[a-zA-Z]")


def xml_safe(value: str) -> str:
    """``value`` without characters XML 1.0 cannot carry, and without surrounding spaces."""
    return _NOT_XML.sub("", value).strip()


def stripped(value: str) -> str:
    """The optimistic :data:`Clean`: lxml itself refuses what XML cannot carry."""
    return value.strip()


def _fits(value: str, limit: int) -> bool:
    """Whether ``value`` is within ``limit`` UTF-8 bytes, encoding it only when its length
    cannot tell (ASCII text is a byte a character: most notes, checked on every build)."""
    if len(value) > limit:
        return False
    return value.isascii() or len(value) * 4 <= limit or len(value.encode()) <= limit


def has_unsafe_characters(value: str) -> bool:
    return _NOT_XML.search(value) is not None


def fit_text(
    value: str, limit: int = DESCRIPTION_LIMIT, clean: Clean = xml_safe
) -> tuple[str, bool]:
    """Plain text within ``limit`` UTF-8 bytes, cut at a word when possible; True if cut."""
    value = clean(value)
    if _fits(value, limit):
        return value, False
    budget = limit - len(ELLIPSIS.encode())
    cut = value.encode()[:budget].decode("utf-8", "ignore")
    if " " in cut[len(cut) // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip() + ELLIPSIS, True


def fit_text_as_html(
    value: str, limit: int = DESCRIPTION_LIMIT, clean: Clean = xml_safe
) -> tuple[str, bool]:
    """Plain text as one escaped HTML paragraph within ``limit`` UTF-8 bytes; True if cut.

    Apps render ``<description>`` as HTML, so plain text (a summary, perhaps from an audio
    tag) must be escaped or ``<img onerror=...>`` in it would run. Only ``&``, ``<`` and ``>``
    are escaped: podcastparser decodes named entities but not ``&#x27;``, and with these both
    it and feedparser read back exactly the text that was written.
    """
    text = clean(value)
    if not text:
        return "", False
    room = limit - len("<p></p>")
    budget = room
    while True:  # escaping lengthens the text: cut shorter until the escaped form fits
        fitted, cut = fit_text(text, budget, stripped)
        body = html.escape(fitted, quote=False)
        overflow = len(body.encode()) - room
        if overflow <= 0:
            return f"<p>{body}</p>", cut
        budget -= overflow


def apple_html(notes_html: str) -> str:
    """Sanitised show notes reduced to :data:`APPLE_TAGS`: a heading becomes a bold paragraph,
    a code block a paragraph, a line break a space; other elements give up their tags and
    keep their text.

    The page keeps the full notes. Notes already within Apple's elements are returned as they
    are after one regex scan; others are converted once and cached by their text, so a rebuild
    after one edit converts only that episode's notes.
    """
    if not notes_html or "<" not in notes_html:
        return notes_html
    if _OTHER_TAG.search(notes_html) is None:
        return notes_html  # already Apple's (most notes): no sanitiser pass, no cache entry
    return _converted(notes_html)


@lru_cache(maxsize=4096)
def _converted(notes_html: str) -> str:
    converted = _HEADING.sub(r"<p><b>\1</b></p>", notes_html)
    converted = _PRE.sub(r"<p>\1</p>", converted)
    converted = _BREAK.sub("\n", converted)
    return _clean(converted)


def fit_html(
    value: str, limit: int = DESCRIPTION_LIMIT, clean: Clean = xml_safe
) -> tuple[str, bool]:
    """Sanitised HTML within ``limit`` UTF-8 bytes; True if it had to be cut.

    The cut never lands inside a tag, an entity or a character, and the same sanitiser that
    made the notes closes whatever elements the cut left open; an ellipsis marks the cut.
    """
    value = clean(value)
    if _fits(value, limit):
        return value, False
    data = value.encode()
    budget = limit - len(ELLIPSIS.encode())
    while budget > 0:
        cut = data[:budget].decode("utf-8", "ignore")
        cut = _OPEN_TAG_TAIL.sub("", cut)
        cut = _PARTIAL_ENTITY_TAIL.sub("", cut)
        closed = _clean(cut + ELLIPSIS)
        overflow = len(closed.encode()) - limit
        if overflow <= 0:
            return closed, True
        budget -= max(overflow, 16)
    return fit_text(html.unescape(nh3.clean(value, tags=set())), limit, clean)[0], True


def _clean(fragment: str) -> str:
    return nh3.clean(
        fragment,
        tags=APPLE_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    ).strip()
