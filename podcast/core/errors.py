"""Domain errors: what went wrong, for whom, and where; no HTTP, no FastAPI.

Services raise these; ``podcast.core.http_errors`` turns them into JSON answers (with the
status each class stands for) and the admin pages put them next to the form field they name.
``field`` is the input the error is about (``slug``, ``category``...), ``line`` the line of an
uploaded file; neither is ever parsed back out of the message.
"""

from __future__ import annotations


class DomainError(Exception):
    """Something a producer or reader asked for cannot be done; ``message`` says why."""

    def __init__(self, message: str, *, field: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.field = field
        self.line = line
        super().__init__(self.detail)

    @property
    def detail(self) -> str:
        """The message with its field in front, as the JSON API answers it."""
        return f"{self.field}: {self.message}" if self.field else self.message


class BadRequest(DomainError):
    """The request itself is malformed (a broken form body, an unreadable upload)."""


class Unauthorized(DomainError):
    """No valid producer token."""


class Forbidden(DomainError):
    """Known, but not allowed."""


class NotFound(DomainError):
    """No such thing (or not visible to this caller)."""


class Conflict(DomainError):
    """It clashes with the current state (a slug already used, audio still missing)."""


class PreconditionFailed(DomainError):
    """A conditional request's precondition (``If-Match``) does not hold: the client holds
    another version than the current one."""


class PayloadTooLarge(DomainError):
    """An upload beyond its limit."""


class UnsupportedMediaType(DomainError):
    """A body of a kind this operation does not take."""


class Unavailable(DomainError):
    """This installation cannot do it now or at all (a feature not installed); the message
    says what to install or set."""


class Invalid(DomainError):
    """Well-formed, but a value is not acceptable (``field`` and ``line`` say which)."""


class InvalidFile(Invalid):
    """An uploaded file that cannot be read: answers always say which ``line`` (or none).

    ``field`` names the form input that held the file (``file``); the answer's ``detail`` leads
    with the line instead (``line 7: ...``), because in the API the file is the whole body.
    """

    @property
    def detail(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message
