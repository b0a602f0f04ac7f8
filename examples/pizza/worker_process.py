"""Process helpers for the demo: run a worker subprocess, find free ports, create topics."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import aiohttp

from dagger.devbroker import acreate_topic
from examples.pizza.settings import bootstrap_servers


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def create_topics(broker_url: str, names: Iterable[str], partitions: int) -> None:
    """Create topics with an explicit partition count; existing ones are accepted."""
    for name in names:
        await acreate_topic(bootstrap_servers(broker_url), name, partitions, exist_ok=True)


class WorkerProcess:
    """A worker started as ``python ARGS`` in its own process group, logging to a file."""

    def __init__(self, args: list[str], *, env: dict[str, str], log_dir: str) -> None:
        self.args = args
        self.env = {**os.environ, **env}
        self.log_path = Path(log_dir) / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the worker."""
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, *self.args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()

    async def wait_ready(self, web_port: int, timeout: float) -> None:
        """Poll ``/service/ready`` until the worker says it is ready, or fail."""
        url = f"http://127.0.0.1:{web_port}/service/ready"
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if self.process is None or self.process.poll() is not None:
                    raise RuntimeError(f"worker exited early; see {self.log_path}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(url) as response:
                        if response.status == 200 and (await response.json()).get("is_ready"):
                            return
                await asyncio.sleep(0.2)  # poll period
        raise TimeoutError(f"worker not ready after {timeout} s; see {self.log_path}")

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the worker's process group, then SIGKILL it if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
