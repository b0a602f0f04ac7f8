"""Hand-built workflows and small task types for the model's unit tests."""

from __future__ import annotations

import uuid
from typing import Any

from dagger.tasks.task import (
    DecisionTask,
    DefaultMonitoringTask,
    DefaultProcessTemplateDAGInstance,
    DefaultTemplateDAGInstance,
    ExecutorTask,
    IntervalTask,
    ITask,
    KafkaCommandTask,
    KafkaListenerTask,
    MonitoredProcessTemplateDAGInstance,
    MonitoringTask,
    ParallelCompositeTask,
    TaskLookupKey,
    TaskStatus,
    TriggerTask,
)


def trace(runtime_parameters: dict[str, Any], name: Any) -> None:
    """Record, in run order, that a task ran."""
    runtime_parameters.setdefault("trace", []).append(name)


class Step(ExecutorTask[str, str]):
    """Records its run."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, self.task_name)


class SetsOrder(ExecutorTask[str, str]):
    """Sets ``order_id`` from ``next_order_id`` (a task changing a correlation value)."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["order_id"] = runtime_parameters["next_order_id"]


class Boom(ExecutorTask[str, str]):
    """Raises from ``execute``."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        raise ValueError("bad input")


class Command(KafkaCommandTask[str, str]):
    """Records the topic it would send to."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, f"send:{self.topic}")


class OrderListener(KafkaListenerTask[str, str]):
    """Correlated by ``order_id``; completes unless the payload says ``done: False``.

    A ``box_id`` in the payload becomes the ``box_id`` runtime parameter.
    """

    correlatable_key = "order_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, payload.get(self.correlatable_key))]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        payload = args[0]
        trace(runtime_parameters, self.task_name)
        if "box_id" in payload:
            runtime_parameters["box_id"] = payload["box_id"]
        if payload.get("raise"):
            raise RuntimeError("listener broke")
        return bool(payload.get("done", True))


class BoxListener(OrderListener):
    """Correlated by ``box_id``."""

    correlatable_key = "box_id"


class OnlyOne(OrderListener):
    """Stops a message at the first task it reaches."""

    match_only_one = True


class ManyIds(KafkaListenerTask[str, str]):
    """One message lists many ``simple_id`` values (one-to-many correlation)."""

    correlatable_key = "simple_id"

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[TaskLookupKey]:
        return [(self.correlatable_key, value) for value in payload["simple_id"]]

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        return True


class Due(TriggerTask[str, str]):
    """Records its run."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, self.task_name)


class DueFails(TriggerTask[str, str]):
    """Ends itself with FAILURE."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        self.status = TaskStatus(code="FAILURE", value="FAILURE")


class Poll(IntervalTask[str, str]):
    """Done on its third interval; ``execute`` records the completion."""

    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        runtime_parameters["polls"] = runtime_parameters.get("polls", 0) + 1
        return bool(runtime_parameters["polls"] >= 3)

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        trace(runtime_parameters, self.task_name)


class NeverDone(Poll):
    """Never finishes on its own."""

    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        runtime_parameters["polls"] = runtime_parameters.get("polls", 0) + 1
        return False


class PickSecond(DecisionTask[str, str]):
    async def evaluate(self, **kwargs: Any) -> Any:
        return self.next_dags[1]


class PickNone(DecisionTask[str, str]):
    async def evaluate(self, **kwargs: Any) -> Any:
        return None


class LateMonitor(DefaultMonitoringTask):
    """Records which process was late."""

    async def process_monitored_task(
        self, monitored_task: ITask[Any, Any], workflow_instance: Any
    ) -> None:
        workflow_instance.runtime_parameters["late"] = monitored_task.task_name


class WatchedProcess(MonitoredProcessTemplateDAGInstance):
    def get_monitoring_task_type(self) -> type[MonitoringTask[Any, Any]]:
        return LateMonitor


def make(cls: type[Any], name: str, **fields: Any) -> Any:
    """A task of ``cls`` with a fresh id."""
    return cls(id=uuid.uuid4(), task_name=name, **fields)


