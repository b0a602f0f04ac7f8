"""The faust web views of the engine and the blueprints that route them (0.2.6 paths).

Routes: ``/service/ready`` (:class:`ServiceStateView`), ``/tasks/instances``
(:class:`TemplateProcessView`) and ``/tasks/instance/{dag_id}`` (:class:`DagProcessView`).
Response shapes are documented in :mod:`dagger.web._handlers`. With the engine's
``web_token``: ``POST /tasks/instance/{dag_id}/retry`` and ``.../stop``
(:class:`RetryView`, :class:`StopView`; see :mod:`dagger.web._actions` and, for the token,
:mod:`dagger.web._auth`).

The views answer for the engine given to :func:`register_blueprints`, which keeps it on the
faust app they are routed on (faust hands each view its app as ``self.app``): a worker's
views see its own engine, never a global one.
"""

from __future__ import annotations

from typing import Any, Protocol

from faust import web

from dagger.web import _actions, _auth, _handlers
from dagger.web._dashboard import register_dashboard
from dagger.web._metrics_view import register_metrics
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

    #: The bearer token the action endpoints need (``None``: no actions, read-only).
    web_token: str | None
    #: Whether the read endpoints need the token too.
    web_token_for_reads: bool

    async def retry_workflow(self, workflow_id: Any) -> Any:
        """Run the workflow's failed tasks again; the workflow after."""

    async def stop_workflow(self, workflow_id: Any) -> Any:
        """Stop the workflow; the workflow after."""


def _authorization(request: Any) -> str | None:
    headers = getattr(request, "headers", None) or {}
    value: str | None = headers.get("Authorization")
    return value


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
        engine = _engine(self)
        denied = _auth.read_access(engine, _authorization(request))
        if denied is not None:
            return self.error(denied.status, denied.message, headers=denied.headers)
        try:
            query = _handlers.parse_instances_query(dict(request.query))
        except _handlers.BadRequest as exc:
            return self.error(400, str(exc))
        body = await _handlers.instances_json(engine.runtime, query)
        return self.bytes(body, content_type="application/json")


@tasks_blueprint.route("/instance/{dag_id}", name="instance")
class DagProcessView(web.View):
    """``GET /tasks/instance/{dag_id}`` -> one workflow instance (404 / 400)."""

    async def get(self, request: web.Request, dag_id: str) -> web.Response:
        """The workflow stored under ``dag_id``."""
        engine = _engine(self)
        denied = _auth.read_access(engine, _authorization(request))
        if denied is not None:
            return self.error(denied.status, denied.message, headers=denied.headers)
        try:
            data = await _handlers.get_instance(engine.runtime, dag_id)
        except _handlers.BadRequest as exc:
            return self.error(400, str(exc))
        if data is None:
            return self.error(404, f"no workflow instance {dag_id}")
        return self.json(data)


async def _act(view: web.View, action: str, request: web.Request, dag_id: str) -> web.Response:
    answer = await _actions.run_action(_engine(view), action, dag_id, _authorization(request))
    return view.json(answer.body, status=answer.status, headers=answer.headers or None)


@tasks_blueprint.route("/instance/{dag_id}/retry", name="instance_retry")
class RetryView(web.View):
    """``POST /tasks/instance/{dag_id}/retry`` (needs the engine's ``web_token``)."""

    async def post(self, request: web.Request, dag_id: str) -> web.Response:
        """Run the workflow's failed tasks again; answer the workflow after."""
        return await _act(self, "retry", request, dag_id)


@tasks_blueprint.route("/instance/{dag_id}/stop", name="instance_stop")
class StopView(web.View):
    """``POST /tasks/instance/{dag_id}/stop`` (needs the engine's ``web_token``)."""

    async def post(self, request: web.Request, dag_id: str) -> web.Response:
        """Stop the workflow; answer the workflow after."""
        return await _act(self, "stop", request, dag_id)


def register_blueprints(faust_app: Any, engine: EngineView) -> None:
    """Route the engine's views on a faust app; they answer for ``engine``."""
    setattr(faust_app, ENGINE_VIEW_ATTR, engine)
    service_blueprint.register(faust_app, url_prefix="/service/")
    tasks_blueprint.register(faust_app, url_prefix="/tasks/")
    register_metrics(faust_app, engine)
    register_dashboard(faust_app, engine)
