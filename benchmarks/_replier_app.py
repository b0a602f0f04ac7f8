"""The pizza scenario's order service, in its own process as a real service would be.

Consumes ``<BENCH_TOPIC>-orders`` and answers each order at once with a READY message on
``<BENCH_TOPIC>-ready``, keyed by the order id (a plain aiokafka consumer and producer with
their default batching). Run by the harness beside the engine worker.
"""

from __future__ import annotations

import asyncio
import json
import os

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


async def serve(bootstrap: str, orders: str, ready: str) -> None:
    """Answer every order until killed."""
    consumer = AIOKafkaConsumer(
        orders,
        bootstrap_servers=bootstrap,
        group_id=f"{orders}-replier",
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1)
    await consumer.start()
    await producer.start()
    try:
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=500)
            for records in batches.values():
                for record in records:
                    order_id = json.loads(record.value)["order_id"]
                    body = json.dumps({"order_id": order_id}).encode()
                    await producer.send(ready, body, key=order_id.encode())
    finally:
        await producer.stop()
        await consumer.stop()


if __name__ == "__main__":
    topic = os.environ["BENCH_TOPIC"]
    asyncio.run(
        serve(os.environ["BENCH_BROKER"].split("://", 1)[-1], f"{topic}-orders", f"{topic}-ready")
    )
