"""The faust web views of the engine and the blueprints that route them (0.2.6 paths).

Routes: ``/service/ready`` (:class:`ServiceStateView`), ``/tasks/instances``
(:class:`TemplateProcessView`) and ``/tasks/instance/{dag_id}`` (:class:`DagProcessView`).
Response shapes are documented in :mod:`dagger.web._handlers`.

The views answer for the engine given to :func:`register_blueprints`, which keeps it on the
faust app they are routed on (faust hands each view its app as ``self.app``): a worker's
views see its own engine, never a global one.
"""

from __future__ import annotations

from typing import Any, Protocol

from faust import web

from dagger.web import _handlers
from dagger.web._models import ReadyResponse

service_blueprint = web.Blueprint("service")
tasks_blueprint = web.Blueprint("tasks")

#: The attribute of the faust app that holds the engine its views answer for.
ENGINE_VIEW_ATTR = "_dagger_engine_view"


class EngineView(Protocol):
    """What the views need of the engine (``Dagger`` implements it)."""

    @property
    def runtime(self) -> _handlers.WorkflowListing:
        """The engine's runtime: lists and loads the workflows this worker holds."""

    def is_ready(self) -> bool:
        """Started, partitions assigned and recovered, timers loaded."""


def engine_view(faust_app: Any) -> EngineView | None:
    """The engine registered on a faust app by :func:`register_blueprints`, if any."""
    view: EngineView | None = getattr(faust_app, ENGINE_VIEW_ATTR, None)
    return view


def _engine(view: web.View) -> EngineView:
    engine = engine_view(view.app)
    if engine is None:  # the blueprints were registered without an engine
        raise LookupError("no dagger engine is registered on this faust app")
    return engine


@service_blueprint.route("/ready", name="ready")
class ServiceStateView(web.View):
    """``GET /service/ready`` -> ``{"is_ready": bool}``."""

    async def get(self, request: web.Request) -> web.Response:
        """Whether this worker is started, has its partitions and has recovered them."""
        engine = engine_view(self.app)
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
        return self.json(_handlers.list_instances(_engine(self).runtime, query))


@tasks_blueprint.route("/instance/{dag_id}", name="instance")
class DagProcessView(web.View):
    """``GET /tasks/instance/{dag_id}`` -> one workflow instance (404 / 400)."""

    async def get(self, request: web.Request, dag_id: str) -> web.Response:
        """The workflow stored under ``dag_id``."""
        try:
            data = await _handlers.get_instance(_engine(self).runtime, dag_id)
        except _handlers.BadRequest as exc:
            return self.error(400, str(exc))
        if data is None:
            return self.error(404, f"no workflow instance {dag_id}")
        return self.json(data)


def register_blueprints(faust_app: Any, engine: EngineView) -> None:
    """Route the engine's views on a faust app; they answer for ``engine``."""
    setattr(faust_app, ENGINE_VIEW_ATTR, engine)
    service_blueprint.register(faust_app, url_prefix="/service/")
    tasks_blueprint.register(faust_app, url_prefix="/tasks/")
