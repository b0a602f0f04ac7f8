"""Running a use case as one step on the runtime it was given."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from dagger.core.context import using
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
    """

    @functools.wraps(use_case)
    async def run(runtime: RT, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with using(runtime):
            return await use_case(runtime, *args, **kwargs)

    return run
