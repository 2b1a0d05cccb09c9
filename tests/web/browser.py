"""Driving Debian's Chromium from pytest with Playwright, plus axe-core and screenshots.

Playwright's wheel ships its driver; the browser is the system's (``/usr/bin/chromium``), so
nothing is downloaded. The flags keep Chromium off the network: this machine has none, and
without them it retries Google's hosts at every start.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe.min.js"
SCREENSHOTS = HERE / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = {"desktop": 1280, "phone": 375}


def launch(playwright: Playwright) -> Browser:
    """A fresh headless Chromium; Playwright gives it a new temporary profile each time."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate("(options) => axe.run(document, options)", options)
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {json.dumps(node['target'])}: {node['failureSummary'][:300]}")
    return "\n".join(lines)


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe on {page.url}:\n{describe(violations)}"


def screenshot(page: Page, name: str) -> list[Path]:
    """Full-page PNGs at desktop and phone widths, then the desktop viewport again."""
    SCREENSHOTS.mkdir(exist_ok=True)
    safe = re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-")
    height = page.viewport_size["height"] if page.viewport_size else 900
    paths = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        path = SCREENSHOTS / f"{safe}-{label}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": height})
    return paths


def overflows_at(page: Page, width: int) -> int:
    """How many CSS pixels the page is wider than a ``width``-pixel window (0 is good)."""
    page.set_viewport_size({"width": width, "height": 800})
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    return int(overflow)
