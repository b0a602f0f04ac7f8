"""What a worker says on stderr when it starts, and how it fails when it cannot.

Each test runs ``tests/integration/apps/startup_app.py`` (a worker using ``Dagger.main()``
with no logging set up of its own) as a subprocess, with stdout and stderr in separate files.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dagger.devbroker import DevBroker
from tests.support.ids import unique_name
from tests.support.ports import free_port
from tests.support.processes import die_with_parent
from tests.support.waiting import wait_until
from tests.support.worker import PROJECT_ROOT

pytestmark = pytest.mark.integration

APP = Path(__file__).parent / "apps" / "startup_app.py"
#: What a failed start may take beyond its own checks: starting Python and importing faust.
START_MARGIN = 20.0


class StartupWorker:
    """``startup_app.py`` in a subprocess, its stdout and stderr kept apart."""

    def __init__(
        self,
        tmp: Path,
        *,
        broker: str,
        data_dir: Path,
        web_port: int,
        prefix: str | None = None,
        **env: str,
    ) -> None:
        self.prefix = prefix or unique_name("start")
        self.web_port = web_port
        self.data_dir = data_dir
        self.stderr_path, self.stdout_path = tmp / "stderr.log", tmp / "stdout.log"
        environment = {
            **os.environ,
            "PYTHONPATH": str(PROJECT_ROOT),
            "PYTHONUNBUFFERED": "1",
            "DAGGER_BROKER": broker,
            "DAGGER_DATA_DIR": str(data_dir),
            "DAGGER_WEB_PORT": str(web_port),
            "STARTUP_APP_ID": self.prefix,
            "STARTUP_PREFIX": self.prefix,
            **env,
        }
        self.started = time.monotonic()
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.popen = subprocess.Popen(
                [sys.executable, str(APP)],
                cwd=PROJECT_ROOT,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def describe(self) -> str:
        return f"exit {self.popen.poll()}; stderr:\n{self.stderr()}\nstdout:\n{self.stdout()}"

    def wait_for_line(self, pattern: str, timeout: float = 60.0) -> str:
        """The first stderr line matching ``pattern``, once there is one."""
        regex = re.compile(pattern)

        def found() -> str | None:
            return next((ln for ln in self.stderr().splitlines() if regex.search(ln)), None)

        line: str = wait_until(
            found,
            timeout=timeout,
            interval=0.1,
            message=lambda: f"no {pattern!r}: {self.describe()}",
        )
        return line

    def wait_exit(self, timeout: float) -> tuple[int, float]:
        """The exit status, and the seconds from start to exit."""
        code = self.popen.wait(timeout=timeout)
        return code, time.monotonic() - self.started

    def close(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, 15)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, 9)
                self.popen.wait(timeout=10)


@pytest.fixture
def start(tmp_path: Path) -> Iterator[Callable[..., StartupWorker]]:
    """Factory: ``start(broker=..., data_dir=..., web_port=..., ...)``; stopped at teardown."""
    started: list[StartupWorker] = []

    def make(**kwargs: Any) -> StartupWorker:
        worker = StartupWorker(tmp_path, **kwargs)
        started.append(worker)
        return worker

    yield make
    for worker in started:
        worker.close()


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def test_a_normal_start_says_what_the_worker_is(
    dev_broker: DevBroker, start: Callable[..., StartupWorker], tmp_path: Path
) -> None:
    port, prefix = free_port(), unique_name("start")
    for topic in (f"{prefix}-tasks", f"{prefix}-listen"):
        dev_broker.create_topic(topic, partitions=1)
    worker = start(broker=dev_broker.url, data_dir=tmp_path / "data", web_port=port, prefix=prefix)
    line = worker.wait_for_line(r"worker starting")
    assert " INFO dagger.worker: " in line
    for part in (
        f"app {worker.prefix}",
        f"broker {dev_broker.url}",
        "store rocksdb://",
        f"data dir {tmp_path / 'data'}",
        f"web http://127.0.0.1:{port}",
        f"tasks topic {worker.prefix}-tasks",
    ):
        assert part in line, f"{part!r} not in {line!r}"
    owned = worker.wait_for_line(r"owning partitions")
    assert f"owning partitions [0] of {worker.prefix}-tasks (before: none)" in owned
    assert " INFO dagger.worker: " in owned
    stderr = worker.stderr()
    # Quiet by default: only dagger logs at INFO; faust, mode and aiokafka only from WARNING.
    chatter = [ln for ln in stderr.splitlines() if " INFO " in ln and " INFO dagger." not in ln]
    assert chatter == [], worker.describe()
    assert "partitions, expected" not in stderr  # the topics match kafka_partitions
    assert worker.stdout() == ""
    worker.close()
    assert worker.popen.returncode == 0, worker.describe()


def test_topics_with_another_partition_count_are_a_warning(
    dev_broker: DevBroker, start: Callable[..., StartupWorker], tmp_path: Path
) -> None:
    # As a broker's auto-creation would have made them, against kafka_partitions=1.
    prefix = unique_name("start")
    dev_broker.create_topic(f"{prefix}-tasks", partitions=2)
    dev_broker.create_topic(f"{prefix}-listen", partitions=3)
    worker = start(
        broker=dev_broker.url,
        data_dir=tmp_path / "data",
        web_port=free_port(),
        prefix=prefix,
    )
    tasks = worker.wait_for_line(rf"topic {worker.prefix}-tasks has")
    listen = worker.wait_for_line(rf"topic {worker.prefix}-listen has")
    assert " WARNING dagger.worker: " in tasks
    assert "has 2 partitions, expected 1 (kafka_partitions=1)" in tasks
    assert "has 3 partitions, expected 1 (kafka_partitions=1)" in listen
    assert worker.popen.poll() is None  # a warning, not a failure


def test_a_taken_web_port_fails_fast_in_one_line(
    dev_broker: DevBroker, start: Callable[..., StartupWorker], tmp_path: Path
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        worker = start(broker=dev_broker.url, data_dir=tmp_path / "data", web_port=port)
        code, took = worker.wait_exit(timeout=START_MARGIN)
    assert code == 1, worker.describe()
    [line] = _error_lines(worker.stderr())
    assert " ERROR dagger.worker: cannot start: " in line
    assert f"web port {port} on 127.0.0.1 is not available: Address already in use" in line
    assert took < START_MARGIN


def test_an_unwritable_data_dir_fails_fast_in_one_line(
    dev_broker: DevBroker, start: Callable[..., StartupWorker], tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where a directory should be")
    worker = start(broker=dev_broker.url, data_dir=blocker / "data", web_port=free_port())
    code, _took = worker.wait_exit(timeout=START_MARGIN)
    assert code == 1, worker.describe()
    [line] = _error_lines(worker.stderr())
    assert f"cannot start: data directory {blocker / 'data'} is not writable" in line


class _NotKafka:
    """A TCP server on a free loopback port that accepts and says nothing, or garbage."""

    def __init__(self, reply: bytes) -> None:
        self.reply = reply
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.accepted.append(conn)
            if self.reply:
                conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.mark.parametrize("reply", [b"", b"HTTP/1.1 400 Bad Request\r\n\r\n" * 4])
def test_an_address_that_is_not_kafka_fails_within_the_startup_timeout(
    reply: bytes, start: Callable[..., StartupWorker], tmp_path: Path
) -> None:
    server = _NotKafka(reply)
    try:
        address = f"127.0.0.1:{server.port}"
        worker = start(
            broker=f"kafka://{address}",
            data_dir=tmp_path / "data",
            web_port=free_port(),
            STARTUP_TIMEOUT="3",
        )
        code, took = worker.wait_exit(timeout=3 + START_MARGIN)
        assert server.accepted, "the worker never connected"
    finally:
        server.close()
    assert code == 1, worker.describe()
    [line] = _error_lines(worker.stderr())
    assert f"cannot start: no Kafka broker answered at {address} within 3 s" in line
    assert f"{address} accepts connections but does not answer as a Kafka broker" in line
    assert took < 3 + START_MARGIN


def test_a_closed_broker_port_fails_within_the_startup_timeout(
    start: Callable[..., StartupWorker], tmp_path: Path
) -> None:
    address = f"127.0.0.1:{free_port()}"
    worker = start(
        broker=address,
        data_dir=tmp_path / "data",
        web_port=free_port(),
        STARTUP_TIMEOUT="2",
    )
    code, _took = worker.wait_exit(timeout=2 + START_MARGIN)
    assert code == 1, worker.describe()
    [line] = _error_lines(worker.stderr())
    assert f"no Kafka broker answered at {address} within 2 s: cannot connect" in line
    assert "Connection refused" in line
