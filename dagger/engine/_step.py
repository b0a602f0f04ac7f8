"""Running a use case as one step on the runtime it was given."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

from dagger.core.context import using
from dagger.core.observe import wraps_steps
from dagger.core.ports import WorkflowRuntime

P = ParamSpec("P")
R = TypeVar("R")
RT = TypeVar("RT", bound=WorkflowRuntime)


def step(
    use_case: Callable[Concatenate[RT, P], Awaitable[R]],
) -> Callable[Concatenate[RT, P], Awaitable[R]]:
    """Make the use case's runtime (its first argument) the current one while it runs.

    Task code reached from the use case (timestamps, triggers, index entries) then goes
    through the same runtime, for instance the locked session of the message being handled.
    The run is one step for the runtime's observer (``dagger.core.observe``): a span
    ``dagger.<use case>`` when it traces, the parent of the task spans of the step.
    """
    name = f"dagger.{use_case.__name__}"

    @functools.wraps(use_case)
    async def run(runtime: RT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        observer = runtime.observer
        if not wraps_steps(observer):  # metrics only: no block per step
            with using(runtime):
                return await use_case(runtime, *args, **kwargs)
        attributes = describe(args) if observer.traces else None
        with using(runtime), observer.step(name, attributes):
            return await use_case(runtime, *args, **kwargs)

    return run


def describe(args: Sequence[Any]) -> dict[str, str]:
    """Span attributes naming what a use case was given: its workflow (a workflow, or a
    trigger's), or its listener topic (bounded: no payload is read)."""
    if not args:
        return {}
    first = args[0]
    if isinstance(first, str):
        return {"dagger.topic": first}
    template = getattr(first, "template_name", None)
    if template is not None:
        return {"dagger.workflow.id": str(first.id), "dagger.template": str(template)}
    workflow_id = getattr(first, "workflow_id", None)
    if workflow_id is not None:  # a timer trigger
        return {"dagger.workflow.id": str(workflow_id), "dagger.task.id": str(first.id)}
    return {}
