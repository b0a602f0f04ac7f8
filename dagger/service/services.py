"""The workflow engine (the 0.2.6 ``dagger.service.services`` surface).

A minimal worker::

    from dagger.service.services import Dagger

    workflow_engine = Dagger(broker="kafka://localhost:9092", datadir="/tmp/dagger",
                             application_name="orders", web_port=6066)

    @Dagger.register_template("OrderWorkflow")
    def order_template(template_name):
        ...  # build and return the template (dagger.modeler)

    if __name__ == "__main__":
        workflow_engine.main()

The engine itself lives in ``dagger.service._engine`` (faust plumbing in ``dagger.runtime``,
web views in ``dagger.web``); this module re-exports it.
"""

from typing import Any

from dagger.core.status import TaskLookupKey
from dagger.service._engine import Dagger
from dagger.tasks._base import ITask
from dagger.web._views import (
    DagProcessView,
    ServiceStateView,
    TemplateProcessView,
    service_blueprint,
    tasks_blueprint,
)

#: Kept for compatibility (unused, as in 0.2.6).
RESTART_WAIT_TIME = 1800


class TaskDTO(ITask[Any, Any]):
    """A task with its child tasks listed (0.2.6 declared it; nothing uses it)."""

    child_tasks: list[Any] = []


# Dagger keeps its defining module: mode registers service classes by qualified name.
for _cls in (TaskDTO, ServiceStateView, DagProcessView, TemplateProcessView):
    _cls.__module__ = __name__

__all__ = [
    "RESTART_WAIT_TIME",
    "DagProcessView",
    "Dagger",
    "ServiceStateView",
    "TaskDTO",
    "TaskLookupKey",
    "TemplateProcessView",
    "service_blueprint",
    "tasks_blueprint",
]
