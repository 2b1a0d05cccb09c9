"""Where media bytes live. Keys are content addresses: ``ab/abcdef…<sha256>.<ext>``."""

from podcast.core.settings import Settings
from podcast.media.local import LocalStorage
from podcast.media.storage import Storage, content_key

__all__ = ["LocalStorage", "Storage", "content_key", "open_storage"]


def open_storage(settings: Settings) -> Storage:
    """The storage backend the settings ask for: the one place that picks it."""
    if settings.storage == "s3":
        from podcast.media.s3 import S3Storage  # boto3 loads only when it is used

        return S3Storage.from_settings(settings)
    return LocalStorage(settings.media_dir)
