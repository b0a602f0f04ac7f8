"""Start-up checks of a worker: fail fast, in one line, on what would otherwise hang or crash.

Before the worker starts (``Dagger.main()``): the data directory can be written, the web
port can be bound, and a Kafka broker answers at the ``broker`` address within
``Dagger.STARTUP_TIMEOUT`` seconds. Once it owns its partitions: every topic the engine
reads has the partition count it was configured with (a mismatch is a warning).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from dagger.runtime._broker_url import bootstrap_servers

logger = logging.getLogger("dagger.worker")

_RETRY_PAUSE = 0.5  # seconds between connection attempts while the broker is not up yet
_CLOSE_TIMEOUT = 2.0  # seconds to close a probe client that may be talking to a non-broker


class StartupError(Exception):
    """The worker cannot start; the message names the problem in one line."""


def check_datadir(path: Path) -> None:
    """Create the data directory if needed and make sure a file can be written in it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StartupError(f"data directory {path} is not writable: {reason}") from None


def check_web_port(host: str, port: int) -> None:
    """Make sure the web server will be able to listen on ``host:port``."""
    if port == 0:
        return  # the OS picks a free port
    try:
        infos = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        family, kind, proto, _name, address = infos[0]
        with socket.socket(family, kind, proto) as sock:
            # As the web server does (aiohttp): a port in TIME_WAIT is usable, a listening one is not.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise StartupError(f"web port {port} on {host or '*'} is not available: {reason}") from None


async def probe_broker(servers: list[str], timeout: float) -> None:
    """Wait until a Kafka broker answers a metadata request at ``servers``, within ``timeout``.

    Connection errors are retried until the deadline (a broker may still be starting); an
    address that accepts connections but does not speak Kafka fails at the deadline.
    """
    from aiokafka.admin import AIOKafkaAdminClient

    deadline = time.monotonic() + timeout
    reason = "no answer"
    while (remaining := deadline - time.monotonic()) > 0:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=servers, request_timeout_ms=max(100, int(remaining * 1000))
        )
        try:
            await asyncio.wait_for(admin.start(), remaining)
            return
        except Exception:  # aiokafka raises several kinds for a refused or foreign peer
            reason = await _why_unreachable(servers, deadline)
        finally:
            try:
                await asyncio.wait_for(admin.close(), _CLOSE_TIMEOUT)
            except Exception:
                logger.debug("closing the broker probe failed", exc_info=True)
        await asyncio.sleep(min(_RETRY_PAUSE, max(0.0, deadline - time.monotonic())))
    raise StartupError(
        f"no Kafka broker answered at {', '.join(servers)} within {timeout:g} s: {reason}; "
        "check the broker address"
    )


async def _why_unreachable(servers: list[str], deadline: float) -> str:
    """Tell a closed port from a peer that accepts connections but does not speak Kafka."""
    errors = []
    for server in servers:
        host, _, port = server.rpartition(":")
        wait = max(0.05, min(1.0, deadline - time.monotonic()))
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host.strip("[]"), int(port)), wait
            )
        except (OSError, asyncio.TimeoutError) as exc:
            errors.append(f"{server}: {_reason(exc)}")
            continue
        writer.close()
        return f"{server} accepts connections but does not answer as a Kafka broker"
    return "cannot connect (" + "; ".join(errors) + ")"


def _reason(exc: BaseException) -> str:
    """A short reason: "Connection refused", "Name or service not known", "no connection"."""
    errno = getattr(exc, "errno", None)
    if isinstance(errno, int) and errno > 0:
        return os.strerror(errno)
    return getattr(exc, "strerror", None) or "no connection"


@contextlib.contextmanager
def _quiet_aiokafka() -> Iterator[None]:
    """Silence aiokafka's own errors during the probe: its failure is reported in one line."""
    aiokafka_logger = logging.getLogger("aiokafka")
    saved = aiokafka_logger.level
    aiokafka_logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        aiokafka_logger.setLevel(saved)


