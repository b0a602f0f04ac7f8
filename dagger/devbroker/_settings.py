"""faust App settings for workers that run on the development broker."""

from __future__ import annotations

from typing import Any


def dev_faust_settings() -> dict[str, Any]:
    """Return the faust App settings a worker needs on the development broker (Tansu).

    Pass them to ``faust.App(...)`` or to ``Dagger(...)`` next to ``broker=``:

        app = faust.App("my-app", broker=broker.url, **dev_faust_settings())

    - ``producer_max_batch_size=1``: Tansu answers ListOffsets(latest) with ``base_offset + 1``
      after a multi-record batch; faust takes that as a changelog's high-water mark and table
      recovery misses records or raises ``ConsistencyError``. One record per batch avoids it.
    - ``broker_session_timeout=6.0``, ``broker_heartbeat_interval=1.0``,
      ``broker_rebalance_timeout=6.0``: Tansu holds a group join for about half the session
      timeout, so faust's 60 s default would stall every worker start and rebalance for ~30 s.
    - ``topic_replication_factor=1``: the broker has a single node.

    Do not use these against a production Kafka cluster: the one-record batches cost
    throughput there. Tansu has no idempotent or transactional producer, so faust's
    ``processing_guarantee="exactly_once"`` is unavailable on it.
    """
    return {
        "producer_max_batch_size": 1,
        "broker_session_timeout": 6.0,
        "broker_heartbeat_interval": 1.0,
        "broker_rebalance_timeout": 6.0,
        "topic_replication_factor": 1,
    }
