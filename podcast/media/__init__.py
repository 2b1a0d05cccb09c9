"""Where media bytes live. Keys are content addresses: ``ab/abcdef…<sha256>.<ext>``."""

from podcast.media.local import LocalStorage
from podcast.media.storage import Storage, content_key

__all__ = ["LocalStorage", "Storage", "content_key"]
