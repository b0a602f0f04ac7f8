"""Internal system tasks (0.2.6's timer tick, kept for compatibility)."""

import logging
import time
from typing import Any
from uuid import UUID

from dagger.tasks._base import ITemplateDAGInstance
from dagger.tasks._executor import ExecutorTask
from dagger.tasks._support import runtime

logger = logging.getLogger("dagger.tasks")


class SystemTask(ExecutorTask[str, str]):
    """A task the engine runs for itself, outside any workflow's lifecycle."""

    async def start(
        self, workflow_instance: "ITemplateDAGInstance", ignore_status: bool = False
    ) -> bool | None:
        """Run ``execute`` (only when given a workflow instance, as in 0.2.6)."""
        if workflow_instance is not None:
            await self.execute(workflow_instance.runtime_parameters, workflow_instance)
        return None

    async def on_complete(
        self,
        workflow_instance: "ITemplateDAGInstance | None",
        status: Any = None,
        iterate: bool = True,
    ) -> None:
        """System tasks do not complete."""
        raise NotImplementedError("system tasks have no completion")

    async def on_message(self, *args: Any, **kwargs: Any) -> bool:
        """System tasks take no messages."""
        raise NotImplementedError("system tasks take no messages")

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """System tasks do not choose branches."""
        raise NotImplementedError("system tasks do not evaluate")

    def get_correlatable_key(self, payload: Any) -> Any:
        """System tasks are not correlated."""
        raise NotImplementedError("system tasks have no correlatable key")


class SystemTimerTask(SystemTask):
    """One timer tick: fires the due triggers if the installed runtime can scan for them
    (``run_due_triggers()``, as ``InMemoryRuntime`` offers). Errors are logged, not raised."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: "ITemplateDAGInstance | None" = None,
    ) -> None:
        """Fire the due triggers; log how long it took."""
        began = time.monotonic()
        try:
            run = getattr(runtime(), "run_due_triggers", None)
            if callable(run):
                await run()
        except Exception:
            logger.warning("system timer task failed", exc_info=True)
        logger.debug("system timer task took %.3fs", time.monotonic() - began)


for _cls in (SystemTask, SystemTimerTask):
    _cls.__module__ = "dagger.tasks.task"
