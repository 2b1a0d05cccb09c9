"""Log lines: text for people (the default), JSON lines (``PODCAST_LOG_FORMAT=json``) for machines.

One place decides what a line holds, for our loggers and uvicorn's alike. Lines carry no client
address, token or cookie: the access log's format leaves out the client, and our own lines
name a producer by their token's *name* only. Structured fields are passed as ``extra=`` and
only those in :data:`FIELDS` reach a JSON line, so nothing is logged by accident.
"""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["text", "json"]

# The structured fields a line may carry (``log.info(..., extra={"route": ...})``).
FIELDS = (
    "event",
    "method",
    "route",
    "status",
    "duration_ms",
    "producer",
    "episode_id",
    "job_id",
    "check",
    "reason",
    "suppressed",
)

# Our packages log at INFO to the same stream as uvicorn's own lines.
PACKAGES = ("podcast", "episodes", "transcripts")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the :data:`FIELDS` given."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": self.message_of(record),
        }
        for name in FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)

    def message_of(self, record: logging.LogRecord) -> str:
        return record.getMessage()


class JsonAccessFormatter(JsonFormatter):
    """uvicorn's access lines (``--access-log``) as JSON, without the client's address.

    uvicorn logs them with the args ``(client_addr, method, path, http_version, status)``.
    """

    def format(self, record: logging.LogRecord) -> str:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, _path, _version, status = args
            record.__dict__.update(event="access", method=method, status=status)
        return super().format(record)

    def message_of(self, record: logging.LogRecord) -> str:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            return f"{args[1]} {args[2]} {args[4]}"
        return super().message_of(record)


# The access log in text: uvicorn's, without the client's address.
TEXT_ACCESS_FORMAT = '%(levelprefix)s "%(request_line)s" %(status_code)s'


def logging_config(log_format: LogFormat) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn (``log_config=``) and our packages.

    Text: uvicorn's formatters (access lines without the client address). JSON: every line,
    uvicorn's start-up, errors and access lines included, through :class:`JsonFormatter`.
    """
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    if log_format == "json":
        config["formatters"]["default"] = {"()": f"{__name__}.JsonFormatter"}
        config["formatters"]["access"] = {"()": f"{__name__}.JsonAccessFormatter"}
    else:
        config["formatters"]["access"]["fmt"] = TEXT_ACCESS_FORMAT
    for package in PACKAGES:
        config["loggers"][package] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
