"""HTML transcripts (``text/html``), render only: the Podcasting 2.0 low-fidelity form.

Each cue is ``<cite>Speaker:</cite>`` (when there is a speaker), ``<time datetime="PT1M5.5S">
0:01:05</time>`` (when timed) and ``<p>text</p>``, inside ``<article class="transcript">``.
Every value taken from the transcript, including the language, goes through
:func:`html.escape`, so a transcript can never inject markup; a cue's ``<i>``/``<b>`` come from
:func:`transcripts.cues.rich`, which rebuilds them from its allow-list around escaped text.
Uploaded HTML is not parsed: producers upload one of the other formats and this one is
generated.
"""

from __future__ import annotations

import html

from podcast.core.timecodes import clock, iso_duration_ms
from transcripts.cues import Transcript, clean_speaker, clean_text, rich, strip_controls

__all__ = ["duration_attribute", "render", "render_fragment"]


def duration_attribute(ms: int) -> str:
    """A valid HTML duration string for ``<time datetime>``, e.g. 65500 ms → ``PT1M5.5S``."""
    return iso_duration_ms(ms)


def _clock(ms: int) -> str:
    return clock(ms // 1000, always_hours=True)


def render_fragment(transcript: Transcript) -> str:
    """The transcript as an ``<article>`` element, for embedding in episode pages."""
    lang = html.escape(transcript.language)
    parts = [f'<article class="transcript" lang="{lang}">']
    for cue in transcript.cues:
        speaker = clean_speaker(cue.speaker)
        if speaker:
            parts.append(f"<cite>{html.escape(speaker)}:</cite>")
        if cue.start_ms is not None:
            start = cue.start_ms
            parts.append(f'<time datetime="{duration_attribute(start)}">{_clock(start)}</time>')
        markup = rich(cue)
        if markup is not None:
            lines = clean_text(markup).split("\n")
        else:
            lines = [html.escape(line) for line in clean_text(cue.text).split("\n")]
        parts.append("<p>" + "<br>\n".join(lines) + "</p>")
    parts.append("</article>")
    return "\n".join(parts) + "\n"


def render(transcript: Transcript, title: str = "Transcript") -> str:
    """A complete small HTML document holding :func:`render_fragment`."""
    lang = html.escape(transcript.language)
    return (
        f'<!doctype html>\n<html lang="{lang}">\n<meta charset="utf-8">\n'
        f"<title>{html.escape(strip_controls(title))}</title>\n{render_fragment(transcript)}</html>\n"
    )
