"""Engine configuration records (the 0.2.6 ``dagger.service.engineconfig`` surface).

- :class:`StoreEnum`: the store URLs ``Dagger(store=...)`` understands;
- :class:`EngineConfig`: what ``Dagger`` was constructed with;
- :class:`AerospikeConfig`: connection settings of the Aerospike store;
- :data:`ROCKS_DB_OPTIONS`: the RocksDB options of the engine's tables.

They are defined in ``dagger.store._config`` (the stores read them, and the store layer
sits below the service); this module re-exports them under their 0.2.6 names.
"""

from dagger.store._config import (
    ROCKS_DB_OPTIONS,
    AerospikeConfig,
    CompressionType,
    EngineConfig,
    StoreEnum,
)

__all__ = ["ROCKS_DB_OPTIONS", "AerospikeConfig", "CompressionType", "EngineConfig", "StoreEnum"]
