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

No lost workflow. A workflow created while an agent handles a Kafka message must not
outlive that message's offset unsaved: if faust committed the offset before the deferred
save ran and the worker then crashed, nothing would replay the message. So the deferral
takes a reference on the message being handled (faust's ``current_event()``; a message's
offset is only marked safe to commit when its last reference is released) and releases it
once the save has run or a submit has claimed the workflow. A creation outside an agent
(a web view, a timer) has no message to hold.

Nothing about replays changes: the submit still goes through ``store_and_create``, which
looks up the stored copy of the id and applies :mod:`dagger.core.admission`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faust import current_event

logger = logging.getLogger("dagger.runtime")

#: Stores a workflow: ``alone`` when it runs on its own (at the next turn), so it may take
#: the workflow's lock; not when a load flushes it, which may hold a lock already.
Store = Callable[[Any, bool], Awaitable[None]]


def _hold_current_message() -> Any:
    """The event whose message is being handled, with one more reference taken on it (so
    its offset is not committed before :func:`_release` runs), or ``None`` outside an agent."""
    event = current_event()
    if event is None:
        return None
    event.message.incref()
    return event


def _release(event: Any) -> None:
    if event is not None:
        event.ack()  # the last reference marks the offset safe to commit


class DeferredCreations:
    """Workflows created but not stored yet, by id, with the save that stores them."""

    def __init__(self, store: Store) -> None:
        self._store = store
        #: workflow id -> (workflow, the event whose message it holds back, or None)
        self._waiting: dict[str, tuple[Any, Any]] = {}

    def defer(self, workflow: Any) -> None:
        """Store ``workflow`` at the next turn of the event loop, unless claimed first."""
        workflow_id = str(workflow.id)
        replaced = self._waiting.get(workflow_id)
        self._waiting[workflow_id] = (workflow, _hold_current_message())
        if replaced is not None:
            _release(replaced[1])
        asyncio.get_running_loop().call_soon(self._due, workflow_id)

    def claim(self, workflow: Any) -> bool:
        """Take a deferred workflow back (its submit stores it); whether it was deferred."""
        waiting = self._waiting.pop(str(workflow.id), None)
        if waiting is None:
            return False
        _release(waiting[1])
        return True

    def __contains__(self, workflow_id: object) -> bool:
        return workflow_id in self._waiting

    def _due(self, workflow_id: str) -> None:
        if workflow_id in self._waiting:
            asyncio.ensure_future(self.flush(workflow_id, alone=True))

    async def flush(self, workflow_id: str, *, alone: bool = False) -> None:
        """Run the deferred save of a workflow now (no-op when it was claimed or stored);
        ``alone``: on its own, not inside a load."""
        waiting = self._waiting.pop(workflow_id, None)
        if waiting is None:
            return
        workflow, event = waiting
        try:
            await self._store(workflow, alone)
        except Exception:
            logger.exception(
                "storing workflow %s (%s), created without submit_task, failed",
                workflow_id,
                getattr(workflow, "template_name", "?"),
            )
        finally:
            _release(event)
