"""The ``scale`` scenario: how costs grow with the number of stored workflows.

For each size (1k, 10k, 100k by default) one worker fills its store (half the workflows
waiting on a listener, half ended; ``_scale_app``), then the harness measures:

- ``GET /tasks/instances?limit=50``, ``?status=EXECUTING&limit=50`` and
  ``?status=FAILURE&limit=50`` (matches nothing, so every workflow is looked at): p50/p99 of
  ``LIST_REQUESTS`` sequential requests each (a quarter as many for the last);
- listener message delivery (send to ``on_message``), p50/p99, quiet and while 20 clients
  list in a loop: whether list traffic moves workflow latency;
- the correlation lookup of a listener message, µs (timed inside the worker);
- worker start-up with its data dir, and recovery from the changelogs after the data dir is
  deleted: seconds until ``/service/ready`` and a listing shows every waiting workflow;
- peak RSS of the worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaProducer

from benchmarks._harness import (
    WorkerProcess,
    broker,
    create_topic,
    percentile,
    produce,
)

SIZES = (1_000, 10_000, 100_000)
PER_MESSAGE = 500
#: Fewer requests and deliveries keep a run of a slow build (the "before" numbers) short.
LIST_REQUESTS = int(os.environ.get("BENCH_SCALE_REQUESTS", "200"))
DELIVERIES = int(os.environ.get("BENCH_SCALE_DELIVERIES", "200"))
LIST_CLIENTS = 20
#: Seconds a restarted worker gets to list every waiting workflow again.
RESTART_TIMEOUT = float(os.environ.get("BENCH_SCALE_RESTART_TIMEOUT", "600"))


@dataclass
class ScaleRow:
    """The numbers at one size."""

    size: int
    fill_s: float = 0.0
    list_p50: float = 0.0
    list_p99: float = 0.0
    status_p50: float = 0.0
    status_p99: float = 0.0
    #: A filter no workflow matches: every stored workflow is looked at.
    rare_p50: float = 0.0
    rare_p99: float = 0.0
    lookup_us: float = 0.0
    deliver_quiet: tuple[float, float] = (0.0, 0.0)
    deliver_listing: tuple[float, float] = (0.0, 0.0)
    startup_s: float = 0.0
    recovery_s: float = 0.0
    rss_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[float, Any]:
    began = time.perf_counter()
    async with session.get(url) as response:
        body = await response.json()
    return (time.perf_counter() - began) * 1000.0, body


async def _latencies(session: aiohttp.ClientSession, url: str, n: int) -> tuple[float, float]:
    times = [(await _get(session, url))[0] for _ in range(n)]
    return percentile(times, 0.5), percentile(times, 0.99)


async def _listed(session: aiohttp.ClientSession, base: str, upto: int) -> int:
    """How many EXECUTING workflows the worker lists (binary search on ``offset``)."""
    low, high = 0, upto  # low are listed; more than high are not looked for
    while low < high:
        middle = (low + high + 1) // 2
        url = f"{base}/tasks/instances?status=EXECUTING&limit=1&offset={middle - 1}"
        if len((await _get(session, url))[1]) == 1:
            low = middle
        else:
            high = middle - 1
    return low


async def _wait_listed(base: str, waiting: int, timeout: float) -> tuple[float, int]:
    """Seconds until the worker is ready and lists ``waiting`` EXECUTING workflows, and how
    many it lists (fewer than ``waiting`` when ``timeout`` passed first)."""
    began = time.monotonic()
    url = f"{base}/tasks/instances?status=EXECUTING&limit=1&offset={max(0, waiting - 1)}"
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - began < timeout:
            try:
                async with session.get(f"{base}/service/ready") as response:
                    ready = (await response.json()).get("is_ready")
                if ready and len((await _get(session, url))[1]) == 1:
                    return time.monotonic() - began, waiting
            except (aiohttp.ClientError, ValueError):
                pass
            await asyncio.sleep(0.1)  # poll period while the worker starts
        return time.monotonic() - began, await _listed(session, base, waiting)


async def _deliveries(
    url: str, topic: str, first: int, count: int, result: Path
) -> tuple[float, float]:
    """Complete ``count`` waiting workflows; p50/p99 of send -> ``on_message`` (ms)."""
    log = Path(f"{result}.deliveries")
    log.unlink(missing_ok=True)
    producer = AIOKafkaProducer(bootstrap_servers=url.split("://", 1)[-1])
    await producer.start()
    try:
        for i in range(first, first + 2 * count, 2):
            body = json.dumps({"order_id": f"o-{i}", "sent": time.time()}).encode()
            await producer.send_and_wait(topic, body, key=f"o-{i}".encode())
            await asyncio.sleep(0.01)  # a steady trickle, not a burst
    finally:
        await producer.stop()
    deadline = time.monotonic() + 900  # list traffic may slow deliveries a lot
    while time.monotonic() < deadline:
        done = log.read_text().split() if log.exists() else []
        if len(done) >= count:
            times = [float(x) * 1000.0 for x in done]
            return percentile(times, 0.5), percentile(times, 0.99)
        await asyncio.sleep(0.2)  # poll period
    raise TimeoutError("listener messages were not all delivered")


async def _listing_clients(base: str) -> asyncio.subprocess.Process:
    """``LIST_CLIENTS`` clients listing in a loop, in their own process (``_list_clients``)."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "benchmarks._list_clients",
        f"{base}/tasks/instances?limit=50",
        str(LIST_CLIENTS),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )


