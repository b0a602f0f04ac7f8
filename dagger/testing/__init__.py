"""Running workflows without Kafka: an in-memory runtime and a fake clock for tests.

``InMemoryRuntime`` implements the runtime port on plain dicts and decodes every workflow it
loads, as a real store does; ``FakeClock`` only moves when told to.
"""

from dagger.testing._memory import FakeClock, InMemoryRuntime

__all__ = ["FakeClock", "InMemoryRuntime"]
