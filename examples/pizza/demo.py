"""``make demo``: the pizza workflow end to end on the embedded development broker.

Starts the development broker (unless ``DAGGER_BROKER`` points at one), the simulated order
and delivery services, and one pizza worker; places N orders; shows live progress; prints a
summary; stops everything it started. Exits 0 only when every order reached the order service once
and was delivered exactly once, and every workflow instance is COMPLETED.

    python -m examples.pizza.demo [--orders 20] [--timeout 45] [--keep] [--copies 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from dagger.devbroker import DevBroker
from examples.pizza.orders import new_batch, place_orders
from examples.pizza.services import Delivery, DeliveryService, OrderService
from examples.pizza.settings import ORDER_REQUESTS_TOPIC, ORDER_TOPIC, READY_TOPIC, PizzaSettings
from examples.pizza.worker_process import WorkerProcess, create_topics, free_port

TOPICS = (ORDER_REQUESTS_TOPIC, ORDER_TOPIC, READY_TOPIC, "dagger_task_topic", "task_update_topic")


@dataclass
class Progress:
    """What the demo has seen happen to each order."""

    total: int
    placed_at: dict[str, float] = field(default_factory=dict)
    ordered: Counter[str] = field(default_factory=Counter)
    """How many times the order service received each order (the command's side effect)."""
    ready: set[str] = field(default_factory=set)
    deliveries: Counter[str] = field(default_factory=Counter)
    delivered_at: dict[str, float] = field(default_factory=dict)

    def mark_placed(self, order_id: str) -> None:
        """Record that ``order_id`` was just placed."""
        self.placed_at[order_id] = time.time()

    def line(self) -> str:
        """One status line with a bar for delivered orders."""
        width = 30
        done = len(self.delivered_at)
        bar = "#" * (width * done // max(self.total, 1))
        return (
            f"[{bar:<{width}}] placed {len(self.placed_at)}/{self.total}"
            f"  ready {len(self.ready)}/{self.total}  delivered {done}/{self.total}"
        )


@contextlib.asynccontextmanager
async def broker_url() -> AsyncIterator[str]:
    """The broker to use: ``DAGGER_BROKER`` if set, else a fresh development broker."""
    if os.environ.get("DAGGER_BROKER"):
        yield os.environ["DAGGER_BROKER"]
        return
    async with DevBroker() as broker:
        yield broker.url


async def fetch_instances(web_port: int, order_ids: set[str]) -> list[dict[str, Any]]:
    """The PizzaWorkflow instances of ``order_ids`` the worker holds, through its web API.

    On a Kafka that outlives the demo, the worker also recovers earlier runs' workflows.
    """
    url = f"http://127.0.0.1:{web_port}/tasks/instances?template=PizzaWorkflow&limit=1000"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        response.raise_for_status()
        instances = list(await response.json())
    return [i for i in instances if _order_id(i) in order_ids]


async def fetch_metrics(web_port: int) -> str:
    """The worker's Prometheus metrics (``GET /metrics``), as text."""
    url = f"http://127.0.0.1:{web_port}/metrics"
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        response.raise_for_status()
        return await response.text()


def _order_id(instance: dict[str, Any]) -> str:
    return str(instance.get("runtime_parameters", {}).get("order_id"))


def print_summary(progress: Progress, instances: list[dict[str, Any]]) -> None:
    """The summary table."""
    status_by_order = {_order_id(i): i.get("status", {}).get("code") for i in instances}
    print("\n\norder id           status      deliveries  seconds to delivery")
    for order_id in sorted(progress.placed_at):
        seconds = progress.delivered_at.get(order_id)
        took = f"{seconds - progress.placed_at[order_id]:.2f}" if seconds else "-"
        status = status_by_order.get(order_id, "MISSING")
        print(f"{order_id:<18} {status:<11} {progress.deliveries[order_id]:<11} {took}")


def print_where_to_look(web_port: int, *, kept: bool) -> None:
    """Where the worker's web API lists the instances."""
    base = f"http://127.0.0.1:{web_port}"
    if kept:
        print(f"\nThe worker's dashboard (open it in a browser): {base}/dashboard")
        print("\nThe worker keeps running until Ctrl-C. Its instances over the web API:")
    else:
        print("\nWhile a worker runs (`python -m examples.pizza.demo --keep` keeps this one),")
        print("its web API lists the instances:")
    print(f"  curl '{base}/tasks/instances?template=PizzaWorkflow&limit=5'")
    print(f"  curl {base}/tasks/instance/<workflow id>")
    print("or with the dagger command (docs/operations/cli.md):")
    print(f"  dagger instances list --url {base}")
    print(f"  dagger instances show <workflow id> --url {base}")


@dataclass
class DemoResult:
    """What one demo run observed: progress, deliveries and the final instances."""

    progress: Progress
    deliveries: list[Delivery]
    instances: list[dict[str, Any]]
    web_port: int
    batch: str
    """The tag in this run's order ids (``order-<batch>-0001``, ...)."""
    metrics: str = ""
    """The worker's ``GET /metrics`` text, scraped once the instances settled."""


async def run_demo(
    url: str,
    orders: int,
    timeout: float,
    *,
    show: bool = True,
    keep: bool = False,
    copies: int = 1,
) -> DemoResult:
    """Start services and a worker on broker ``url``, place ``orders``, wait, stop everything.

    With ``keep``, print the summary and leave everything running until cancelled (Ctrl-C).
    ``copies`` > 1 sends every order request that many times, as after a worker crash.
    """
    progress = Progress(total=orders)
    batch = new_batch()
    web_port, delivery_port = free_port(), free_port()
    await create_topics(url, TOPICS, partitions=1)
    delivery = DeliveryService(port=delivery_port)

    def record_delivery(d: Delivery) -> None:
        progress.deliveries.update([d.order_id])
        progress.delivered_at.setdefault(d.order_id, d.received_at)

    delivery.on_delivery = record_delivery
    kitchen = OrderService(url, kitchen_seconds=PizzaSettings().kitchen_seconds)
    kitchen.on_order = lambda order_id: progress.ordered.update([order_id])
    kitchen.on_ready = progress.ready.add
    data_dir = tempfile.mkdtemp(prefix="pizza-data-")
    env = {
        "DAGGER_BROKER": url,
        "PIZZA_DATA_DIR": data_dir,
        "PIZZA_WEB_PORT": str(web_port),
        "DELIVERY_URL": f"http://127.0.0.1:{delivery_port}/deliveries",
    }
    worker = WorkerProcess(["-m", "examples.pizza.worker"], env=env, log_dir=data_dir)
    instances: list[dict[str, Any]] = []
    metrics = ""
    try:
        await delivery.start()
        await kitchen.start()
        worker.start()
        _say(show, f"worker starting (log: {worker.log_path}) ...")
        await worker.wait_ready(web_port, timeout=60)
        await place_orders(url, orders, on_placed=progress.mark_placed, batch=batch, copies=copies)
        deadline = time.monotonic() + timeout
        shown = ""
        while len(progress.delivered_at) < orders and time.monotonic() < deadline:
            shown = _redraw(show, progress, shown)
            await asyncio.sleep(0.1)  # redraw period of the progress bar
        _redraw(show, progress, shown)
        instances = await settled_instances(web_port, set(progress.placed_at))
        metrics = await fetch_metrics(web_port)
        if keep:
            print_summary(progress, instances)
            print_where_to_look(web_port, kept=True)
            await asyncio.Event().wait()  # until Ctrl-C cancels the demo
    finally:
        worker.stop()
        await kitchen.stop()
        await delivery.stop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return DemoResult(progress, list(delivery.deliveries), instances, web_port, batch, metrics)


def _say(show: bool, text: str) -> None:
    if show:
        print(text, flush=True)


def _redraw(show: bool, progress: Progress, shown: str) -> str:
    """Redraw the progress line when it changed; return what is on screen now."""
    line = progress.line()
    if show and line != shown:
        if sys.stdout.isatty():
            print("\r" + line, end="", flush=True)  # redraw in place
        else:
            print(line, flush=True)
    return line


async def run(orders: int, timeout: float, keep: bool = False, copies: int = 1) -> int:
    """Run the demo on ``DAGGER_BROKER`` or a fresh development broker; return the exit code."""
    async with broker_url() as url:
        print(f"broker: {url}")
        result = await run_demo(url, orders, timeout, keep=keep, copies=copies)
    print_summary(result.progress, result.instances)
    print_where_to_look(result.web_port, kept=False)
    return verdict(result.progress, result.instances, orders)


async def settled_instances(
    web_port: int, order_ids: set[str], timeout: float = 10
) -> list[dict[str, Any]]:
    """The instances of ``order_ids``, once all are COMPLETED or ``timeout`` has passed.

    The last write of a workflow may trail its delivery POST.
    """
    deadline = time.monotonic() + timeout
    while True:
        instances = await fetch_instances(web_port, order_ids)
        completed = [i for i in instances if i.get("status", {}).get("code") == "COMPLETED"]
        if len(completed) >= len(order_ids) or time.monotonic() > deadline:
            return instances
        await asyncio.sleep(0.2)  # poll period while waiting for the final writes


def verdict(progress: Progress, instances: list[dict[str, Any]], orders: int) -> int:
    """0 when every order reached the order service once and was delivered once, and every
    instance COMPLETED."""
    cooked = sum(1 for order_id in progress.placed_at if progress.ordered[order_id] == 1)
    once = sum(1 for order_id in progress.placed_at if progress.deliveries[order_id] == 1)
    completed = sum(1 for i in instances if i.get("status", {}).get("code") == "COMPLETED")
    ok = cooked == once == completed == len(instances) == orders
    print(
        f"\n{'OK' if ok else 'FAILED'}: {cooked}/{orders} sent to the order service once, "
        f"{once}/{orders} delivered exactly once, {completed}/{len(instances)} instances COMPLETED"
    )
    return 0 if ok else 1


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20, help="how many orders to place")
    parser.add_argument("--timeout", type=float, default=45.0, help="seconds to wait for delivery")
    parser.add_argument(
        "--keep", action="store_true", help="keep the worker running after the summary"
    )
    parser.add_argument(
        "--copies",
        type=int,
        default=1,
        help="send every order request this many times (a replay after a crash)",
    )
    args = parser.parse_args()
    try:
        sys.exit(asyncio.run(run(args.orders, args.timeout, args.keep, args.copies)))
    except KeyboardInterrupt:
        print("\ninterrupted; everything the demo started was stopped")
        sys.exit(130)


if __name__ == "__main__":
    main()
