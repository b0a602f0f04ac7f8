"""The engine-level use cases of the workflow model, each taking the runtime explicitly.

The faust engine, the executor strategy and the templates call these; unit tests call them
with an :class:`~dagger.testing.InMemoryRuntime`. Each runs as one step (``_step.step``):
task code reached from it uses the runtime it was given.

- :func:`register_waiting_tasks`: index listeners and store triggers of a workflow;
- :func:`store_and_create`: register, start if SUBMITTED, save (a workflow arriving here);
- :func:`submit`: hand a workflow to the engine, here or on the worker owning its key;
- :func:`dispatch_listener_message`: deliver a listener-topic message;
- :func:`fire_trigger`: handle one due timer trigger.
"""

from __future__ import annotations

import logging
from typing import Any

from dagger.core import transitions as tr
from dagger.core.admission import admit
from dagger.core.correlation import current_value, is_listener, topic_of
from dagger.core.persistence import persist
from dagger.core.ports import WorkflowRuntime
from dagger.core.records import CorrelatableMapValue, Trigger
from dagger.engine._dispatch import dispatch_listener_message, skip_to
from dagger.engine._step import step
from dagger.engine._timer import fire_trigger
from dagger.exceptions.exceptions import TaskInvalidState
from dagger.tasks._support import now
from dagger.tasks._timers import TriggerTask
from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.engine")

__all__ = [
    "MissingPartitionKeyError",
    "dispatch_listener_message",
    "partition_key_of",
    "fire_trigger",
    "persist",
    "register_waiting_tasks",
    "skip_to",
    "store_and_create",
    "submit",
]


class MissingPartitionKeyError(TaskInvalidState, KeyError):
    """``submit(repartition=True)`` needs the runtime parameter named by ``partition_key_lookup``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


async def register_waiting_tasks(
    runtime: WorkflowRuntime, workflow: ITemplateDAGInstance[Any, Any]
) -> None:
    """Index every unfinished listener and store every unfinished trigger of a workflow.

    Idempotent, so the engine also calls it after recovery. A listener is indexed under
    ``str(runtime_parameters[correlatable_key])`` on its topic when that parameter is set
    (otherwise it is indexed once a task sets it: see ``persist``); a trigger task with a
    ``time_to_execute`` gets its trigger.
    """
    for task in list(workflow.tasks.values()):
        if tr.is_terminal(task):
            continue
        if is_listener(task):
            value = current_value(workflow, task)
            if value is not None:
                old = workflow.sensor_tasks_to_correletable_map.get(task.id)
                if old is not None and old.correlatable_key_attr_value != value:
                    await runtime.unindex_listener(
                        old.correlatable_key_attr_value, topic_of(task), workflow.id, task.id
                    )
                await runtime.index_listener(value, topic_of(task), workflow.id, task.id)
                workflow.sensor_tasks_to_correletable_map[task.id] = CorrelatableMapValue(
                    str(task.correlatable_key), value
                )
        if isinstance(task, TriggerTask) and task.time_to_execute is not None:
            await runtime.save_trigger(Trigger(task.time_to_execute, task.id, workflow.id))


def partition_key_of(workflow: ITemplateDAGInstance[Any, Any]) -> Any:
    """The value of the workflow's partition key runtime parameter (``None`` when unset)."""
    lookup = workflow.partition_key_lookup
    return None if lookup is None else workflow.runtime_parameters.get(lookup)


@step
async def store_and_create(
    runtime: WorkflowRuntime, workflow: ITemplateDAGInstance[Any, Any]
) -> None:
    """Store the workflow and start it if SUBMITTED, unless its id was already handled.

    A workflow whose home partition another worker owns is sent to that worker first,
    unstarted, so it runs where it lives and nothing runs twice. Otherwise the stored copy
    of the same id (if any) decides, by :func:`dagger.core.admission.admit`: a replayed or
    duplicate start is a no-op (logged at DEBUG), a SUBMITTED copy of a stored NOT_STARTED
    workflow starts it.
    """
    if runtime.is_owned_elsewhere(workflow):
        await runtime.send_for_creation(partition_key_of(workflow), workflow)
        return
    stored = await runtime.load_workflow(workflow.id)
    admission = admit(stored, workflow)
    if not admission.stores:
        logger.debug(
            "workflow %s (%s) arrived %s while %s is stored: %s, ignored",
            workflow.id,
            workflow.template_name,
            tr.code_of(workflow).name,
            tr.code_of(stored).name if stored is not None else "nothing",
            admission.rule.name,
        )
        return
    await register_waiting_tasks(runtime, workflow)
    if admission.runs:
        await workflow.start(workflow)
    await persist(runtime, workflow)


@step
async def submit(
    runtime: WorkflowRuntime, workflow: ITemplateDAGInstance[Any, Any], *, repartition: bool = True
) -> None:
    """Mark the workflow SUBMITTED and run it.

    ``repartition=True`` sends it (``runtime.send_for_creation``) keyed by
    ``runtime_parameters[partition_key_lookup]`` to the worker owning that key, which
    stores and starts it; a missing key raises :class:`MissingPartitionKeyError`.
    ``repartition=False`` stores and starts it here. A workflow that has already ended
    raises ``TaskInvalidState``.
    """
    if tr.is_terminal(workflow):
        raise TaskInvalidState(
            f"workflow {workflow.id} ({workflow.template_name}) is already "
            f"{tr.code_of(workflow).name}; create a new instance to run it again"
        )
    key = None
    if repartition:
        lookup = workflow.partition_key_lookup
        key = partition_key_of(workflow)
        if key is None:
            raise MissingPartitionKeyError(
                f"workflow {workflow.id} ({workflow.template_name}): submit(repartition=True) "
                f"needs the runtime parameter {lookup!r} (its partition_key_lookup) to choose "
                f"the worker, but it is not set; set it or use repartition=False"
            )
    tr.require(tr.SUBMIT, workflow, now())
    if repartition:
        await runtime.send_for_creation(key, workflow)
    else:
        await store_and_create(runtime, workflow)
