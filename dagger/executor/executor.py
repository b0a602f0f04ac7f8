"""Executor strategies: how a workflow instance is submitted for execution."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from dagger.core.context import get_runtime
from dagger.engine import operations
from dagger.tasks._workflow import ITemplateDAGInstance


class ExecutorStrategy(ABC):
    """Submits workflow instances for execution."""

    @abstractmethod
    async def submit(
        self, task_template: ITemplateDAGInstance, *, repartition: bool = True
    ) -> None:
        """Submit a workflow instance (``repartition``: run it on the worker owning its key)."""


class SerialExecutorStrategy(ExecutorStrategy):
    """Submits a workflow through the installed runtime, one step after another.

    ``repartition=True`` sends it to the worker owning the partition of its partition key;
    ``repartition=False`` starts and stores it here. A COMPLETED workflow raises
    ``TaskInvalidState``.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def submit(
        self, task_template: ITemplateDAGInstance, *, repartition: bool = True
    ) -> None:
        """Mark the workflow SUBMITTED and send it, or start and store it here."""
        await operations.submit(get_runtime(), task_template, repartition=repartition)
