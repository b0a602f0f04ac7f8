"""The faust side of the engine: tables, runtime, agents, timers, recovery.

The pure workflow model (``dagger.core`` and friends) never imports this package; the
engine (:class:`dagger.service.services.Dagger`) composes it.
"""

from dagger.runtime._partitioner import partition_for
from dagger.runtime._runtime import FaustRuntime, home_partition
from dagger.runtime._scheduler import TriggerScheduler

__all__ = ["FaustRuntime", "TriggerScheduler", "home_partition", "partition_for"]
