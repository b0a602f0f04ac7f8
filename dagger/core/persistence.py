"""Writing a workflow at the end of a step, with its correlation index brought up to date."""

from __future__ import annotations

from dagger.core.correlation import sync_index
from dagger.core.ports import WorkflowNode, WorkflowRuntime
from dagger.core.transitions import is_terminal


def deleted_on_complete(runtime: WorkflowRuntime, workflow: WorkflowNode) -> bool:
    """Whether the workflow ended and was deleted, so it must not be written again."""
    return bool(runtime.delete_workflow_on_complete) and is_terminal(workflow)


async def persist(runtime: WorkflowRuntime, workflow: WorkflowNode) -> None:
    """Save the workflow after a step (a listener message, a timer, a start, a stop).

    Listener index entries follow the runtime parameters first (a task may have changed the
    value a later listener is correlated by). A workflow that ended while
    ``delete_workflow_on_complete`` is set was deleted by its completion and is not
    written back; runtimes skip such a write too, as a second line of defence.
    """
    if deleted_on_complete(runtime, workflow):
        return
    if not is_terminal(workflow):
        await sync_index(runtime, workflow)
    await runtime.save_workflow(workflow)
