"""The stores a worker keeps locally: RocksDB (faust tables with changelogs) and in-memory."""

from __future__ import annotations

from typing import Any

from dagger.store._base import IStore
from dagger.store._config import ROCKS_DB_OPTIONS
from dagger.store._tables import FaustTable, MemoryTable

KV_TABLE = "kv_table"
TRIGGERS_TABLE = "triggers_table"
CORRELATION_TABLE = "correletable_keys_table"


class RocksDBStore(IStore):
    """Faust tables in RocksDB, each backed by a Kafka changelog topic.

    The tables ``kv_table``, ``triggers_table`` and ``correletable_keys_table`` have
    ``kafka_partitions`` partitions; their changelogs are ``<app id>-<table>-changelog``.
    With ``enable_changelog=False`` nothing is written to the changelogs, so the data only
    lives in the local RocksDB files and a lost data directory loses it.
    """

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.enable_changelog = bool(getattr(app, "enable_changelog", True))
        faust_app = app.faust_app
        partitions = int(app.config.KAFKA_PARTITIONS)
        owned = app.owned_partitions

        def table(name: str) -> FaustTable:
            faust_table = faust_app.Table(
                name,
                partitions=partitions,
                key_type=bytes,
                value_type=bytes,
                options=dict(ROCKS_DB_OPTIONS),
                help=f"dagger {name}",
            )
            return FaustTable(faust_table, owned, changelog=self.enable_changelog)

        self.kv_table = table(KV_TABLE)
        self.triggers_table = table(TRIGGERS_TABLE)
        self.correletable_keys_table = table(CORRELATION_TABLE)

    async def remove_trigger(self, key: Any) -> None:
        """Remove the trigger stored under ``(workflow_id, task_id)`` (or a ``Trigger``)."""
        await IStore.remove_trigger(self, key)

    def get_db_options(self) -> dict[str, Any]:
        """The RocksDB options of the tables."""
        return dict(ROCKS_DB_OPTIONS)


class InMemoryStore(IStore):
    """Plain dicts per partition: for tests and demos; nothing survives a restart."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        owned = getattr(app, "owned_partitions", None)
        self.enable_changelog = False
        self.kv_table = MemoryTable(KV_TABLE, owned)
        self.triggers_table = MemoryTable(TRIGGERS_TABLE, owned)
        self.correletable_keys_table = MemoryTable(CORRELATION_TABLE, owned)