async def _stop_listing(clients: asyncio.subprocess.Process) -> tuple[int, int]:
    """Stop the clients; how many list requests they had answered, and failed."""
    out, _ = await clients.communicate(b"")  # closing stdin tells them to stop
    answered, failed = (int(n) for n in out.split())
    return answered, failed


async def _one_size(url: str, size: int) -> ScaleRow:
    row = ScaleRow(size)
    topic = f"bench-scale-{uuid.uuid4().hex[:6]}"
    ready_topic = f"{topic}-ready"
    for name in (topic, f"{topic}-tasks", ready_topic):
        await create_topic(url, name)
    spans = [
        (b"", json.dumps({"from": a, "to": min(size, a + PER_MESSAGE)}).encode())
        for a in range(0, size, PER_MESSAGE)
    ]
    await produce(url, topic, spans)
    env = {"BENCH_BROKER": url, "BENCH_TOPIC": topic}
    worker = WorkerProcess("scale", "benchmarks._scale_app", env, size)
    try:
        worker.start()
        data = await worker.wait_result(timeout=3600)
        row.fill_s = data["fill_seconds"]
        row.lookup_us = data["lookup_us"]
        row.extra = data
        waiting = (size + 1) // 2
        await _wait_listed(worker.base_url, waiting, 600)
        row.extra["waiting"] = waiting
        async with aiohttp.ClientSession() as session:
            row.list_p50, row.list_p99 = await _latencies(
                session, f"{worker.base_url}/tasks/instances?limit=50", LIST_REQUESTS
            )
            row.status_p50, row.status_p99 = await _latencies(
                session,
                f"{worker.base_url}/tasks/instances?status=EXECUTING&limit=50",
                LIST_REQUESTS,
            )
            row.rare_p50, row.rare_p99 = await _latencies(
                session,
                f"{worker.base_url}/tasks/instances?status=FAILURE&limit=50",
                max(1, LIST_REQUESTS // 4),
            )
        count = min(DELIVERIES, waiting // 4)
        row.deliver_quiet = await _deliveries(url, ready_topic, 0, count, worker.result_path)
        clients = await _listing_clients(worker.base_url)
        began = time.monotonic()
        try:
            row.deliver_listing = await _deliveries(
                url, ready_topic, 2 * count, count, worker.result_path
            )
        finally:
            answered, failed = await _stop_listing(clients)
        row.extra["list_requests_per_s"] = round(answered / (time.monotonic() - began), 1)
        row.extra["list_requests_failed"] = failed
        waiting -= 2 * count
        row.extra["waiting"] = waiting
        row.rss_mb = worker.peak_rss_mb()
        # Start-up with the data dir kept, then recovery after deleting it.
        worker.stop()
        worker.start()
        row.startup_s, row.extra["startup_listed"] = await _wait_listed(
            worker.base_url, max(1, waiting), RESTART_TIMEOUT
        )
        row.rss_mb = max(row.rss_mb, worker.peak_rss_mb())
        worker.stop()
        shutil.rmtree(worker.data_dir, ignore_errors=True)
        worker.start()
        row.recovery_s, row.extra["recovery_listed"] = await _wait_listed(
            worker.base_url, max(1, waiting), RESTART_TIMEOUT
        )
        row.rss_mb = max(row.rss_mb, worker.peak_rss_mb())
    finally:
        worker.stop()
        worker.cleanup()
    return row


async def run_scale(sizes: tuple[int, ...], broker_url: str | None) -> list[ScaleRow]:
    """Measure every size, each on its own topics and worker."""
    rows = []
    async with broker(broker_url) as url:
        for size in sizes:
            print(f"scale: {size} workflows on {url}", flush=True)
            rows.append(await _one_size(url, size))
            print(scale_table(rows[-1:]), flush=True)  # each size as soon as it is measured
    return rows


def _restart(row: ScaleRow, phase: str) -> str:
    seconds = row.startup_s if phase == "startup" else row.recovery_s
    listed, waiting = row.extra.get(f"{phase}_listed"), row.extra.get("waiting")
    if listed is None or listed == waiting:
        return f"{seconds:.1f}"
    return f"> {seconds:.0f} (listed {listed:,} of {waiting:,})"


def scale_table(rows: list[ScaleRow]) -> str:
    """The markdown table of a scale run."""
    lines = [
        "| stored | fill s | list p50/p99 ms | status filter p50/p99 ms "
        "| no match p50/p99 ms | lookup µs "
        "| delivery p50/p99 ms quiet | delivery p50/p99 ms, 20 listing (lists/s) | start-up s "
        "| recovery s | peak RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.size:,} | {r.fill_s:.0f} | {r.list_p50:.1f} / {r.list_p99:.1f} "
            f"| {r.status_p50:.1f} / {r.status_p99:.1f} | {r.rare_p50:.1f} / {r.rare_p99:.1f} "
            f"| {r.lookup_us:.0f} "
            f"| {r.deliver_quiet[0]:.0f} / {r.deliver_quiet[1]:.0f} "
            f"| {r.deliver_listing[0]:.0f} / {r.deliver_listing[1]:.0f} "
            f"({r.extra.get('list_requests_per_s', '?')}/s) "
            f"| {_restart(r, 'startup')} | {_restart(r, 'recovery')} | {r.rss_mb:.0f} |"
        )
    return "\n".join(lines)
