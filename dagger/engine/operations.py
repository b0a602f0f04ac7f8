"""The engine-level use cases of the workflow model, each taking the runtime explicitly.

The faust engine, the executor strategy and the templates call these; unit tests call them
with an :class:`~dagger.testing.InMemoryRuntime`. Each runs as one step (``_step.step``):
task code reached from it uses the runtime it was given.

- :func:`register_waiting_tasks`: index listeners and store triggers of a workflow;
- :func:`store_and_create`: register, start if SUBMITTED, save (a workflow arriving here);
- :func:`start_created`: hand a workflow to the engine (SUBMITTED first, if asked), here or
  on the worker owning its key;
- :func:`submit`: mark a workflow SUBMITTED and start it so;
- :func:`dispatch_listener_message`: deliver a listener-topic message;
- :func:`fire_trigger`: handle one due timer trigger.
"""

from __future__ import annotations

import logging
from typing import Any

from dagger.core import transitions as tr
from dagger.core.admission import admit
from dagger.core.correlation import sync_index
from dagger.core.persistence import persist
from dagger.core.ports import WorkflowRuntime
from dagger.core.records import Trigger
from dagger.core.timers import trigger_time
from dagger.engine._dispatch import dispatch_listener_message, skip_to
from dagger.engine._step import step
from dagger.engine._timer import fire_trigger
from dagger.exceptions.exceptions import TaskInvalidState
from dagger.tasks._support import now
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
    "start_created",
    "store_and_create",
    "store_and_create_exclusively",
    "submit",
]


class MissingPartitionKeyError(TaskInvalidState, KeyError):
    """``submit(repartition=True)`` needs the runtime parameter named by ``partition_key_lookup``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


async def register_waiting_tasks(
    runtime: WorkflowRuntime, workflow: ITemplateDAGInstance[Any, Any]
) -> None:
    """Index every listener that may still get a message; store every unfinished trigger.

    Idempotent. The index follows the one rule, :func:`dagger.core.correlation.sync_index`,
    with each entry the workflow already records written again: the worker that sent the
    workflow here may have recorded it in its own index, not this one. A listener whose key
    parameter is unset is indexed once a task sets it (see ``persist``). Every unfinished
    task waiting for a time gets its trigger (:func:`dagger.core.timers.trigger_time`: a
    trigger task's time, a pending retry, a listener's timeout, the workflow's deadline).
    """
    await sync_index(runtime, workflow, reassert=True)
    for task in (workflow, *workflow.tasks.values()):
        due = trigger_time(task)
        if due is not None:
            await runtime.save_trigger(Trigger(due, task.id, workflow.id))


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
    duplicate start runs nothing (logged at DEBUG; the stored workflow's index entries and
    triggers are written again, idempotently), a SUBMITTED copy of a stored NOT_STARTED
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
        if stored is not None and not tr.is_terminal(stored):
            # A replay may follow a crash that saved the workflow but not all of its index
            # entries and triggers (separate changelog records): write them again.
            await register_waiting_tasks(runtime, stored)
        return
    await register_waiting_tasks(runtime, workflow)
    if admission.runs:
        await workflow.start(workflow)
    await persist(runtime, workflow)


def _partition_key(workflow: ITemplateDAGInstance[Any, Any]) -> Any:
    """The key to send the workflow under; :class:`MissingPartitionKeyError` when unset."""
    key = partition_key_of(workflow)
    if key is None:
        lookup = workflow.partition_key_lookup
        raise MissingPartitionKeyError(
            f"workflow {workflow.id} (template {workflow.template_name!r}): repartition=True "
            f"needs the runtime parameter {lookup!r} (its partition_key_lookup) to choose the "
            f"worker, but it is not set; pass {lookup}=<value> to create_instance (or set it "
            f"in runtime_parameters before submit), or use repartition=False"
        )
    return key


@step
async def start_created(
    runtime: WorkflowRuntime,
    workflow: ITemplateDAGInstance[Any, Any],
    *,
    repartition: bool = True,
    submit: bool = False,
) -> None:
    """Hand a workflow to the engine, SUBMITTED first when ``submit`` is true.

    ``repartition=True`` sends it (``runtime.send_for_creation``) keyed by
    ``runtime_parameters[partition_key_lookup]`` to the worker owning that key, which
    stores it (and starts it if SUBMITTED); a missing key raises
    :class:`MissingPartitionKeyError` before anything changes.
    ``repartition=False`` stores (and starts) it here: :func:`store_and_create`.

    A runtime may defer storing a workflow created here unsubmitted (``defer_creation``,
    ``FaustRuntime`` does, to the next turn of its event loop): a submit that follows in
    the same turn claims it back (``claim_creation``) and stores it once, started. The
    submit still goes through :func:`store_and_create`, so the admission rules still see
    any copy of the id stored before (a replayed start stays a no-op).
    """
    key = _partition_key(workflow) if repartition else None
    if submit:
        tr.require(tr.SUBMIT, workflow, now())
        claim = getattr(runtime, "claim_creation", None)  # not part of the port: optional
        if claim is not None:
            claim(workflow)
    elif not repartition:
        defer = getattr(runtime, "defer_creation", None)
        if defer is not None:
            defer(workflow)
            return
    if repartition:
        await runtime.send_for_creation(key, workflow)
    else:
        await store_and_create_exclusively(runtime, workflow)


async def store_and_create_exclusively(
    runtime: WorkflowRuntime, workflow: ITemplateDAGInstance[Any, Any]
) -> None:
    """:func:`store_and_create` holding the workflow's lock when the runtime offers one
    (``exclusive``, optional): a start from outside the engine's steps (a user's agent, a
    replay) must not run in the middle of a step on the same workflow."""
    exclusive = getattr(runtime, "exclusive", None)  # not part of the port: optional
    if exclusive is None:
        await store_and_create(runtime, workflow)
        return
    async with exclusive(workflow.id) as held:
        await store_and_create(held, workflow)


@step
async def submit(
    runtime: WorkflowRuntime, workflow: ITemplateDAGInstance[Any, Any], *, repartition: bool = True
) -> None:
    """Mark the workflow SUBMITTED and run it (:func:`start_created` with ``submit=True``).

    ``repartition=True`` sends it to the worker owning its partition key, which stores and
    starts it; a missing key raises :class:`MissingPartitionKeyError`. ``repartition=False``
    stores and starts it here. A workflow that has already ended raises
    ``TaskInvalidState``.
    """
    if tr.is_terminal(workflow):
        raise TaskInvalidState(
            f"workflow {workflow.id} ({workflow.template_name}) is already "
            f"{tr.code_of(workflow).name}; create a new instance to run it again"
        )
    await start_created(runtime, workflow, repartition=repartition, submit=True)
