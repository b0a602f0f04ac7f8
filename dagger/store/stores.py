"""The engine's stores (the 0.2.6 ``dagger.store.stores`` surface).

- :class:`RocksDBStore`: faust tables in RocksDB with Kafka changelogs (the default);
- :class:`AerospikeStore`: an Aerospike namespace shared by all workers (optional extra);
- :class:`InMemoryStore`: dicts, for tests.

All are :class:`IStore` objects holding three partitioned tables: ``kv_table``,
``triggers_table`` and ``correletable_keys_table``.
"""

from dagger.core.status import TERMINAL_STATUSES
from dagger.store._aerospike import AerospikeStore
from dagger.store._base import IStore
from dagger.store._config import ROCKS_DB_OPTIONS
from dagger.store._local import InMemoryStore, RocksDBStore
from dagger.store._tables import FaustTable, MemoryTable, PartitionedTable

__all__ = [
    "ROCKS_DB_OPTIONS",
    "TERMINAL_STATUSES",
    "AerospikeStore",
    "FaustTable",
    "IStore",
    "InMemoryStore",
    "MemoryTable",
    "PartitionedTable",
    "RocksDBStore",
]
