"""Running a ``Dagger`` engine as a worker process: logging, start-up checks, ``mode.Worker``.

By default a worker logs to stderr: dagger's loggers at the ``-l`` level (default ``info``),
faust, mode, aiokafka and the rest at ``WARNING`` (or at the ``-l`` level when that is
higher). A ``logging_config`` given to ``Dagger`` (applied when it was constructed), or
handlers already on the root logger, are left as they are; ``override_logging=True`` lets
mode set up logging instead, as in 0.2.6.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import mode

from dagger.runtime._broker_url import bootstrap_servers
from dagger.runtime._startup import StartupError, preflight

logger = logging.getLogger("dagger.worker")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: Exit status of a worker that could not start (mode's own status for a failed start).
EXIT_STARTUP_FAILED = 1


def parse_loglevel(argv: Sequence[str]) -> str:
    """The ``-l``/``--loglevel`` value on the command line (``info`` when absent)."""
    args = list(argv)
    for flag in ("-l", "--loglevel"):
        if flag in args and args.index(flag) + 1 < len(args):
            return args[args.index(flag) + 1]
    return "info"


def level_number(name: str) -> int:
    """A log level name (any case) as its number; `StartupError` for an unknown name."""
    level = logging.getLevelName(name.upper())
    if not isinstance(level, int):
        raise StartupError(
            f"unknown log level {name!r}: use debug, info, warning, error or critical"
        )
    return level


def configure_logging(level: int, *, user_configured: bool) -> bool:
    """Install the default worker logging unless logging is configured; whether it did."""
    root = logging.getLogger()
    if user_configured or root.handlers:
        return False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(handler)
    root.setLevel(max(level, logging.WARNING))
    logging.getLogger("dagger").setLevel(level)
    return True


def run_worker(engine: Any, argv: Sequence[str], *, override_logging: bool) -> NoReturn:
    """Check what can be checked, then run ``engine`` under ``mode.Worker`` until stopped.

    A failed check is logged as one ``ERROR`` line and the process exits with status 1.
    """
    loglevel = parse_loglevel(argv)
    try:
        level = level_number(loglevel)
        if not override_logging:
            configure_logging(level, user_configured=bool(engine.logging_config))
        servers = bootstrap_servers(engine.config.BROKER)
        preflight(engine, servers, float(engine.STARTUP_TIMEOUT))
    except StartupError as exc:
        logger.error("cannot start: %s", exc)
        raise SystemExit(EXIT_STARTUP_FAILED) from None
    worker = mode.Worker(engine, daemon=True, override_logging=override_logging, loglevel=level)
    worker.execute_from_commandline()
