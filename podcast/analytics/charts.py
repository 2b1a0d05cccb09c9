"""Charts as SVG drawn on the server (pygal), so the admin page needs no JavaScript.

Each chart is served as an image with a text alternative, and the page puts the same figures
in a table beside it for screen readers (WCAG 1.1.1): the chart is a picture of the table.
Colours come from the site's palette with contrast against white of at least 3:1 (WCAG 1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence

import pygal
from pygal.style import Style

from podcast.analytics.reports import Row

# NHS blue on white (4.5:1 and more): bars and text readable by people with low vision.
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#212b32",
    foreground_strong="#212b32",
    foreground_subtle="#4c6272",
    colors=("#005eb8",),
    font_family="Arial, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    title_font_size=16,
    opacity="1",
    opacity_hover="0.85",
)
# Beyond this many bars the labels would collide: show every n-th.
_MAX_LABELS = 16


def bar_chart(title: str, rows: Sequence[Row], *, horizontal: bool = False) -> str:
    """An SVG document: ``rows`` as bars, ``title`` as its title."""
    kind = pygal.HorizontalBar if horizontal else pygal.Bar
    chart = kind(
        style=_STYLE,
        js=[],  # no scripts: the chart is an image
        width=720,
        height=max(240, 28 * len(rows) + 80) if horizontal else 360,
        show_legend=False,
        print_values=False,
        x_label_rotation=0 if horizontal else 45,
        show_minor_x_labels=False,
        truncate_label=40,
        no_data_text="No downloads in this period",
    )
    chart.title = title
    labels = [row.key for row in rows]
    chart.x_labels = labels
    if not horizontal and len(labels) > _MAX_LABELS:
        step = -(-len(labels) // _MAX_LABELS)
        chart.x_labels_major = labels[::step]
    chart.add("Downloads", [row.downloads for row in rows])
    svg: str = chart.render(is_unicode=True)
    return svg
