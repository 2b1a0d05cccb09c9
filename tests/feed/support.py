"""Helpers shared by the feed tests: episodes through the real API, artwork made with Pillow,
and the served feed parsed with lxml."""

from __future__ import annotations

import io
from typing import Any

import httpx
from fastapi.testclient import TestClient
from lxml import etree
from PIL import Image

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "psc": "http://podlove.org/simple-chapters",
}
BASE = "https://podcast.example.org"
FEED_URL = f"{BASE}/feed.xml"


def image_bytes(
    width: int = 1400,
    height: int | None = None,
    *,
    fmt: str = "JPEG",
    mode: str = "RGB",
    colour: Any = (0, 94, 184),
) -> bytes:
    """A solid image (NHS blue by default): small files, quick to encode."""
    out = io.BytesIO()
    Image.new(mode, (width, height or width), colour).save(out, format=fmt)
    return out.getvalue()


def put_artwork(
    client: TestClient, auth: dict[str, str], data: bytes, kind: str = "image/jpeg"
) -> httpx.Response:
    return client.put("/api/show/artwork", content=data, headers={**auth, "Content-Type": kind})


def feed_xml(client: TestClient, **headers: str) -> etree._Element:
    response = client.get("/feed.xml", headers=headers)
    assert response.status_code == 200, response.text
    return etree.fromstring(response.content)


def items(root: etree._Element) -> list[etree._Element]:
    return root.findall("channel/item")


def text(node: etree._Element, path: str) -> str | None:
    found = node.find(path, NS)
    return None if found is None else found.text


def item_titles(client: TestClient) -> list[str]:
    return [text(i, "title") or "" for i in items(feed_xml(client))]
