"""Upload rejections, in their own module so the length checks (``episodes.audio_length``) can
raise them without importing ``episodes.audio``, which imports the checks. Import them from
``episodes.audio``."""

from __future__ import annotations


class AudioError(Exception):
    """Base for upload rejections; ``message`` is written for a producer, not a developer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedAudio(AudioError):
    """Not audio, or audio in a format we don't take (HTTP 415)."""


class CorruptAudio(AudioError):
    """Looks like a supported format but cannot be read (HTTP 422)."""
