"""The default workflow instance type (``ITemplateDAGInstance`` itself is in ``_base``)."""

from typing import Any
from uuid import UUID

# ITemplateDAGInstance lives with ITask in _base; other modules import it from here too.
from dagger.tasks._base import ITemplateDAGInstance

__all__ = ["DefaultTemplateDAGInstance", "ITemplateDAGInstance"]


class DefaultTemplateDAGInstance(ITemplateDAGInstance[str, str]):
    """The default workflow instance type."""

    def get_correlatable_key(self, payload: Any) -> Any:
        """Workflows are not correlated."""
        raise NotImplementedError("a workflow has no correlatable key")

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        """Workflows do not choose branches."""
        raise NotImplementedError("a workflow does not evaluate")

    async def on_message(
        self, runtime_parameters: dict[str, Any], *args: Any, **kwargs: Any
    ) -> bool:
        """Workflows take no messages."""
        raise NotImplementedError("a workflow takes no messages")


DefaultTemplateDAGInstance.__module__ = "dagger.tasks.task"
