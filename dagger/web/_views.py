"""The faust web views of the engine and the blueprints that route them (0.2.6 paths).

Routes: ``/service/ready`` (:class:`ServiceStateView`), ``/tasks/instances``
(:class:`TemplateProcessView`) and ``/tasks/instance/{dag_id}`` (:class:`DagProcessView`).
Response shapes are documented in :mod:`dagger.web._handlers`.
"""

from __future__ import annotations

from typing import Any

from faust import web

from dagger.web import _handlers
from dagger.web._models import ReadyResponse

service_blueprint = web.Blueprint("service")
tasks_blueprint = web.Blueprint("tasks")


def _engine() -> Any:
    from dagger.service.services import Dagger

    return Dagger.app


@service_blueprint.route("/ready", name="ready")
class ServiceStateView(web.View):
    """``GET /service/ready`` -> ``{"is_ready": bool}``."""

    async def get(self, request: web.Request) -> web.Response:
        """Whether this worker is started, has its partitions and has recovered them."""
        engine = _engine()
        ready = bool(engine is not None and engine.is_ready())
        return self.json(ReadyResponse(is_ready=ready).model_dump())


@tasks_blueprint.route("/instances", name="instances")
class TemplateProcessView(web.View):
    """``GET /tasks/instances`` -> a bounded, filtered JSON list of workflow instances."""

    async def get(self, request: web.Request) -> web.Response:
        """List workflows (``status``, ``template``, ``limit``, ``offset`` query parameters)."""
        try:
            query = _handlers.parse_instances_query(dict(request.query))
        except _handlers.BadRequest as exc:
            return self.error(400, str(exc))
        return self.json(_handlers.list_instances(_engine().runtime, query))


@tasks_blueprint.route("/instance/{dag_id}", name="instance")
class DagProcessView(web.View):
    """``GET /tasks/instance/{dag_id}`` -> one workflow instance (404 / 400)."""

    async def get(self, request: web.Request, dag_id: str) -> web.Response:
        """The workflow stored under ``dag_id``."""
        try:
            data = await _handlers.get_instance(_engine().runtime, dag_id)
        except _handlers.BadRequest as exc:
            return self.error(400, str(exc))
        if data is None:
            return self.error(404, f"no workflow instance {dag_id}")
        return self.json(data)


def register_blueprints(faust_app: Any) -> None:
    """Route the engine's views on a faust app."""
    service_blueprint.register(faust_app, url_prefix="/service/")
    tasks_blueprint.register(faust_app, url_prefix="/tasks/")
