"""Deferring the first save of a workflow created unsubmitted, so a submit soon after it
stores it once.

0.2.6's README starts a workflow with ``create_instance(...)`` then ``submit(instance)``:
the first stores it NOT_STARTED, the second stores it again, started. When both happen in
the same turn of the event loop (the usual case: one message handled by one coroutine), the
first write is useless. So ``create_instance(repartition=False)`` without ``submit_task``
only *defers* the workflow here; the save (the full ``store_and_create``, admission rules
included) runs at the next turn of the event loop unless a submit claims the workflow
first, in which case the submit's own ``store_and_create`` is the only save. A load of the
workflow meanwhile runs the deferred save first, so it is always found.

Nothing about replays changes: the submit still goes through ``store_and_create``, which
looks up the stored copy of the id and applies :mod:`dagger.core.admission`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger("dagger.runtime")

Store = Callable[[Any], Awaitable[None]]


class DeferredCreations:
    """Workflows created but not stored yet, by id, with the save that stores them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._waiting: dict[str, Any] = {}

    def defer(self, workflow: Any) -> None:
        """Store ``workflow`` at the next turn of the event loop, unless claimed first."""
        workflow_id = str(workflow.id)
        self._waiting[workflow_id] = workflow
        asyncio.get_running_loop().call_soon(self._due, workflow_id)

    def claim(self, workflow: Any) -> bool:
        """Take a deferred workflow back (its submit stores it); whether it was deferred."""
        return self._waiting.pop(str(workflow.id), None) is not None

    def __contains__(self, workflow_id: object) -> bool:
        return workflow_id in self._waiting

    def _due(self, workflow_id: str) -> None:
        if workflow_id in self._waiting:
            asyncio.ensure_future(self.flush(workflow_id))

    async def flush(self, workflow_id: str) -> None:
        """Run the deferred save of a workflow now (no-op when it was claimed or stored)."""
        workflow = self._waiting.pop(workflow_id, None)
        if workflow is None:
            return
        try:
            await self._store(workflow)
        except Exception:
            logger.exception(
                "storing workflow %s (%s), created without submit_task, failed",
                workflow_id,
                getattr(workflow, "template_name", "?"),
            )
