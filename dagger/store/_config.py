"""Engine configuration records, published as ``dagger.service.engineconfig`` (0.2.6).

- :class:`StoreEnum`: the store URLs ``Dagger(store=...)`` understands;
- :class:`EngineConfig`: what ``Dagger`` was constructed with;
- :class:`AerospikeConfig`: connection settings of the Aerospike store;
- :data:`ROCKS_DB_OPTIONS`: the RocksDB options of the engine's tables.

They live in the store layer because the stores read them; the service re-exports them.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple

MiB = 1024 * 1024


class StoreEnum(enum.Enum):
    """Store URLs: RocksDB (faust tables with Kafka changelogs) or Aerospike."""

    AEROSPIKE = "aerospike://"
    ROCKSDB = "rocksdb://"


class EngineConfig(NamedTuple):
    """The main settings ``Dagger`` was constructed with."""

    BROKER: str
    DATADIR: str | None
    STORE: str
    APPLICATION_NAME: str
    PACKAGE_NAME: str
    KAFKA_PARTITIONS: int
    KWARGS: dict[str, Any]


class AerospikeConfig(NamedTuple):
    """Connection settings of the Aerospike store.

    ``HOSTS`` is a list of ``(host, port)`` pairs; ``POLICIES`` the client policies;
    ``TTL`` the record time-to-live in seconds (``-1``: never expire); ``KWARGS`` extra
    client configuration.
    """

    HOSTS: list[Any]
    POLICIES: dict[str, Any]
    NAMESPACE: str
    USERNAME: str | None
    PASSWORD: str | None
    TTL: int
    KWARGS: dict[str, Any] | None

    def as_options(self) -> dict[str, Any]:
        """The option dict an Aerospike store is built from (faust's AeroSpikeStore shape)."""
        return {
            "hosts": self.HOSTS,
            "policies": self.POLICIES,
            "ttl": self.TTL,
            "username": self.USERNAME,
            "password": self.PASSWORD,
            "namespace": self.NAMESPACE,
            "client": {"hosts": self.HOSTS, "policies": self.POLICIES, **(self.KWARGS or {})},
        }


class CompressionType:
    """RocksDB compression names (0.2.6's stand-in when python-rocksdb is absent)."""

    no_compression = "no_compression"
    snappy_compression = "snappy_compression"
    zlib_compression = "zlib_compression"
    bzip2_compression = "bzip2_compression"
    lz4_compression = "lz4_compression"
    lz4hc_compression = "lz4hc_compression"
    xpress_compression = "xpress_compression"
    zstd_compression = "zstd_compression"
    zstdnotfinal_compression = "zstdnotfinal_compression"
    disable_compression = "disable_compression"


#: RocksDB options of the engine's tables (as 0.2.6). faust's rocksdict driver takes the
#: sizes it knows and ignores the rest; compression is kept for reference.
ROCKS_DB_OPTIONS: dict[str, Any] = {
    "write_buffer_size": 16 * MiB,
    "max_write_buffer_number": 2,
    "block_cache_size": 64 * MiB,
    "bloom_filter_size": 10,
    "max_open_files": 20000,
    "block_cache_compressed_size": 64 * MiB,
    "compression": CompressionType.lz4_compression,
    "target_file_size_base": 64 * MiB,
    "level0_file_num_compaction_trigger": 1,
    "max_bytes_for_level_base": 512 * MiB,
}


# The classes are published as ``dagger.service.engineconfig.<name>`` (0.2.6): pickles,
# reprs and the API documentation name them there, whichever module was imported first.
for _cls in (StoreEnum, EngineConfig, AerospikeConfig, CompressionType):
    _cls.__module__ = "dagger.service.engineconfig"
