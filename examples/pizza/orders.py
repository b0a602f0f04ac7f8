"""Place pizza orders: send order requests to the worker's ``pizza_order_requests`` topic.

    python -m examples.pizza.orders [--orders 5] [--broker kafka://localhost:29092]

The demo uses :func:`place_orders`; run this module by hand against a worker started some
other way, for example by ``docker compose up``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable

from aiokafka import AIOKafkaProducer

from examples.pizza.settings import ORDER_REQUESTS_TOPIC, PizzaSettings, bootstrap_servers


def order_body(n: int) -> dict[str, object]:
    """The request for order number ``n``: what the workflow receives as runtime parameters."""
    return {"order_id": f"order-{n:04d}", "customer_id": f"customer-{n}", "pizza_type": n % 3}


async def place_orders(
    broker_url: str, orders: int, on_placed: Callable[[str], None] | None = None
) -> None:
    """Send ``orders`` order requests, keyed by order id, one at a time."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(broker_url))
    await producer.start()
    try:
        for n in range(1, orders + 1):
            body = order_body(n)
            order_id = str(body["order_id"])
            if on_placed is not None:
                on_placed(order_id)
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
    asyncio.run(place_orders(args.broker, args.orders))
    print(f"placed {args.orders} orders on {ORDER_REQUESTS_TOPIC} at {args.broker}")


if __name__ == "__main__":
    main()
