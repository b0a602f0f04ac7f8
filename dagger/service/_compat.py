"""0.2.6's engine methods that user, task and template code may still call.

They keep their names and signatures and delegate to the runtime and the core operations.
:class:`CurrentAppTopics` keeps 0.2.6's class-level ``Dagger.topics`` readable while each
engine has its own registry.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from uuid import UUID

from dagger.core.correlation import current_value, sync_task, topic_of, unindex_task
from dagger.core.records import CorreletableKeyTasks
from dagger.core.transitions import is_terminal
from dagger.engine import operations
from dagger.tasks._system import SystemTimerTask
from dagger.tasks._workflow import ITemplateDAGInstance

logger = logging.getLogger("dagger.service")
_TIMER_ID = UUID(int=1)


class CurrentAppTopics:
    """``Dagger.topics``: the topic registry (name -> faust topic) of an engine.

    Each engine has its own dict. Read on an engine (``engine.topics``) it is that engine's;
    read on the class (``Dagger.topics``, 0.2.6's class-level dict) it is the current
    engine's (``Dagger.app``), or an empty dict when there is none yet.
    """

    def __get__(self, engine: Any, owner: Any = None) -> dict[str, Any]:
        if engine is None:
            engine = getattr(owner, "app", None)
            if engine is None:
                return {}
        topics: dict[str, Any] = engine.__dict__.setdefault("_topics", {})
        return topics

    def __set__(self, engine: Any, topics: dict[str, Any]) -> None:
        engine.__dict__["_topics"] = topics


class DaggerCompat:
    """The 0.2.6 methods of ``Dagger`` kept for compatibility (mixed into it)."""

    runtime: Any
    _store: Any
    bootstrap_topic: Any

    # -- persistence -------------------------------------------------------------------
    async def _store_and_create_task(self, task: Any) -> None:
        """Start a workflow if SUBMITTED, then save it (other tasks are ignored); under the
        workflow's lock when called outside the engine's steps, like ``create_instance``."""
        if isinstance(task, ITemplateDAGInstance):
            await operations.store_and_create_exclusively(self.runtime, task)

    async def _update_instance(self, task: Any) -> None:
        """Save a workflow (with its correlation index brought up to date)."""
        await operations.persist(self.runtime, task)

    async def _store_root_template_instance(self, root_template_instance: Any) -> None:
        """Save a workflow."""
        await operations.persist(self.runtime, root_template_instance)

    async def _remove_root_template_instance(self, root_template_instance: Any) -> None:
        """Delete a workflow with its triggers and correlation entries."""
        await self.runtime.delete_workflow(root_template_instance)

    async def _store_trigger_instance(self, task_instance: Any, workflow_instance: Any) -> None:
        """Store the trigger of a timer task."""
        await self._store.store_trigger_instance(task_instance, workflow_instance)

    async def _invoke_store_get_value_for_key_with_timer(self, key: Any) -> Any:
        """Load a workflow, logging how long it took."""
        began = time.monotonic()
        try:
            return await self.runtime.load_workflow(str(key))
        finally:
            logger.debug("get_value_for_key took %.4fs", time.monotonic() - began)

    async def _invoke_store_insert_key_value_with_timer(self, key: Any, value: Any) -> None:
        """Save a workflow, logging how long it took."""
        began = time.monotonic()
        try:
            await self.runtime.save_workflow(value)
        finally:
            logger.debug("insert_key_value took %.4fs", time.monotonic() - began)

    async def _process_system_timer_task(self) -> None:
        """One timer tick: queue every due trigger."""
        await self._store.process_system_timer_task(SystemTimerTask(id=_TIMER_ID))

    async def _submit_task_on_bootstrap_topic(self, task: Any) -> None:
        """Send a task to the bootstrap topic (kept for compatibility; nothing consumes it)."""
        await self.bootstrap_topic.send(value=task.dumps())

    async def _process_bootstrap_tasks(self, stream: Any) -> None:
        """Drain the bootstrap topic (0.2.6's agent; its messages are only logged)."""
        async for value in stream:
            logger.info("ignoring a bootstrap-topic message (%d bytes)", len(value or b""))

    # -- correlation -------------------------------------------------------------------
    async def _insert_correletable_key_task(
        self, task_instance: Any, workflow_instance: Any
    ) -> None:
        """Index a new listener task under its current key value."""
        await sync_task(self.runtime, workflow_instance, task_instance)

    async def update_correletable_key_for_task(
        self,
        task_instance: Any,
        key: Any = None,
        new_task: bool = False,
        workflow_instance: Any = None,
    ) -> None:
        """(Re-)index a listener task under ``key`` (default: its current key value)."""
        if workflow_instance is None:
            return
        if key is not None:
            workflow_instance.runtime_parameters[str(task_instance.correlatable_key)] = key
        await sync_task(self.runtime, workflow_instance, task_instance)

    async def remove_task_from_correletable_keys_table(
        self, task: Any, workflow_instance: Any
    ) -> None:
        """Remove a listener task's index entry."""
        await unindex_task(self.runtime, workflow_instance, task)

    async def get_correletable_key_instances(self, cor_instance: Any) -> list[Any]:
        """The stored index chunks for a listener's current key value and topic."""
        workflow = getattr(cor_instance, "workflow_instance", None)
        value = current_value(workflow, cor_instance) if workflow is not None else None
        if value is None:
            return []
        chains: list[Any] = self.runtime.index.chains(value, topic_of(cor_instance))
        return chains

    async def chunk_and_store_correlatable_tasks(
        self, cor_instance: Any, value: Any, workflow_id: Any
    ) -> None:
        """Index ``cor_instance`` (a listener task) under ``value`` for ``workflow_id``."""
        await self.runtime.index_listener(
            str(value), topic_of(cor_instance), workflow_id, cor_instance.id
        )

    async def persist_tasks_ids_for_correletable_keys(
        self, lookup_keys: Any, cor_instances: Any
    ) -> None:
        """Write index chunks (:class:`CorreletableKeyTasks`) back to the store."""
        for chunk in cor_instances or []:
            if isinstance(chunk, CorreletableKeyTasks) and chunk.key:
                self._store.set_value(self._store.correletable_keys_table, chunk.key, chunk)

    async def _get_tasks_by_correlatable_key(
        self, lookup_key: Any, get_completed: bool = False
    ) -> AsyncIterator[tuple[Any, Any]]:
        """Yield ``(workflow, task)`` for every listener indexed under ``(value, topic)``."""
        value, topic = lookup_key
        for workflow_id, task_id in await self.runtime.lookup_listeners(str(value), str(topic)):
            workflow = await self.runtime.load_workflow(workflow_id)
            if workflow is None:
                continue
            if not get_completed and is_terminal(workflow):
                continue
            task = workflow.get_task(task_id)
            if task is not None:
                yield workflow, task