class Flow:
    """Builds a workflow by hand: processes in order, each a chain of tasks."""

    def __init__(self, **runtime_parameters: Any) -> None:
        self.wf = DefaultTemplateDAGInstance(
            id=uuid.uuid4(),
            template_name="wf",
            task_name="wf",
            partition_key_lookup="order_id",
            runtime_parameters=dict(runtime_parameters),
        )
        self._last: ITask[Any, Any] | None = None

    def chain(self, parent: ITask[Any, Any], *tasks: ITask[Any, Any]) -> ITask[Any, Any]:
        """Add ``tasks`` under ``parent``, each followed by the next; return the first."""
        for task, following in zip(tasks, tasks[1:]):
            task.next_dags.append(following.id)
        for task in tasks:
            task.parent_id = parent.id
            self.wf.add_task(task)
        return tasks[0]

    def process(
        self,
        name: str,
        *tasks: ITask[Any, Any],
        cls: type[Any] = DefaultProcessTemplateDAGInstance,
        **fields: Any,
    ) -> Any:
        """Append a process made of a chain of ``tasks``."""
        process = cls(
            id=uuid.uuid4(),
            task_name=f"wf.{name}",
            process_name=name,
            task_type="SUB_DAG",
            **fields,
        )
        process.parent_id = self.wf.id
        self.wf.add_task(process)
        if tasks:
            process.root_dag = self.chain(process, *tasks).id
        self._append(process)
        return process

    def composite(
        self,
        name: str,
        *children: ITask[Any, Any] | list[ITask[Any, Any]],
        operator: str = "JOIN_ALL",
    ) -> ParallelCompositeTask[Any, Any]:
        """A parallel composite whose children are tasks, chains (lists) or processes.

        Not linked anywhere: put it in a chain, or ``append`` it as a process.
        """
        composite: ParallelCompositeTask[Any, Any] = ParallelCompositeTask(
            id=uuid.uuid4(), task_name=name, operator_type=operator
        )
        for child in children:
            chain = child if isinstance(child, list) else [child]
            head = self.chain(composite, *chain)
            composite.parallel_child_task_list.append(head.id)
        return composite

    def child_process(self, composite: ITask[Any, Any], name: str, *tasks: ITask[Any, Any]) -> Any:
        """A process that is a child of a process-level composite."""
        process = DefaultProcessTemplateDAGInstance(
            id=uuid.uuid4(), task_name=name, process_name=name
        )
        process.parent_id = composite.id
        self.wf.add_task(process)
        process.root_dag = self.chain(process, *tasks).id
        composite.parallel_child_task_list.append(process.id)  # type: ignore[attr-defined]
        return process

    def append(self, node: ITask[Any, Any]) -> ITask[Any, Any]:
        """Append a ready-made node (e.g. a process-level composite) after the last process."""
        node.parent_id = self.wf.id
        self.wf.add_task(node)
        self._append(node)
        return node

    def _append(self, node: ITask[Any, Any]) -> None:
        if self._last is None:
            self.wf.root_dag = node.id
        else:
            self._last.next_dags.append(node.id)
        self._last = node

    def submitted(self) -> DefaultTemplateDAGInstance:
        """The workflow, marked SUBMITTED (``store_and_create`` will start it)."""
        self.wf.status = TaskStatus(code="SUBMITTED", value="SUBMITTED")
        return self.wf


def status(workflow: Any, task: ITask[Any, Any]) -> str:
    """The status code of ``task`` in (a stored copy of) ``workflow``."""
    found = workflow.get_task(task.id)
    assert found is not None, f"{task.task_name} is not in the workflow"
    return str(found.status.code)


def node(workflow: Any, task: ITask[Any, Any]) -> ITask[Any, Any]:
    """``task`` as found in (a stored copy of) ``workflow``; the test fails if it is not there."""
    found = workflow.get_task(task.id)
    assert found is not None, f"{task.task_name} is not in the workflow"
    return found
