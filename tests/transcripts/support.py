"""Helpers for the transcript API, serving and search tests."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response

CORPUS = Path(__file__).parent / "corpus"
MEDIA_TYPES = {
    "vtt": "text/vtt",
    "srt": "application/x-subrip",
    "json": "application/json",
    "txt": "text/plain",
}


def put_transcript(
    client: TestClient,
    auth: dict[str, str],
    episode_id: int,
    body: bytes | str,
    *,
    media_type: str | None = "text/vtt",
    language: str | None = None,
    **params: str,
) -> Response:
    data = body.encode() if isinstance(body, str) else body
    headers = {**auth, "Content-Type": media_type} if media_type else dict(auth)
    if language is not None:
        params["language"] = language
    return client.put(
        f"/api/episodes/{episode_id}/transcript", content=data, headers=headers, params=params
    )


def corpus_file(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


def vtt(*cues: tuple[float, float, str]) -> str:
    """A small WebVTT file from (start s, end s, text) triples."""

    def stamp(seconds: float) -> str:
        ms = round(seconds * 1000)
        return (
            f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
        )

    blocks = [f"{stamp(a)} --> {stamp(b)}\n{text}\n" for a, b, text in cues]
    return "WEBVTT\n\n" + "\n".join(blocks)
