"""Simulated order and delivery services for the pizza example.

* The order service consumes orders from ``pizza_order_topic`` and, after a short
  "kitchen" delay, reports ``{"order_id", "status": "READY"}`` on the listener topic.
* The delivery service is an aiohttp app that records every delivery POSTed to it
  (``POST /deliveries``) and lists them (``GET /deliveries``).

``python -m examples.pizza.services`` runs both until interrupted; the demo runs them in-process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from examples.pizza.settings import ORDER_TOPIC, READY_TOPIC, PizzaSettings, bootstrap_servers

logger = logging.getLogger(__name__)


@dataclass
class Delivery:
    """One delivery request as the delivery service received it."""

    order_id: str
    body: dict[str, Any]
    received_at: float
    idempotency_key: str | None = None
    """The request's ``Idempotency-Key`` header: a real service would drop a second request
    with a key it has seen (this one records every request, so the demo can count them)."""


@dataclass
class DeliveryService:
    """An aiohttp delivery service that records what it receives."""

    port: int = 8080
    host: str = "127.0.0.1"
    deliveries: list[Delivery] = field(default_factory=list)
    on_delivery: Callable[[Delivery], None] | None = None
    _runner: web.AppRunner | None = None

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        delivery = Delivery(
            str(body.get("order_id")), body, time.time(), request.headers.get("Idempotency-Key")
        )
        self.deliveries.append(delivery)
        if self.on_delivery:
            self.on_delivery(delivery)
        return web.json_response({"accepted": delivery.order_id}, status=201)

    async def _list(self, request: web.Request) -> web.Response:
        return web.json_response([d.body for d in self.deliveries])

    async def start(self) -> None:
        """Serve on ``host``:``port``."""
        app = web.Application()
        app.router.add_post("/deliveries", self._post)
        app.router.add_get("/deliveries", self._list)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()


@dataclass
class OrderService:
    """Consumes orders and reports each READY after ``kitchen_seconds``."""

    broker_url: str
    kitchen_seconds: float = 0.5
    on_order: Callable[[str], None] | None = None
    """Called with the order id of every order received (a duplicate is called again)."""
    on_ready: Callable[[str], None] | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Start consuming in the background; returns once the consumer has joined."""
        servers = bootstrap_servers(self.broker_url)
        self._producer = AIOKafkaProducer(bootstrap_servers=servers)
        self._consumer = AIOKafkaConsumer(
            ORDER_TOPIC,
            bootstrap_servers=servers,
            group_id="pizza-order-service",
            auto_offset_reset="earliest",
        )
        await self._producer.start()
        await self._consumer.start()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        pending: set[asyncio.Task[None]] = set()
        async for message in self._consumer:
            try:
                order = json.loads(message.value)
                order_id = str(order["order_id"])
            except (ValueError, KeyError, TypeError):
                logger.warning("order service: skipping malformed order %r", message.value)
                continue
            if self.on_order:
                self.on_order(order_id)
            task = asyncio.create_task(self._cook(order_id))
            pending.add(task)
            task.add_done_callback(pending.discard)

    async def _cook(self, order_id: str) -> None:
        await asyncio.sleep(self.kitchen_seconds)  # the simulated kitchen, not a wait
        reply = json.dumps({"order_id": order_id, "status": "READY"}).encode()
        await self._producer.send_and_wait(READY_TOPIC, reply, key=order_id.encode())
        if self.on_ready:
            self.on_ready(order_id)

    async def stop(self) -> None:
        """Stop consuming and close the clients."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()
        await self._producer.stop()


async def _serve_forever(settings: PizzaSettings) -> None:
    port = int(settings.delivery_url.rsplit(":", 1)[-1].split("/", 1)[0])
    delivery = DeliveryService(port=port, host=settings.delivery_bind)
    orders = OrderService(settings.broker, settings.kitchen_seconds)
    await delivery.start()
    await orders.start()
    logger.info("order and delivery services running (delivery on port %d)", port)
    try:
        await asyncio.Event().wait()
    finally:
        await orders.stop()
        await delivery.stop()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve_forever(PizzaSettings()))
