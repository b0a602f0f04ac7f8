"""Place pizza orders: send order requests to the worker's ``pizza_order_requests`` topic.

    python -m examples.pizza.orders [--orders 5] [--broker kafka://localhost:29092]

The demo uses :func:`place_orders`; run this module by hand against a worker started some
other way, for example by ``docker compose up``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from examples.pizza.settings import ORDER_REQUESTS_TOPIC, PizzaSettings, bootstrap_servers


def new_batch() -> str:
    """A short tag that makes this run's order ids unique.

    The workflow id is derived from the order id (see ``pizza_workflow_id``), so an order id
    used again in a later run against the same Kafka would name a workflow that already exists
    and start nothing: each run's orders are new orders.
    """
    return secrets.token_hex(3)


def order_body(n: int, batch: str) -> dict[str, object]:
    """The request for order ``n`` of ``batch``: what the workflow receives as runtime parameters."""
    return {
        "order_id": f"order-{batch}-{n:04d}",
        "customer_id": f"customer-{n}",
        "pizza_type": n % 3,
    }


async def place_orders(
    broker_url: str,
    orders: int,
    on_placed: Callable[[str], None] | None = None,
    *,
    batch: str,
    copies: int = 1,
) -> None:
    """Send ``orders`` order requests of ``batch``, keyed by order id, one at a time.

    With ``copies`` > 1 each request is sent that many times, as a worker would see it again
    after a crash (processing is at-least-once): the order must still be delivered once.
    """
    if copies < 1:
        raise ValueError(f"copies must be at least 1, got {copies}")
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(broker_url))
    await producer.start()
    try:
        for n in range(1, orders + 1):
            body = order_body(n, batch)
            order_id = str(body["order_id"])
            if on_placed is not None:
                on_placed(order_id)
            for _ in range(copies):
                await producer.send_and_wait(
                    ORDER_REQUESTS_TOPIC, json.dumps(body).encode(), key=order_id.encode()
                )
    finally:
        await producer.stop()


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description="Place pizza orders.")
    parser.add_argument("--orders", type=int, default=5, help="how many orders to place")
    parser.add_argument("--broker", default=PizzaSettings().broker, help="kafka://host:port")
    args = parser.parse_args()
    batch = new_batch()
    asyncio.run(place_orders(args.broker, args.orders, batch=batch))
    print(
        f"placed {args.orders} orders (order-{batch}-0001 ...) "
        f"on {ORDER_REQUESTS_TOPIC} at {args.broker}"
    )


if __name__ == "__main__":
    main()
