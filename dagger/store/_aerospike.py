"""The Aerospike store: the engine's tables in an Aerospike namespace, shared by all workers.

Needs the real client (``pip install 'wf-dagger[aerospike]'``). Aerospike is one database for
every worker, so partitions do not matter for where records live (they are ignored) and only
the leader worker runs the timer. Set names are ``<application_name>_kv_table``,
``<application_name>_triggers_value_table`` and ``<application_name>_correletable_keys_table``;
records carry the configured TTL. No Kafka changelog is written: durability is Aerospike's.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from dagger.store._base import IStore
from dagger.store._tables import PartitionedTable

logger = logging.getLogger("dagger.store")

try:  # pragma: no cover - depends on the optional extra
    import aerospike
except ImportError:  # pragma: no cover
    aerospike = None

BIN = "value_key"
INSTALL_HINT = "the Aerospike store needs the aerospike client: pip install 'wf-dagger[aerospike]'"


class AerospikeTable(PartitionedTable):  # pragma: no cover - needs a server
    """One Aerospike set as a (non-partitioned) table."""

    def __init__(self, client: Any, namespace: str, set_name: str, ttl: int) -> None:
        self.client = client
        self.namespace = namespace
        self.name = set_name
        self.ttl = ttl

    def _key(self, key: str) -> tuple[str, str, str]:
        return (self.namespace, self.name, key)

    def _owned_now(self) -> set[int]:
        return {0}

    def find(self, key: str) -> tuple[int, bytes] | None:
        """Return ``(0, value)`` when the key exists."""
        try:
            _, _, bins = self.client.get(self._key(key))
        except aerospike.exception.RecordNotFound:
            return None
        value = bins.get(BIN) if bins else None
        return None if value is None else (0, bytes(value))

    def _get_in(self, key: str, partition: int) -> bytes | None:
        found = self.find(key)
        return None if found is None else found[1]

    def put(self, key: str, value: bytes, partition: int) -> None:
        """Upsert the record (with the configured TTL)."""
        policy = {"key": aerospike.POLICY_KEY_SEND, "exists": aerospike.POLICY_EXISTS_IGNORE}
        self.client.put(
            self._key(key),
            {BIN: bytearray(value)},
            meta={"ttl": self.ttl},
            policy=policy,
        )

    def delete(self, key: str, partition: int) -> None:
        """Remove the record (no-op when absent)."""
        with contextlib.suppress(aerospike.exception.RecordNotFound):
            self.client.remove(self._key(key))

    def items(
        self, partitions: Iterable[int] | None = None, prefix: str = ""
    ) -> Iterator[tuple[int, str, bytes]]:
        """Scan the set (a full scan: keys must be stored, ``POLICY_KEY_SEND``)."""
        rows: list[tuple[str, bytes]] = []

        def collect(record: Any) -> None:
            (_, _, key, _), _, bins = record
            if key is not None and bins and BIN in bins and str(key).startswith(prefix):
                rows.append((str(key), bytes(bins[BIN])))

        self.client.scan(self.namespace, self.name).foreach(collect)
        for key, value in sorted(rows):
            yield 0, key, value


class AerospikeStore(IStore):
    """Tables in Aerospike (``Dagger(store="aerospike://", aerospike_config=...)``)."""

    is_global = True

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        if aerospike is None:
            raise ImportError(INSTALL_HINT)
        config = getattr(app, "aerospike_config", None)
        if config is None:
            raise ValueError(
                "store='aerospike://' needs aerospike_config=AerospikeConfig(...) "
                "(dagger.service.engineconfig)"
            )
        self.config = config
        self.enable_changelog = False
        options = config.as_options()
        client_config = dict(options["client"])
        self.client = aerospike.client(client_config)  # pragma: no cover - needs a server
        if config.USERNAME:  # pragma: no cover
            self.client.connect(config.USERNAME, config.PASSWORD)
        else:  # pragma: no cover
            self.client.connect()
        prefix = app.config.APPLICATION_NAME  # pragma: no cover
        ttl = int(config.TTL)  # pragma: no cover
        self.kv_table = AerospikeTable(self.client, config.NAMESPACE, f"{prefix}_kv_table", ttl)
        self.triggers_table = AerospikeTable(
            self.client, config.NAMESPACE, f"{prefix}_triggers_value_table", ttl
        )
        self.correletable_keys_table = AerospikeTable(
            self.client, config.NAMESPACE, f"{prefix}_correletable_keys_table", ttl
        )

    def _insert_trigger(self, value: Any) -> None:  # pragma: no cover - needs a server
        """Write a trigger record directly (0.2.6's low-level insert)."""
        self.triggers_table.put(f"{value.workflow_id}/{value.id}", value.dumps(), 0)

    async def remove_trigger(self, key: Any) -> None:
        """Remove the trigger stored under ``(workflow_id, task_id)`` (or a ``Trigger``)."""
        await IStore.remove_trigger(self, key)

    def get_db_options(self) -> dict[str, Any]:
        """The Aerospike options (``AerospikeConfig.as_options()``)."""
        return dict(self.config.as_options())
