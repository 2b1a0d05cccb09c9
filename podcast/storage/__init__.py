"""Where media bytes live. Keys are content addresses: ``ab/abcdef…<sha256>.<ext>``."""

from podcast.storage.base import Storage, content_key
from podcast.storage.local import LocalStorage

__all__ = ["LocalStorage", "Storage", "content_key"]