def preflight(engine: Any, servers: list[str], timeout: float) -> None:
    """Run the checks that need no running worker; raise `StartupError` on the first failure."""
    conf = engine.faust_app.conf
    check_datadir(Path(conf.datadir).absolute())
    if conf.web_enabled:
        check_web_port(str(conf.web_bind), int(conf.web_port))
    # On a helper thread with its own loop: the worker's loop is not running yet and must
    # stay untouched for mode.
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with _quiet_aiokafka():
                asyncio.run(probe_broker(servers, timeout))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, name="dagger-broker-probe", daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


def log_start(engine: Any) -> None:
    """Log the start-up line (INFO)."""
    logger.info("%s", describe(engine))


def describe(engine: Any) -> str:
    """The start-up line: app id, broker, store, data dir, web address, tasks topic."""
    conf = engine.faust_app.conf
    cfg = engine.config
    web = f"http://{conf.web_bind}:{conf.web_port}" if conf.web_enabled else "off"
    return (
        f"worker starting: app {cfg.APPLICATION_NAME}, broker {cfg.BROKER}, "
        f"store {cfg.STORE}, data dir {Path(conf.datadir).absolute()}, web {web}, "
        f"tasks topic {engine.tasks_topic.get_topic_name()}, "
        f"kafka_partitions {cfg.KAFKA_PARTITIONS}"
    )


def log_ownership(
    topic: str, owned: set[int] | None, before: set[int] | None, triggers: int
) -> None:
    """One INFO line when the owned partitions change (DEBUG when a rebalance changed nothing)."""
    changed = owned != before or before is None
    logger.log(
        logging.INFO if changed else logging.DEBUG,
        "owning partitions %s of %s (before: %s); %d triggers scheduled",
        "all (global store)" if owned is None else sorted(owned),
        topic,
        "none" if before is None else sorted(before),
        triggers,
    )


def expected_partitions(engine: Any) -> dict[str, int]:
    """The topics the worker reads, with the partition count each should have."""
    partitions = int(engine.config.KAFKA_PARTITIONS)
    expected = {engine.tasks_topic.get_topic_name(): partitions}
    expected.update({name: partitions for name in engine.listeners})
    for table in engine.faust_app.tables.values():
        count = table.partitions or engine.faust_app.conf.topic_partitions
        expected[table.changelog_topic.get_topic_name()] = int(count)
    return expected


def partition_mismatches(
    expected: Mapping[str, int], actual: Mapping[str, int]
) -> list[tuple[str, int, int]]:
    """``(topic, expected, actual)`` for each existing topic whose count differs."""
    return [
        (topic, want, actual[topic])
        for topic, want in sorted(expected.items())
        if topic in actual and actual[topic] != want
    ]


async def topic_partitions(servers: list[str], topics: list[str], timeout: float) -> dict[str, int]:
    """The partition count of each of ``topics`` that exists (never creates one)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=servers, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        # Only existing topics are described: a metadata request may auto-create the others.
        existing = set(await asyncio.wait_for(admin.list_topics(), timeout))
        wanted = [t for t in topics if t in existing]
        if not wanted:
            return {}
        described = await asyncio.wait_for(admin.describe_topics(wanted), timeout)
    finally:
        await asyncio.wait_for(admin.close(), _CLOSE_TIMEOUT)
    return {
        meta["topic"]: len(meta.get("partitions") or [])
        for meta in described
        if not meta.get("error_code")
    }


async def warn_on_partition_mismatch(engine: Any) -> None:
    """Once the worker is ready, warn about each topic whose partition count is not the
    configured one (topics a broker creates on first use get its default count)."""
    servers = bootstrap_servers(engine.config.BROKER)
    timeout = float(engine.STARTUP_TIMEOUT)
    while not engine.is_ready():
        if engine.should_stop:
            return
        await asyncio.sleep(0.1)  # poll period; readiness is a flag, not an event
    expected = expected_partitions(engine)
    try:
        actual = await topic_partitions(servers, sorted(expected), timeout)
    except Exception as exc:
        logger.warning("could not check the partition counts of the topics: %s", exc)
        return
    for topic, want, have in partition_mismatches(expected, actual):
        logger.warning(
            "topic %s has %d partitions, expected %d (kafka_partitions=%d): a topic the "
            "broker creates on first use gets its default count; create the topic beforehand "
            "with %d, or make kafka_partitions match it",
            topic,
            have,
            want,
            engine.config.KAFKA_PARTITIONS,
            want,
        )
