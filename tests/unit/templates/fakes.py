"""Fakes shared by the template, modeler and executor unit tests: an engine stand-in and tasks."""

from __future__ import annotations

from typing import Any

from dagger.tasks.task import (
    DecisionTask,
    ExecutorTask,
    IntervalTask,
    KafkaCommandTask,
    KafkaListenerTask,
    TaskLookupKey,
    TriggerTask,
)


class FakeTopic:
    """What templates need of a faust topic: its name."""

    def __init__(self, name: str, **options: Any) -> None:
        self.name = name
        self.options = options

    def get_topic_name(self) -> str:
        return self.name


class FakeApp:
    """The part of ``Dagger`` that templates and builders call, recording every call."""

    def __init__(self) -> None:
        self.topics: dict[str, Any] = {}
        self.added_topics: list[str] = []
        self.created_topics: list[tuple[str, dict[str, Any]]] = []
        self.listeners: list[tuple[str, type, int]] = []

    def add_topic(self, name: str, topic: Any) -> None:
        self.added_topics.append(name)
        self.topics[name] = topic

    def get_topic(self, name: str) -> Any:
        return self.topics[name]

    def register_listener(self, topic_name: str, task_type: type, concurrency: int) -> None:
        self.listeners.append((topic_name, task_type, concurrency))

    def create_topic(
        self,
        topic_name: str,
        key_type: Any = None,
        value_type: Any = None,
        key_serializer: Any = None,
        value_serializer: Any = None,
    ) -> FakeTopic:
        options = {
            "key_type": key_type,
            "value_type": value_type,
            "key_serializer": key_serializer,
            "value_serializer": value_serializer,
        }
        self.created_topics.append((topic_name, options))
        if topic_name not in self.topics:
            self.topics[topic_name] = FakeTopic(topic_name, **options)
        return self.topics[topic_name]


def trace(runtime_parameters: dict[str, Any], name: Any) -> None:
    """Record that a task ran, in run order, in the workflow's runtime parameters."""
    runtime_parameters.setdefault("trace", []).append(name)


class Step(ExecutorTask[str, str]):
    """An executor task that records its run."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, self.task_name)


class OtherStep(Step):
    """A second executor type, to tell processes apart."""


class Command(KafkaCommandTask[str, str]):
    """A command task that records its run and its topic instead of sending."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, f"{self.task_name}->{self.topic}")


class OrderReady(KafkaListenerTask[str, str]):
    """Completes on ``{"order_id": ...}`` for its order."""

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, payload["order_id"])]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        trace(runtime_parameters, self.task_name)
        return True


class Due(TriggerTask[str, str]):
    """A trigger task that records its run."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, self.task_name)


class Poll(IntervalTask[str, str]):
    """An interval task that finishes on its second run."""

    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        runtime_parameters["polls"] = runtime_parameters.get("polls", 0) + 1
        return bool(runtime_parameters["polls"] >= 2)

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, self.task_name)


class ChooseFirst(DecisionTask[str, str]):
    """A decision that always picks its first successor."""

    async def evaluate(self, **kwargs: Any) -> Any:
        return self.next_dags[0] if self.next_dags else None


def node(workflow: Any, task_id: Any) -> Any:
    """The task ``task_id`` of ``workflow`` (asserted present), untyped for field access."""
    found = workflow.get_task(task_id)
    assert found is not None, f"no task {task_id} in workflow {workflow.id}"
    return found
