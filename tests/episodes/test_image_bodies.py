"""Show and episode artwork take the same two bodies (the raw image, or the multipart field
``file``) through one reader (``podcast.media.image_body``), and refuse bad ones alike: the same
status and message on both routes, and nothing left in the media folder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from podcast.core.settings import Settings
from tests.factories import create_episode
from tests.feed.support import NS, feed_xml, image_bytes

_LIMIT = 20 * 1024 * 1024
_TOO_BIG = b"\xff\xd8\xff" + b"\0" * _LIMIT


def _files(settings: Settings) -> set[str]:
    """Every file under the media folder, staging area included."""
    return {str(p) for p in settings.media_dir.rglob("*") if p.is_file()}


def _raw(data: bytes, kind: str = "image/jpeg") -> dict[str, Any]:
    return {"content": data, "headers": {"Content-Type": kind}}


def _form(data: bytes, name: str = "file") -> dict[str, Any]:
    return {"files": {name: ("art.jpg", data, "image/jpeg")}}


# (request, status, what the message says): the same for the show and an episode.
BAD: dict[str, tuple[dict[str, Any], int, str]] = {
    "raw-text": (
        _raw(b"a text file", "text/plain"),
        415,
        "artwork must be a JPEG or PNG image; send the image file itself as the body "
        "or as the multipart field 'file'",
    ),
    "form-text": (_form(b"a text file"), 415, "must be a JPEG or PNG image"),
    "form-gif": (
        _form(image_bytes(1400, fmt="GIF", mode="P", colour=1)),
        415,
        "must be a JPEG or PNG image",
    ),
    "form-empty-file": (_form(b""), 415, "must be a JPEG or PNG image"),
    "form-no-file": (
        {"files": {"title": (None, "no file here")}},
        422,
        "file: is required: send the image as the multipart field 'file'",
    ),
    "form-file-elsewhere": (
        {"data": {"title": "x"}, "files": {"other": ("x.jpg", b"x", "image/jpeg")}},
        422,
        "other: is not a field that can be set here: send the image as the multipart field 'file'",
    ),
    "form-no-boundary": (
        _raw(b"--x\r\n", "multipart/form-data"),
        400,
        "the multipart body has no boundary",
    ),
    "form-small": (_form(image_bytes(1000)), 422, "between 1400x1400 and 3000x3000"),
    "raw-too-large": (_raw(_TOO_BIG), 413, "the image is larger than the 20 MiB upload limit"),
    "form-too-large": (_form(_TOO_BIG), 413, "the image is larger than the 20 MiB upload limit"),
}

Target = Callable[[TestClient, dict[str, str]], tuple[str, Callable[[], object]]]


def _show(client: TestClient, auth: dict[str, str]) -> tuple[str, Callable[[], object]]:
    return "/api/show/artwork", lambda: client.get("/api/show").json()["artwork_url"]


def _episode(client: TestClient, auth: dict[str, str]) -> tuple[str, Callable[[], object]]:
    episode_id = create_episode(client, auth, "Art", publish=False)["id"]
    url = f"/api/episodes/{episode_id}"
    return f"{url}/artwork", lambda: client.get(url, headers=auth).json()["artwork"]


def test_bad_bodies_are_refused_alike_and_leave_nothing(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    answers: dict[str, list[tuple[int, str]]] = {}
    for owner, target in (("show", _show), ("episode", _episode)):
        url, current = target(client, auth)
        before = _files(settings)
        for case, (request, status, fragment) in BAD.items():
            headers = {**auth, **request.get("headers", {})}
            response = client.put(url, **{**request, "headers": headers})
            assert response.status_code == status, (owner, case, response.text)
            detail = response.json()["detail"]
            assert fragment in detail, (owner, case, detail)
            assert current() is None, (owner, case)
            assert _files(settings) == before, (owner, case)  # no stray or staged file
            answers.setdefault(case, []).append(
                (status, detail.replace(f"{owner} artwork", "ARTWORK"))
            )
    for case, (show_answer, episode_answer) in answers.items():
        assert show_answer == episode_answer, case


@pytest.mark.parametrize("form", ["raw", "multipart"])
def test_show_artwork_as_either_body(
    client: TestClient, auth: dict[str, str], settings: Settings, form: str
) -> None:
    png = image_bytes(1500, fmt="PNG", colour=(200, 10, 10))
    if form == "raw":
        headers = {**auth, "Content-Type": "image/png"}
        response = client.put("/api/show/artwork", content=png, headers=headers)
    else:
        files = {"file": ("cover.png", png, "image/png")}
        response = client.put("/api/show/artwork", files=files, headers=auth)
    assert response.status_code == 200, response.text
    url = response.json()["artwork_url"]
    assert url.endswith(".png") and client.get("/api/show").json()["artwork_url"] == url
    served = client.get(urlsplit(url).path)
    assert served.status_code == 200 and served.content == png
    assert feed_xml(client).find("channel/itunes:image", NS).get("href") == url  # type: ignore[union-attr]
    incoming = [p for p in settings.media_dir.rglob("*") if ".incoming" in p.parts and p.is_file()]
    assert incoming == []


def test_both_routes_document_both_bodies(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    show = paths["/api/show/artwork"]["put"]["requestBody"]
    episode = paths["/api/episodes/{episode_id}/artwork"]["put"]["requestBody"]
    assert show == episode
    assert set(show["content"]) == {"image/jpeg", "image/png", "multipart/form-data"}
    assert show["content"]["multipart/form-data"]["schema"]["required"] == ["file"]
