"""Shared fixtures.

- ``dev_broker`` (session): one development broker (Tansu) for the whole run, started only
  when a test asks for it. Tests using it are marked ``integration`` automatically.
- ``make_topic``: ``make_topic(partitions=1, prefix="topic") -> str`` creates a uniquely
  named topic with that many partitions on the session broker and returns its name.
- ``unique_id``: a unique app id for this test, ``t-<8 hex>``.
- ``worker``: ``worker(module_or_script, **kwargs) -> WorkerProcess`` starts a worker
  subprocess logging under the test's tmp dir; every one is stopped at teardown.

Tests marked ``aerospike`` are deselected (not run, and said so at the end) unless an Aerospike
server answers at ``$AEROSPIKE_HOST:$AEROSPIKE_PORT`` (default port 3000).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dagger.devbroker import DevBroker, DevBrokerUnavailable
from tests.support.ids import unique_name
from tests.support.ports import port_open
from tests.support.worker import WorkerProcess

_BROKER_FIXTURES = {"dev_broker", "make_topic"}


def _aerospike_up() -> bool:
    host = os.environ.get("AEROSPIKE_HOST")
    port = int(os.environ.get("AEROSPIKE_PORT", "3000"))
    return bool(host) and port_open(port, host=host or "", timeout=1.0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _BROKER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)
    needs_aerospike = [item for item in items if item.get_closest_marker("aerospike")]
    if needs_aerospike and not _aerospike_up():
        # Not run, and not reported as a skip either: the header says why.
        config.hook.pytest_deselected(items=needs_aerospike)
        items[:] = [item for item in items if item not in needs_aerospike]
        config.stash[_AEROSPIKE_DESELECTED] = len(needs_aerospike)


_AEROSPIKE_DESELECTED = pytest.StashKey[int]()


def pytest_report_header(config: pytest.Config) -> str:
    return (
        "aerospike tests: run when an Aerospike server answers at $AEROSPIKE_HOST[:$AEROSPIKE_PORT]"
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    count = config.stash.get(_AEROSPIKE_DESELECTED, 0)
    if count:
        terminalreporter.write_line(
            f"{count} aerospike test(s) deselected: no Aerospike server at $AEROSPIKE_HOST"
        )


@pytest.fixture(scope="session")
def dev_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevBroker]:
    """One memory-only development broker for the test session, on a free port."""
    log_file = tmp_path_factory.mktemp("devbroker") / "tansu.log"
    broker = DevBroker(log_file=log_file)
    try:
        broker.start()
    except DevBrokerUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def make_topic(dev_broker: DevBroker) -> Callable[..., str]:
    """Factory: ``make_topic(partitions=1, prefix="topic") -> name`` on the session broker."""

    def make(partitions: int = 1, prefix: str = "topic") -> str:
        name = unique_name(prefix)
        dev_broker.create_topic(name, partitions=partitions, exist_ok=False)
        return name

    return make


@pytest.fixture
def unique_id() -> str:
    """A unique app id (also a legal topic and group name) for this test."""
    return unique_name("t")


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Factory: ``worker(module_or_script, **kwargs) -> WorkerProcess`` (already started).

    Data and logs go under the test's tmp dir (``workerN/data``, ``workerN/worker.log``);
    keyword arguments are :class:`~tests.support.worker.WorkerProcess`'s. Every worker is
    stopped (SIGTERM, then SIGKILL) at teardown.
    """
    started: list[WorkerProcess] = []

    def start(module_or_script: str | os.PathLike[str], **kwargs: Any) -> WorkerProcess:
        base = tmp_path / f"worker{len(started) + 1}"
        kwargs.setdefault("data_dir", base / "data")
        kwargs.setdefault("log_path", base / "worker.log")
        proc = WorkerProcess(module_or_script, **kwargs)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.close()
