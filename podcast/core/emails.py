"""Email addresses: one rule, the one pydantic's ``EmailStr`` applies.

Settings and the show's API schema take ``EmailStr`` (email-validator underneath); the feed
check and the ``podcast:locked`` owner ask :func:`is_email`, which runs the same validator
with the same options, so an address the API stored is never one the feed check refuses.
No DNS is asked: deliverability is the owner's business, and the check must work offline.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

__all__ = ["is_email", "is_placeholder"]

# Domains reserved for examples (RFC 2606, RFC 6761) and the like: no mailbox reads them.
_RESERVED_TLDS = frozenset({"example", "invalid", "test", "localhost", "local"})
_EXAMPLE_LABELS = frozenset({"example"})


def is_email(value: object) -> bool:
    """Whether ``value`` is an address ``EmailStr`` accepts (``name@example.nhs.uk``)."""
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def is_placeholder(value: str, default: str | None = None) -> bool:
    """Whether an address is a stand-in no one reads: the installation's default (the
    settings' ``leadershipacademy@example.nhs.uk``) or any address at an example domain
    (``example.com``, ``example.nhs.uk``, ``*.test``). Directories send ownership codes to
    the owner email, so such an address locks the producers out of their listings."""
    address = value.strip().lower()
    if default is not None and address == default.strip().lower():
        return True
    labels = address.rpartition("@")[2].split(".")
    return labels[-1] in _RESERVED_TLDS or any(label in _EXAMPLE_LABELS for label in labels)
