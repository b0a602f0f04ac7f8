"""How the worker's web server logs requests it cannot even parse.

aiohttp answers a malformed request (a request line or header over its size limits, which
raises ``LineTooLong``, or any other ``BadHttpMessage``) with 400 itself, before any view
runs, and logs it on ``aiohttp.server`` with ``logger.exception``: a traceback per request,
so anyone can flood the log with over-long URLs. :class:`BadRequestLogFilter` rewrites those
records into one WARNING line naming the client and the problem.
"""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError

SERVER_LOGGER = "aiohttp.server"


class BadRequestLogFilter(logging.Filter):
    """Turns aiohttp's traceback for an unparsable request into one WARNING line."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record when it carries an HTTP parsing error; keep every record."""
        exc = record.exc_info[1] if record.exc_info else None
        if not isinstance(exc, HttpProcessingError):
            return True
        remote = record.args[0] if isinstance(record.args, tuple) and record.args else "?"
        problem = " ".join(f"{type(exc).__name__}: {exc.message}".split())[:300]
        record.msg = "rejected a malformed HTTP request from %s (answered %s): %s"
        record.args = (remote, exc.code or 400, problem)
        record.levelno = logging.WARNING
        record.levelname = logging.getLevelName(logging.WARNING)
        record.exc_info = None
        record.exc_text = None
        return True


def quiet_bad_requests() -> None:
    """Install :class:`BadRequestLogFilter` on aiohttp's server logger (once)."""
    server_logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, BadRequestLogFilter) for f in server_logger.filters):
        server_logger.addFilter(BadRequestLogFilter())
