"""The web server's defaults: faust's table views off, one line per malformed request."""

from __future__ import annotations

import logging

import pytest
from aiohttp.http_exceptions import LineTooLong

from dagger.web._server import SERVER_LOGGER, BadRequestLogFilter, quiet_bad_requests
from tests.support.offline_faust import offline_faust_app


def _app(**extra: object) -> object:
    return offline_faust_app("hardening", **extra)


def _blueprints(app: object) -> list[str]:
    return [str(bp) for _, bp in app.web.blueprints._enabled]  # type: ignore[attr-defined]


def test_table_views_are_off_unless_asked_for() -> None:
    default = _app()
    assert default.conf.web_tables_enabled is False  # type: ignore[attr-defined]
    assert "faust.web.apps.tables.blueprint" not in _blueprints(default)
    asked = _app(web_tables_enabled=True)
    assert "faust.web.apps.tables.blueprint" in _blueprints(asked)


def _record(exc: BaseException | None) -> logging.LogRecord:
    return logging.LogRecord(
        SERVER_LOGGER,
        logging.ERROR,
        __file__,
        1,
        "Error handling request from %s",
        ("10.0.0.1",),
        (type(exc), exc, None) if exc is not None else None,
    )


def test_a_line_too_long_becomes_one_warning_line() -> None:
    record = _record(LineTooLong(b"/tasks/" + b"x" * 100 + b"...", 8190))
    assert BadRequestLogFilter().filter(record) is True
    assert record.levelno == logging.WARNING and record.exc_info is None
    message = record.getMessage()
    assert message.startswith(
        "rejected a malformed HTTP request from 10.0.0.1 (answered 400): LineTooLong: "
        "Got more than 8190 bytes"
    )
    assert "\n" not in message


def test_other_server_errors_keep_their_traceback() -> None:
    error = RuntimeError("a bug in a view")
    record = _record(error)
    assert BadRequestLogFilter().filter(record) is True
    assert record.levelno == logging.ERROR and record.exc_info is not None


def test_the_filter_is_installed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    server_logger = logging.getLogger(SERVER_LOGGER)
    monkeypatch.setattr(server_logger, "filters", [])
    quiet_bad_requests()
    quiet_bad_requests()
    assert sum(isinstance(f, BadRequestLogFilter) for f in server_logger.filters) == 1
