"""Whether the storage works, for ``/healthz`` and ``podcast doctor``: without storing a file."""

from __future__ import annotations

from podcast.media.storage import Storage, content_key

# A key no content has (its digest is all zeros): looking it up must answer "not there".
_PROBE_KEY = content_key("0" * 64, "txt")


def probe_storage(storage: Storage) -> None:
    """Raise when the storage cannot take an upload or answer a lookup.

    Stages a few bytes and discards them (what every upload does first), then looks a key up.
    Nothing is left behind and nothing is stored under a key, so it is safe to run often.
    """
    staged = storage.stage()
    try:
        staged.write(b"podcast storage probe\n")
        staged.close()
    finally:
        staged.discard()
    storage.stat(_PROBE_KEY)
