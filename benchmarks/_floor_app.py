"""The floor: a plain faust agent writing one RocksDB table value per message.

Same topic, broker settings, store and changelog as the engine run; whatever an engine on
faust does per workflow, it cannot beat this. Run by the harness as a subprocess.
"""

from __future__ import annotations

import os
import time

import faust

from benchmarks._reporter import Reporter
from dagger.devbroker import dev_faust_settings

BROKER = os.environ["BENCH_BROKER"]
TOPIC = os.environ["BENCH_TOPIC"]
reporter = Reporter(os.environ["BENCH_RESULT"], int(os.environ["BENCH_N"]))
#: BENCH_FLOOR_VALUE_BYTES: write a value about that large (the start message repeated), to
#: see what the size of the stored record costs (a chain10 workflow is about 13 KB).
VALUE_COPIES = max(1, int(os.environ.get("BENCH_FLOOR_VALUE_BYTES", "0")) // 20)
#: BENCH_FLOOR_WRITES: table writes (changelog records) per message, to see what one more
#: produced record costs.
WRITES = max(1, int(os.environ.get("BENCH_FLOOR_WRITES", "1")))

app = faust.App(
    os.environ["BENCH_APP_ID"],
    broker=BROKER,
    store="rocksdb://",
    datadir=os.environ["BENCH_DATA_DIR"],
    web_port=int(os.environ["BENCH_WEB_PORT"]),
    consumer_auto_offset_reset="earliest",
    value_serializer="raw",
    topic_partitions=int(os.environ.get("BENCH_PARTITIONS", "1")),
    **dev_faust_settings(),
)
table = app.Table("floor_table", key_type=str, value_type=bytes)
topic = app.topic(TOPIC, key_type=bytes, value_type=bytes, value_serializer="raw")


@app.agent(topic)
async def write_one_value_per_message(stream: faust.StreamT) -> None:
    """The floor's whole job: one table write per message."""
    async for event in stream.events():
        picked_up = time.time()
        reporter.started()
        key = event.key.decode() if isinstance(event.key, bytes) else str(event.key)
        for n in range(WRITES):
            table[f"{key}/{n}" if n else key] = event.value * VALUE_COPIES
        reporter.done(time.time() - picked_up)


if __name__ == "__main__":
    app.main()
