"""Settings of the pizza example, read from the environment with development defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


def bootstrap_servers(broker_url: str) -> str:
    """``kafka://host:port`` -> ``host:port`` (aiokafka's form)."""
    return broker_url.split("://", 1)[-1]


def _env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


@dataclass(frozen=True)
class PizzaSettings:
    """Where the pizza worker and its simulated services connect, and how they behave."""

    broker: str = field(
        default_factory=lambda: os.environ.get("DAGGER_BROKER", "kafka://127.0.0.1:9092")
    )
    """Kafka bootstrap URL (``kafka://host:port``)."""
    store: str = field(default_factory=lambda: os.environ.get("PIZZA_STORE", "rocksdb://"))
    """``rocksdb://`` (default) or ``aerospike://`` (needs ``AEROSPIKE_HOST``)."""
    aerospike_host: str = field(
        default_factory=lambda: os.environ.get("AEROSPIKE_HOST", "127.0.0.1")
    )
    """Aerospike server host when ``store`` is ``aerospike://``."""
    app_id: str = field(default_factory=lambda: os.environ.get("PIZZA_APP_ID", "pizza-workflow"))
    """Faust application id; also prefixes the changelog topics."""
    data_dir: str = field(
        default_factory=lambda: os.environ.get("PIZZA_DATA_DIR", "/tmp/pizza-data")
    )
    """Directory of the worker's RocksDB files."""
    web_port: int = field(default_factory=lambda: int(os.environ.get("PIZZA_WEB_PORT", "6066")))
    """Port of the worker's web API (``/tasks/instances``, ``/service/ready``)."""
    delivery_url: str = field(
        default_factory=lambda: os.environ.get("DELIVERY_URL", "http://127.0.0.1:8080/deliveries")
    )
    """Where the Delivery task POSTs the order (the simulated delivery service)."""
    partitions: int = field(default_factory=lambda: int(os.environ.get("PIZZA_PARTITIONS", "1")))
    """Partitions of the workflow topics and tables."""
    delivery_bind: str = field(
        default_factory=lambda: os.environ.get("PIZZA_DELIVERY_BIND", "127.0.0.1")
    )
    """Address the simulated delivery service listens on (``0.0.0.0`` inside a container)."""
    kitchen_seconds: float = field(default_factory=lambda: _env_float("PIZZA_KITCHEN_SECONDS", 0.5))
    """How long the simulated order service takes before it reports READY."""


ORDER_TOPIC = "pizza_order_topic"
"""The order service consumes orders here (the README's topic)."""
READY_TOPIC = "PizzaWaitForReadyListener"
"""The order service reports ``{"order_id", "status": "READY"}`` here (the README's topic)."""
ORDER_REQUESTS_TOPIC = "pizza_order_requests"
"""The demo asks the worker to start a workflow by sending an order here."""
