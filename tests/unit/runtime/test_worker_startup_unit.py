"""A worker's start-up pieces that need no broker: the broker URL, logging, checks, messages."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from dagger.runtime._broker_url import bootstrap_servers, check_broker
from dagger.runtime._startup import (
    StartupError,
    check_datadir,
    check_web_port,
    log_ownership,
    partition_mismatches,
)
from dagger.runtime._worker import configure_logging, level_number, parse_loglevel
from dagger.service.services import Dagger


@pytest.mark.parametrize(
    ("broker", "servers"),
    [
        ("kafka://k1:9092", ["k1:9092"]),
        ("aiokafka://k1:9093", ["k1:9093"]),
        ("k1:9092", ["k1:9092"]),
        ("k1", ["k1:9092"]),
        ("kafka://k1:9092;k2:9093", ["k1:9092", "k2:9093"]),
        ("kafka://k1:9092,kafka://k2:9093", ["k1:9092", "k2:9093"]),
        ("k1:9092, k2:9093", ["k1:9092", "k2:9093"]),
        ("kafka://[::1]:9092", ["[::1]:9092"]),
    ],
)
def test_accepted_broker_addresses(broker: str, servers: list[str]) -> None:
    assert bootstrap_servers(check_broker(broker)) == servers


def test_spaces_around_separators_are_dropped_for_faust() -> None:
    assert check_broker("k1:9092, k2:9093") == "k1:9092,k2:9093"
    assert check_broker("kafka://k1:9092;k2:9093") == "kafka://k1:9092;k2:9093"


@pytest.mark.parametrize(
    ("broker", "message"),
    [
        ("http://k1:9092", "unsupported scheme 'http://'"),
        ("k1:9092,https://k2:9092", "unsupported scheme 'https://'"),
        ("", "broker is empty"),
        ("kafka://", "has no host"),
        ("k1:9092,,k2:9092", "empty address"),
        ("kafka:k1:x", "not a valid address"),
    ],
)
def test_rejected_broker_addresses_name_the_accepted_forms(broker: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        check_broker(broker)
    if "empty address" not in message:
        assert "kafka://host:port" in str(caught.value)


def test_dagger_refuses_an_http_broker_when_constructed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unsupported scheme 'http://'.*kafka://host:port"):
        Dagger(broker="http://localhost:9092", datadir=str(tmp_path), store="memory://")


def test_partition_mismatches_only_for_existing_topics_that_differ() -> None:
    expected = {"tasks": 1, "listen": 1, "changelog": 1, "missing": 1}
    actual = {"tasks": 4, "listen": 1, "changelog": 2, "other": 7}
    assert partition_mismatches(expected, actual) == [("changelog", 1, 2), ("tasks", 1, 4)]


def test_datadir_checks(tmp_path: Path) -> None:
    check_datadir(tmp_path / "new" / "dir")  # created, parents too
    assert (tmp_path / "new" / "dir").is_dir()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StartupError, match=f"data directory {blocker / 'data'} is not writable"):
        check_datadir(blocker / "data")


def test_web_port_check_names_a_taken_port() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(StartupError, match=f"web port {port} on 127.0.0.1 is not available"):
            check_web_port("127.0.0.1", port)
    check_web_port("127.0.0.1", port)  # free again
    check_web_port("127.0.0.1", 0)  # the OS picks one: nothing to check


def test_loglevel_from_the_command_line() -> None:
    assert parse_loglevel([]) == "info"
    assert parse_loglevel(["worker", "-l", "debug"]) == "debug"
    assert parse_loglevel(["--loglevel", "WARNING"]) == "WARNING"
    assert level_number("Warning") == logging.WARNING
    with pytest.raises(StartupError, match="unknown log level 'loud'"):
        level_number("loud")


@pytest.fixture
def clean_logging() -> Iterator[Callable[[], logging.Logger]]:
    """``clear()`` empties the root logger's handlers (pytest adds its own when the test
    body starts, so tests call it first); everything is put back afterwards."""
    root, dagger_logger = logging.getLogger(), logging.getLogger("dagger")
    saved = (root.handlers[:], root.level, dagger_logger.level)

    def clear() -> logging.Logger:
        root.handlers.clear()
        return root

    try:
        yield clear
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        dagger_logger.setLevel(saved[2])


def test_default_logging_dagger_at_the_level_the_rest_at_warning(
    clean_logging: Callable[[], logging.Logger],
) -> None:
    root = clean_logging()
    assert configure_logging(logging.INFO, user_configured=False)
    assert logging.getLogger("dagger.worker").isEnabledFor(logging.INFO)
    assert not logging.getLogger("faust.app").isEnabledFor(logging.INFO)
    assert logging.getLogger("faust.app").isEnabledFor(logging.WARNING)
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)


def test_a_users_logging_is_left_alone(clean_logging: Callable[[], logging.Logger]) -> None:
    root = clean_logging()
    assert not configure_logging(logging.INFO, user_configured=True)
    assert root.handlers == []
    own = logging.NullHandler()
    root.addHandler(own)
    assert not configure_logging(logging.INFO, user_configured=False)
    assert root.handlers == [own]


def test_one_info_line_per_change_of_ownership(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="dagger.worker")
    log_ownership("tasks", {0, 1}, None, 3)
    log_ownership("tasks", {0, 1}, {0, 1}, 3)
    log_ownership("tasks", {1}, {0, 1}, 2)
    lines = [(r.levelno, r.getMessage()) for r in caplog.records]
    assert lines == [
        (logging.INFO, "owning partitions [0, 1] of tasks (before: none); 3 triggers scheduled"),
        (logging.DEBUG, "owning partitions [0, 1] of tasks (before: [0, 1]); 3 triggers scheduled"),
        (logging.INFO, "owning partitions [1] of tasks (before: [0, 1]); 2 triggers scheduled"),
    ]
