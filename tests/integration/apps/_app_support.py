"""What the integration and dashboard test apps share: the engine built from the environment
and the agent creating one workflow per request message.

A worker started by ``tests/support/worker.py`` learns ``DAGGER_BROKER``, ``DAGGER_DATA_DIR``
and ``DAGGER_WEB_PORT`` from its environment; each app reads its own prefix (and app id) and
passes anything else it needs as an override.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from typing import Any

from dagger.devbroker import dev_faust_settings
from dagger.service.services import Dagger

#: The request's fields that become the workflow's runtime parameters.
Params = Callable[[dict[str, Any]], dict[str, Any]]


def engine_from_env(prefix: str, app_id: str | None = None, **overrides: Any) -> Dagger:
    """A ``Dagger`` on the development broker, tasks topic ``<prefix>-tasks``, web on localhost.

    ``app_id`` is the application name (default: ``prefix``); ``overrides`` are further
    ``Dagger`` settings, given or replacing the shared ones.
    """
    settings: dict[str, Any] = {
        "broker": os.environ["DAGGER_BROKER"],
        "datadir": os.environ["DAGGER_DATA_DIR"],
        "application_name": prefix if app_id is None else app_id,
        "tasks_topic": f"{prefix}-tasks",
        "web_port": int(os.environ["DAGGER_WEB_PORT"]),
        "web_host": "127.0.0.1",
        "consumer_auto_offset_reset": "earliest",
        **dev_faust_settings(),
    }
    return Dagger(**{**settings, **overrides})


def order_id_param(request: dict[str, Any]) -> dict[str, Any]:
    """The usual runtime parameters: the request's ``order_id``."""
    return {"order_id": request["order_id"]}


def add_create_agent(
    engine: Dagger,
    prefix: str,
    logger: logging.Logger,
    *,
    template: str | None = None,
    repartition: bool = False,
    params: Params = order_id_param,
) -> Any:
    """Consume JSON requests on ``<prefix>-create``, creating and submitting one workflow each.

    A request names the workflow's ``id`` and, unless ``template`` fixes it, its
    ``template``; ``params`` picks its runtime parameters (partition key ``order_id``). A
    request that cannot be created is logged on ``logger`` and skipped, so one bad request
    does not stop the agent. Returns the agent.
    """
    create_topic = engine.create_topic(f"{prefix}-create", value_serializer="json")

    async def create_workflows(stream: Any) -> None:
        """Create (and submit) one workflow per request message."""
        async for request in stream:
            try:
                await engine.get_template(template or request["template"]).create_instance(
                    uuid.UUID(request["id"]),
                    "order_id",
                    repartition=repartition,
                    submit_task=True,
                    **params(request),
                )
            except Exception:
                logger.exception("could not create %r", request)

    return engine.faust_app.agent(create_topic)(create_workflows)
