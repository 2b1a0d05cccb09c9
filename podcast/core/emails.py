"""Email addresses: one rule, the one pydantic's ``EmailStr`` applies.

Settings and the show's API schema take ``EmailStr`` (email-validator underneath); the feed
check and the ``podcast:locked`` owner ask :func:`is_email`, which runs the same validator
with the same options, so an address the API stored is never one the feed check refuses.
No DNS is asked: deliverability is the owner's business, and the check must work offline.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

__all__ = ["is_email"]


def is_email(value: object) -> bool:
    """Whether ``value`` is an address ``EmailStr`` accepts (``name@example.nhs.uk``)."""
    if not isinstance(value, str) or not value or value != value.strip():
        return False
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
