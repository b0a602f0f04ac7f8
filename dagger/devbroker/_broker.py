"""The `DevBroker` handle: one memory-only Tansu broker on a local port."""

from __future__ import annotations

import asyncio
import os
import time
from types import TracebackType
from typing import Literal

from dagger.devbroker._binary import DevBrokerError, find_broker_binary
from dagger.devbroker._process import (
    BrokerProcess,
    accepts_connections,
    pick_free_port,
    port_is_free,
)
from dagger.devbroker._sync import run_sync
from dagger.devbroker._topics import acreate_topic

#: Attempts at a free port before giving up (another process may take it between our probe
#: and the broker's bind).
_PORT_ATTEMPTS = 5
_POLL = 0.01  # seconds between readiness probes; Tansu is ready in a few milliseconds


class DevBroker:
    """A Kafka-compatible development broker (Tansu) running on a local port.

    Memory-only and for development and tests: every topic, record and consumer-group offset
    is lost when it stops. Use Apache Kafka in production (see ``docker-compose.yml``). Workers
    that use it need `dagger.devbroker.dev_faust_settings`.

    Use it as a context manager (sync or async), or call `start` and `stop`:

        with DevBroker() as broker:
            broker.create_topic("orders", partitions=4)
            app = faust.App("shop", broker=broker.url, **dev_faust_settings())

    The broker process runs in its own process group and is killed when this Python process
    exits, however it exits.

    Args:
        port: TCP port to listen on; a free one is picked when ``None``.
        host: address to listen on.
        advertised_host: address clients are told to connect to (defaults to ``host``, or
            ``127.0.0.1`` when ``host`` is a wildcard address).
        log_file: file that receives the broker's own output (appended); by default it goes
            to an anonymous temporary file, shown only when the broker fails to start.
        startup_timeout: seconds to wait for the port to accept connections.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        host: str = "127.0.0.1",
        advertised_host: str | None = None,
        log_file: str | os.PathLike[str] | None = None,
        startup_timeout: float = 10.0,
    ) -> None:
        if port is not None and not 0 < port < 65536:
            raise ValueError(f"port out of range: {port}")
        self.host = host
        self.advertised_host = advertised_host or (
            "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        )
        self.log_file = log_file
        self.startup_timeout = startup_timeout
        self._requested_port = port
        self._process: BrokerProcess | None = None

    # -- addresses ----------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the broker listens on (known once started, or when given)."""
        if self._process is not None:
            return self._process.port
        if self._requested_port is not None:
            return self._requested_port
        raise DevBrokerError("the broker has not been started, so it has no port yet")

    @property
    def bootstrap_servers(self) -> str:
        """``host:port``, as Kafka clients (aiokafka, kafka-python) take it."""
        return f"{_url_host(self.advertised_host)}:{self.port}"

    @property
    def url(self) -> str:
        """``kafka://host:port``, as faust's ``broker=`` setting takes it."""
        return f"kafka://{self.bootstrap_servers}"

    @property
    def running(self) -> bool:
        """Whether the broker process is running."""
        return self._process is not None and self._process.alive()

    @property
    def pid(self) -> int | None:
        """The broker's process id while it runs."""
        return self._process.pid if self._process is not None else None

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        where = self.url if self._process or self._requested_port else "no port yet"
        return f"<DevBroker {where} {state}>"

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> DevBroker:
        """Start the broker and return once its port accepts connections."""
        if self._process is not None:
            raise DevBrokerError(f"{self!r} is already started")
        binary = find_broker_binary()
        last_error: DevBrokerError | None = None
        for _ in range(self._attempts()):
            process = self._spawn(binary)
            deadline = time.monotonic() + self.startup_timeout
            while (outcome := self._probe(process, deadline)) is None:
                time.sleep(_POLL)
            if outcome is True:
                self._process = process
                return self
            last_error = outcome
        assert last_error is not None
        raise last_error

    async def astart(self) -> DevBroker:
        """Like `start`, but waits without blocking the event loop."""
        if self._process is not None:
            raise DevBrokerError(f"{self!r} is already started")
        binary = find_broker_binary()
        last_error: DevBrokerError | None = None
        for _ in range(self._attempts()):
            process = self._spawn(binary)
            deadline = time.monotonic() + self.startup_timeout
            while (outcome := self._probe(process, deadline, connect_timeout=0.05)) is None:
                await asyncio.sleep(_POLL)
            if outcome is True:
                self._process = process
                return self
            last_error = outcome
        assert last_error is not None
        raise last_error

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after ``timeout`` s). Safe to call twice."""
        process, self._process = self._process, None
        if process is not None:
            process.stop(timeout)

    async def astop(self, timeout: float = 5.0) -> None:
        """Like `stop`, but waits without blocking the event loop."""
        process, self._process = self._process, None
        if process is None:
            return
        process.begin_stop()
        deadline = time.monotonic() + timeout
        while process.alive() and time.monotonic() < deadline:
            await asyncio.sleep(_POLL)
        process.finish_stop()

    def __enter__(self) -> DevBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> DevBroker:
        return await self.astart()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()

    # -- topics -------------------------------------------------------------------------------

    async def acreate_topic(
        self, name: str, partitions: int = 1, *, exist_ok: bool = True, timeout: float = 10.0
    ) -> None:
        """Create a topic with an explicit partition count and wait until clients see it.

        Pre-create every topic a test or demo uses: topics the broker creates on first use
        get 4 partitions. An existing topic with the same partition count is accepted when
        ``exist_ok`` is true; one with another count raises `DevBrokerError`.
        """
        self._require_running()
        await acreate_topic(
            self.bootstrap_servers, name, partitions, exist_ok=exist_ok, timeout=timeout
        )

    def create_topic(
        self, name: str, partitions: int = 1, *, exist_ok: bool = True, timeout: float = 10.0
    ) -> None:
        """Blocking form of `acreate_topic` (runs a private event loop).

        From async code, use `acreate_topic`: called inside a running event loop this
        works (on a helper thread) but blocks that loop until the topic exists.
        """
        self._require_running()
        run_sync(
            acreate_topic(
                self.bootstrap_servers, name, partitions, exist_ok=exist_ok, timeout=timeout
            )
        )

    # -- internals ----------------------------------------------------------------------------

    def _attempts(self) -> int:
        return 1 if self._requested_port is not None else _PORT_ATTEMPTS

    def _spawn(self, binary: str) -> BrokerProcess:
        port = self._requested_port
        if port is None:
            port = pick_free_port(self.host or "0.0.0.0")
        elif not port_is_free(self.host or "0.0.0.0", port):
            # Tansu would exit (with status 0) and a probe would find whatever holds the port.
            raise DevBrokerError(f"port {port} on {self.host or '*'} is already in use")
        return BrokerProcess(
            binary,
            host=self.host or "0.0.0.0",
            port=port,
            advertised_host=self.advertised_host,
            log_file=self.log_file,
        )

    def _probe(
        self, process: BrokerProcess, deadline: float, connect_timeout: float = 0.2
    ) -> Literal[True] | DevBrokerError | None:
        """``True`` when ready, an error when it failed (the process is cleaned up), or
        ``None`` to keep waiting."""
        probe_host = self.advertised_host if self.host in ("0.0.0.0", "", "::") else self.host
        if not process.alive():
            return self._failed(process, "the broker exited during startup")
        if accepts_connections(probe_host, process.port, timeout=connect_timeout):
            # A port stolen by another process also accepts; make sure ours is the listener.
            if process.alive():
                return True
            return self._failed(process, "the broker exited during startup")
        if time.monotonic() >= deadline:
            process.stop(timeout=1.0)
            return self._failed(
                process, f"port {process.port} did not open within {self.startup_timeout} s"
            )
        return None

    @staticmethod
    def _failed(process: BrokerProcess, reason: str) -> DevBrokerError:
        output = process.output_tail()
        process.finish_stop()
        detail = f"\n--- broker output ---\n{output}" if output else ""
        return DevBrokerError(f"{reason} (port {process.port}){detail}")

    def _require_running(self) -> None:
        if not self.running:
            raise DevBrokerError(f"{self!r} is not running")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
