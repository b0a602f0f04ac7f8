"""Building the faust app a ``Dagger`` engine runs on."""

from __future__ import annotations

import logging
import logging.config
from typing import Any

import faust

from dagger.runtime import _recovery_gate
from dagger.runtime._headers import CommandHeadersTopic

logger = logging.getLogger("dagger.runtime")

#: Settings the engine chooses; keyword arguments given to ``Dagger`` override them.
#: ``web_in_thread`` stays off so web views run on the worker's event loop, next to the
#: tables they read. ``autodiscover`` is off: templates are registered when the app module
#: is imported, and scanning ``package_name`` would import every module of it. ``Topic``
#: adds the idempotency headers to the messages command tasks send (``_headers``).
ENGINE_DEFAULTS: dict[str, Any] = {
    "version": 1,
    "autodiscover": False,
    "value_serializer": "raw",
    "web_in_thread": False,
    # faust's /table/... views serve every table's raw stored records; opt in with
    # web_tables_enabled=True (docs/operations/web-api.md).
    "web_tables_enabled": False,
    "Topic": CommandHeadersTopic,
}

#: faust's store for its own bookkeeping, per engine store URL (the Aerospike store keeps
#: the engine's tables in Aerospike, so faust needs no local database).
FAUST_STORES = {"rocksdb://": "rocksdb://", "memory://": "memory://", "aerospike://": "memory://"}


def create_faust_app(
    application_name: str,
    *,
    broker: str,
    store: str,
    datadir: str | None,
    package_name: str,
    kafka_partitions: int,
    logging_config: dict[str, Any] | None,
    extra: dict[str, Any],
) -> faust.App:
    """Create the faust app: engine defaults, then the caller's settings on top; stream
    messages fetched while a recovery ends are not dropped (``_recovery_gate``)."""
    settings: dict[str, Any] = dict(ENGINE_DEFAULTS)
    settings.update(
        broker=broker,
        origin=package_name,
        store=FAUST_STORES.get(store, store),
        topic_partitions=kafka_partitions,
    )
    if datadir is not None:
        settings["datadir"] = datadir
    if logging_config is not None:
        settings["logging_config"] = logging_config
    settings.update(extra)
    # 0.2.6's README passes serializer="raw"; faust has no such setting.
    settings.pop("serializer", None)
    app = faust.App(application_name, **settings)
    _recovery_gate.install(app)
    return app


def apply_logging_config(logging_config: dict[str, Any] | None) -> None:
    """Apply a ``logging.config.dictConfig`` configuration, if one is given."""
    if logging_config:
        logging.config.dictConfig(logging_config)
