"""What the action endpoints answer, independent of the web framework.

- ``POST /tasks/instance/{id}/retry``: the engine's ``retry_workflow(id)``;
- ``POST /tasks/instance/{id}/stop``: the engine's ``stop_workflow(id)``.

Both exist only when the engine has a ``web_token`` (404 otherwise) and need
``Authorization: Bearer <token>`` (see :mod:`dagger.web._auth`). Answers: 200 with the
workflow's representation after the action (the shape of ``GET /tasks/instance/{id}``),
400 for an id that is not a UUID, 404 for a workflow this worker does not hold, 409 when
there is nothing to retry or the workflow has already ended; each error is
``{"error": "..."}``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from dagger.exceptions.exceptions import TaskInvalidState, WorkflowNotFound
from dagger.web._auth import action_access
from dagger.web._handlers import BadRequest, parse_instance_id

logger = logging.getLogger("dagger.web")

#: The actions, by the last segment of their path.
ACTIONS = ("retry", "stop")


class WorkflowActions(Protocol):
    """What the action endpoints call on the engine (``Dagger`` implements it)."""

    async def retry_workflow(self, workflow_id: Any) -> Any:
        """Run the workflow's failed tasks again; the workflow after."""

    async def stop_workflow(self, workflow_id: Any) -> Any:
        """Stop the workflow; the workflow after."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


async def run_action(
    engine: WorkflowActions, action: str, dag_id: str, authorization: str | None
) -> Answer:
    """Check the request's token, then run ``action`` on the workflow ``dag_id``."""
    denied = action_access(engine, authorization)
    if denied is not None:
        return Answer(denied.status, {"error": denied.message}, denied.headers)
    try:
        workflow_id = parse_instance_id(dag_id)
    except BadRequest as exc:
        return Answer(400, {"error": str(exc)})
    call = engine.retry_workflow if action == "retry" else engine.stop_workflow
    try:
        workflow = await call(workflow_id)
    except WorkflowNotFound as exc:
        return Answer(404, {"error": str(exc)})
    except TaskInvalidState as exc:
        return Answer(409, {"error": str(exc)})
    data: dict[str, Any] = workflow.to_representation()
    logger.info("web: %s of workflow %s done, now %s", action, workflow_id, _code(data))
    return Answer(200, data)


def _code(data: dict[str, Any]) -> Any:
    status = data.get("status")
    return status.get("code") if isinstance(status, dict) else status
