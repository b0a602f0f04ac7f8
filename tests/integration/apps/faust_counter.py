"""A minimal faust worker for testing the test harness and the development broker settings.

Counts records per key of ``$COUNTER_TOPIC`` in a RocksDB table with a changelog, and serves
``/service/ready`` (``{"is_ready": true}`` once recovery is done) and ``/counts``.

    python tests/integration/apps/faust_counter.py worker -l info
"""

from __future__ import annotations

import os
from typing import Any

import faust

from dagger.devbroker import dev_faust_settings

app = faust.App(
    os.environ["COUNTER_APP_ID"],
    broker=os.environ["DAGGER_BROKER"],
    datadir=os.environ["DAGGER_DATA_DIR"],
    web_port=int(os.environ["DAGGER_WEB_PORT"]),
    web_host="127.0.0.1",
    store="rocksdb://",
    topic_partitions=int(os.environ.get("COUNTER_PARTITIONS", "2")),
    consumer_auto_offset_reset="earliest",
    **dev_faust_settings(),
)
topic = app.topic(os.environ["COUNTER_TOPIC"], key_serializer="raw", value_serializer="raw")
counts = app.Table("counts", default=int, key_type=str, value_type=int)


@app.agent(topic)
async def count(stream: Any) -> None:
    async for key, _value in stream.items():
        counts[key.decode()] += 1


@app.page("/service/ready")
async def ready(web: Any, request: Any) -> Any:
    recovered = app.tables.recovery.completed.is_set()  # type: ignore[attr-defined]
    return web.json({"is_ready": bool(recovered and not app.rebalancing)})


@app.page("/counts")
async def show_counts(web: Any, request: Any) -> Any:
    return web.json(dict(counts.items()))


if __name__ == "__main__":
    app.main()
