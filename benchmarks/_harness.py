"""Runs one benchmark: broker, pre-produced start messages, one worker process, numbers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer


@dataclass
class RunResult:
    """The numbers of one worker run."""

    name: str
    completed: int
    seconds: float
    transitions: int
    p50_ms: float
    p99_ms: float
    peak_rss_mb: float
    cpu_seconds: float

    @property
    def rate(self) -> float:
        """Completed units per second."""
        return self.completed / self.seconds if self.seconds > 0 else 0.0

    @property
    def transition_rate(self) -> float:
        """Task transitions per second."""
        return self.transitions / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_us_per_unit(self) -> float:
        """Worker CPU time per completed unit, in microseconds."""
        return 1e6 * self.cpu_seconds / self.completed if self.completed else 0.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


@contextlib.asynccontextmanager
async def broker(url: str | None) -> AsyncIterator[str]:
    """The given broker, or a fresh development broker for the duration."""
    if url:
        yield url
        return
    from dagger.devbroker import DevBroker

    async with DevBroker() as dev:
        yield dev.url


async def create_topic(url: str, name: str, partitions: int = 1) -> None:
    """Create a topic with an explicit partition count and wait until it is visible."""
    from dagger.devbroker import acreate_topic

    await acreate_topic(url, name, partitions)


async def produce(url: str, topic: str, messages: list[tuple[bytes, bytes]]) -> None:
    """Pre-produce the start messages (before the worker starts)."""
    producer = AIOKafkaProducer(bootstrap_servers=url.split("://", 1)[-1], linger_ms=5)
    await producer.start()
    try:
        batch = [await producer.send(topic, value, key=key) for key, value in messages]
        await asyncio.gather(*batch)
    finally:
        await producer.stop()


def _stop(proc: subprocess.Popen[bytes], *, graceful: bool) -> None:
    """Kill the worker's process group; when profiling, let it exit (and report) first."""
    if graceful:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


@contextlib.contextmanager
def side_process(module: str, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``python -m module`` (a simulated service) for the duration, then kill it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", module],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        _stop(proc, graceful=False)


def peak_rss_mb(pid: int) -> float:
    """The peak resident set size of a process (``VmHWM``), in MB."""
    return _peak_rss_mb(pid)


class WorkerProcess:
    """A worker the harness starts, stops and restarts on the same data dir and app id."""

    def __init__(self, name: str, module: str, env: dict[str, str], expected: int) -> None:
        self.name = name
        self.module = module
        self.workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        self.result_path = self.workdir / "result.json"
        self.data_dir = self.workdir / "data"
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **env,
            "BENCH_RESULT": str(self.result_path),
            "BENCH_N": str(expected),
            "BENCH_APP_ID": f"bench-{name}-{uuid.uuid4().hex[:6]}",
            "BENCH_DATA_DIR": str(self.data_dir),
            "BENCH_WEB_PORT": str(self.port),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._peak = 0.0

    def start(self) -> None:
        """Start the worker (its log is appended to ``worker.log``)."""
        with (self.workdir / "worker.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", self.module, "worker", "-l", "warn"],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def peak_rss_mb(self) -> float:
        """The peak RSS seen so far (the current process's ``VmHWM`` included)."""
        if self.proc is not None and self.proc.poll() is None:
            self._peak = max(self._peak, _peak_rss_mb(self.proc.pid))
        return self._peak

    async def wait_result(self, timeout: float) -> dict[str, Any]:
        """Wait for the worker's result file."""
        deadline = time.monotonic() + timeout
        while not self.result_path.exists():
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name}: worker exited; see {self.workdir}/worker.log")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name}: no result in {timeout} s; see {self.workdir}")
            self.peak_rss_mb()
            await asyncio.sleep(0.5)  # result poll period
        self.peak_rss_mb()
        data: dict[str, Any] = json.loads(self.result_path.read_text())
        return data

    def stop(self) -> None:
        """Kill the worker (as a crash would)."""
        if self.proc is not None:
            self.peak_rss_mb()
            _stop(self.proc, graceful=False)
            self.proc = None

    def cleanup(self) -> None:
        """Remove the work dir."""
        shutil.rmtree(self.workdir, ignore_errors=True)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (0 when empty)."""
    return _percentile(values, q)


def _peak_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


async def run_worker(
    name: str, module: str, env: dict[str, str], expected: int, timeout: float
) -> RunResult:
    """Run ``python -m module worker`` until it reports ``expected`` completions."""
    workdir = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
    result_path = workdir / "result.json"
    child_env = {
        **os.environ,
        **env,
        "BENCH_RESULT": str(result_path),
        "BENCH_N": str(expected),
        "BENCH_APP_ID": f"bench-{name}-{uuid.uuid4().hex[:6]}",
        "BENCH_DATA_DIR": str(workdir / "data"),
        "BENCH_WEB_PORT": str(_free_port()),
    }
    log = (workdir / "worker.log").open("wb")
    # BENCH_PROFILE profiles the engine worker; BENCH_PROFILE_FLOOR the floor's, to compare
    # what faust costs per message in each.
    profile = os.environ.get(
        "BENCH_PROFILE_FLOOR" if module.endswith("_floor_app") else "BENCH_PROFILE"
    )
    command = [sys.executable, "-m", module, "worker", "-l", "warn"]
    if profile and module.endswith(("_engine_app", "_floor_app")):
        # pyinstrument writes its report when the worker exits on SIGINT (see below).
        # BENCH_PROFILE_RENDERER=pstats writes a file for ``pstats`` (sort by own time);
        # =cprofile profiles deterministically instead (every call counted, slower).
        renderer = os.environ.get("BENCH_PROFILE_RENDERER", "text")
        if renderer == "cprofile":
            command[1:3] = ["-m", "cProfile", "-o", profile, "-m", module]
        else:
            command[1:3] = ["-m", "pyinstrument", "-r", renderer, "-o", profile, "-m", module]
    proc = subprocess.Popen(
        command,
        env=child_env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    progress = Path(f"{result_path}.progress")
    peak = 0.0
    shown = ""
    try:
        while not result_path.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"{name}: worker exited; see {workdir / 'worker.log'}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name}: not done in {timeout} s; see {workdir}")
            done = progress.read_text() if progress.exists() else "0"
            if done != shown:
                shown = done
                print(f"\r  {name}: {done}/{expected}", end="", file=sys.stderr, flush=True)
            peak = max(peak, _peak_rss_mb(proc.pid))
            await asyncio.sleep(0.2)  # progress poll period
        peak = max(peak, _peak_rss_mb(proc.pid))
        print(f"\r  {name}: {expected}/{expected}", file=sys.stderr, flush=True)
        data: dict[str, Any] = json.loads(result_path.read_text())
    finally:
        _stop(proc, graceful=bool(profile))
        log.close()
    shutil.rmtree(workdir, ignore_errors=True)
    picked = int(data.get("picked", expected))
    if picked > expected:  # at-least-once: a rebalance or a restart delivered some again
        print(f"  {name}: {picked - expected} start messages were delivered again", file=sys.stderr)
    latencies = [x * 1000.0 for x in data["latencies"]]
    return RunResult(
        name=name,
        completed=data["completed"],
        seconds=max(data["last_done"] - data["first_start"], 1e-9),
        transitions=data["transitions"],
        p50_ms=_percentile(latencies, 0.50),
        p99_ms=_percentile(latencies, 0.99),
        peak_rss_mb=peak,
        cpu_seconds=float(data.get("cpu_seconds", 0.0)),
    )
