"""What the documentation examples need to run without a broker: an engine stand-in.

Builders and templates talk to the engine (``Dagger``) through a handful of calls:
``create_topic``, ``add_topic``, ``topics`` and ``register_listener``. :class:`DocsEngine`
provides exactly those and records what the workflows send, so every example runs on the
in-memory runtime (``dagger.testing.InMemoryRuntime``) in milliseconds and the test
suite can check its result (tests/docs/test_examples.py).

In a real service the engine is ``Dagger(broker=..., ...)``: its consumers deliver listener
messages and its timers fire triggers. Here :meth:`DocsEngine.deliver` and
``InMemoryRuntime.run_due_triggers`` play those parts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from dagger.core.context import get_runtime, set_runtime
from dagger.core.ports import WorkflowRuntime
from dagger.tasks.task import ITemplateDAGInstance
from dagger.testing import FakeClock, InMemoryRuntime

#: Where the examples' clock starts (2023-11-14 22:13:20 UTC), so times are easy to read.
START = 1_700_000_000.0


class DocsTopic:
    """A topic that records what is sent to it instead of producing to Kafka."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[tuple[Any, Any]] = []

    def get_topic_name(self) -> str:
        """The topic's name (faust topics answer the same call)."""
        return self.name

    async def send(self, *, key: Any = None, value: Any = None, **kwargs: Any) -> None:
        """Record one message."""
        self.sent.append((key, value))


class DocsEngine:
    """The part of ``Dagger`` that builders and task code use, without Kafka."""

    def __init__(self) -> None:
        self.topics: dict[Any, Any] = {}  # keyed by name (task code indexes it with self.topic)
        self.listeners: dict[str, list[type]] = {}

    def create_topic(
        self,
        topic_name: str,
        key_type: Any = None,
        value_type: Any = None,
        key_serializer: Any = None,
        value_serializer: Any = None,
    ) -> DocsTopic:
        """Return the topic called ``topic_name``, creating it on first use (as ``Dagger``)."""
        if topic_name not in self.topics:
            self.topics[topic_name] = DocsTopic(topic_name)
        topic: DocsTopic = self.topics[topic_name]
        return topic

    def add_topic(self, topic_name: str, topic: Any) -> None:
        """Register a topic object under its name."""
        self.topics[topic_name] = topic

    def get_topic(self, topic_name: str) -> Any:
        """The topic registered under ``topic_name`` (``KeyError`` when there is none)."""
        return self.topics[topic_name]

    def register_listener(self, topic_name: str, task_type: type, concurrency: int) -> None:
        """Remember which listener types the topic's consumer serves."""
        types = self.listeners.setdefault(topic_name, [])
        if task_type not in types:
            types.append(task_type)

    def sent(self, topic_name: str) -> list[Any]:
        """The values sent to a topic so far, JSON-decoded when they are JSON."""
        topic = self.topics.get(topic_name)
        values = [value for _, value in getattr(topic, "sent", [])]
        return [_maybe_json(v) for v in values]

    async def deliver(self, topic_name: str, payload: Any) -> int:
        """Deliver one message as the topic's consumer would; return how many tasks took it."""
        runtime = get_runtime()
        if not isinstance(runtime, InMemoryRuntime):
            raise RuntimeError("DocsEngine.deliver needs the in-memory runtime installed")
        return await runtime.deliver(topic_name, payload, self.listeners.get(topic_name, []))


def _maybe_json(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@contextmanager
def in_memory_runtime(**options: Any) -> Iterator[InMemoryRuntime]:
    """Install an :class:`InMemoryRuntime` (clock at :data:`START`) for the ``with`` block.

    Whatever runtime was installed before is put back afterwards.
    """
    previous: WorkflowRuntime | None
    try:
        previous = get_runtime()
    except RuntimeError:
        previous = None
    runtime = InMemoryRuntime(clock=FakeClock(START), **options)
    set_runtime(runtime)
    try:
        yield runtime
    finally:
        set_runtime(previous)


def statuses(workflow: ITemplateDAGInstance | None) -> dict[str, str]:
    """``{task_name: status}`` for the workflow and every node in it."""
    if workflow is None:
        return {}
    found = {str(workflow.task_name or workflow.template_name): workflow.status.code}
    for task in workflow.tasks.values():
        found[str(task.task_name)] = task.status.code
    return found
