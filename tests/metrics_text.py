"""Reading Prometheus text in tests."""

from __future__ import annotations

import re


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, _, value = line.rpartition(" ")
        found_name, _, label_text = series.partition("{")
        if found_name != name:
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', label_text))
        if found == labels:
            return float(value)
    return 0.0
