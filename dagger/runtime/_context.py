"""What the engine hands its faust agents and its timer service: frozen context objects.

The agents and the timers never look the engine up; the service builds one context of each
when it wires itself (``dagger.service._wiring``) and passes it down. The mappings are the
engine's own registries (shared, not copied): a listener topic registered later is seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dagger.runtime._dead_letter import DeadLetters
from dagger.runtime._locks import StripedLocks
from dagger.runtime._runtime import FaustRuntime


@dataclass(frozen=True)
class AgentContext:
    """What the tasks-topic and listener-topic agents use.

    Attributes:
        runtime: the engine's runtime over its tables.
        locks: the per-workflow locks every handler takes.
        dead_letters: where unusable messages go.
        topics: the engine's topic registry by name (the user-declared listener topics,
            whose key and value types decode listener messages).
        listeners: the listener task types registered per topic name.
        serializers: the faust app's serializers (``app.serializers``).
    """

    runtime: FaustRuntime
    locks: StripedLocks
    dead_letters: DeadLetters
    topics: Mapping[str, Any]
    listeners: Mapping[str, Sequence[type]]
    serializers: Any


def _always() -> bool:
    return True


@dataclass(frozen=True)
class TimerContext:
    """What the timer service uses.

    Attributes:
        runtime: the engine's runtime over its tables.
        locks: the per-workflow locks (firing a trigger holds its workflow's).
        tasks_topic: the name of the tasks topic, whose partitions the worker owns.
        owned: the partitions of ``tasks_topic`` this worker owns now (``None``: all).
        trigger_interval: seconds between catch-up passes; a trigger whose task is not
            reached yet is looked at again this much later.
        max_tasks_per_trigger: at most this many due triggers queued per catch-up pass.
        fires_here: whether this worker fires triggers (a global store: the leader only).
    """

    runtime: FaustRuntime
    locks: StripedLocks
    tasks_topic: str
    owned: Callable[[], set[int] | None]
    trigger_interval: float = 60.0
    max_tasks_per_trigger: int = 2000
    fires_here: Callable[[], bool] = _always
