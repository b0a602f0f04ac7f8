"""The dashboard: HTML pages and their JSON, served from every worker's web port.

Pages (static files shipped in ``dagger/web/dashboard/``; their scripts fetch the JSON and
build the page with DOM calls, so no stored value is ever parsed as HTML):

- ``GET /dashboard``: the workflows this worker holds (``?peer=<url>`` merges other workers);
- ``GET /dashboard/instance/{id}``: one workflow drawn as a graph, its parameters, timeline;
- ``GET /dashboard/static/{name}``: the pages' CSS and scripts.

JSON (the same workflows as ``/tasks/...``; shapes, and where they are read from, in
:mod:`._dashboard_data`: a runtime's in-memory workflow summaries when it keeps them, so a
poll decodes no stored workflow; else the stored records):

- ``GET /dashboard/api/info``: whether stop/retry are enabled and reads need the token, and
  which partitions this worker owns (never needs a token: it says nothing about workflows);
- ``GET /dashboard/api/summary``: counts per status and per template of every workflow this
  worker holds (of at most ``SUMMARY_SCAN_LIMIT`` when they must be decoded);
- ``GET /dashboard/api/instances?status=&template=&limit=&offset=``: one page of rows;
- ``GET /dashboard/api/instance/{id}``: ``{"instance": <as /tasks/instance/{id}>, "kinds": ...}``.

The JSON follows the web API's token rule (``web_token_for_reads``) and answers
cross-origin reads only for the origins in the engine's ``web_cors_origins``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from importlib import resources
from typing import Any

from faust import web

from dagger.web import _auth, _handlers
from dagger.web import _dashboard_data as data

dashboard_blueprint = web.Blueprint("dashboard")

#: The attribute of the faust app that holds the engine the dashboard answers for.
ENGINE_ATTR = "_dagger_dashboard_engine"

#: The files ``/dashboard/static/{name}`` serves, with their content types.
STATIC_FILES = {
    "dashboard.css": "text/css",
    "dashboard.js": "application/javascript",
    "list.js": "application/javascript",
    "instance.js": "application/javascript",
}
_NO_CACHE = {"Cache-Control": "no-cache"}


def asset(name: str) -> bytes:
    """The bytes of one of the dashboard's packaged files (``index.html``, ``list.js``...)."""
    return resources.files("dagger.web").joinpath("dashboard").joinpath(name).read_bytes()


def _page(view: web.View, name: str) -> web.Response:
    return view.html(asset(name).decode("utf-8"), headers=dict(_NO_CACHE))


@dashboard_blueprint.route("/dashboard", name="index")
class DashboardIndexView(web.View):
    """``GET /dashboard``: the workflow list page."""

    async def get(self, request: web.Request) -> web.Response:
        """The page; its script fetches the rows."""
        return _page(self, "index.html")


@dashboard_blueprint.route("/dashboard/", name="index_slash")
class DashboardIndexSlashView(DashboardIndexView):
    """``GET /dashboard/``: the same page."""


@dashboard_blueprint.route("/dashboard/instance/{dag_id}", name="instance_page")
class DashboardInstancePageView(web.View):
    """``GET /dashboard/instance/{id}``: the page of one workflow."""

    async def get(self, request: web.Request, dag_id: str) -> web.Response:
        """The page; its script reads the id from the URL and fetches the workflow."""
        return _page(self, "instance.html")


@dashboard_blueprint.route("/dashboard/static/{name}", name="static")
class DashboardStaticView(web.View):
    """``GET /dashboard/static/{name}``: the pages' stylesheet and scripts (nothing else)."""

    async def get(self, request: web.Request, name: str) -> web.Response:
        """One of :data:`STATIC_FILES`; 404 for any other name."""
        content_type = STATIC_FILES.get(name)
        if content_type is None:
            return self.error(404, f"no dashboard file {name[:80]!r}")
        return self.bytes(asset(name), content_type=content_type, headers=dict(_NO_CACHE))


class _DashboardJSONView(web.View):
    """Shared by the JSON views: the engine, the token rule and the CORS headers."""

    def _engine(self) -> Any:
        engine = getattr(self.app, ENGINE_ATTR, None)
        if engine is None:  # the blueprint was registered without an engine
            raise LookupError("no dagger engine is registered on this faust app")
        return engine

    def _headers(self, request: web.Request) -> MutableMapping[str, str]:
        allowed = getattr(self._engine(), "web_cors_origins", ()) or ()
        origin = data.cors_origin(list(allowed), request.headers.get("Origin"))
        headers: dict[str, str] = {"Cache-Control": "no-store"}
        if origin is not None:
            headers["Access-Control-Allow-Origin"] = origin
            headers["Vary"] = "Origin"
        return headers

    def _denied(self, request: web.Request) -> web.Response | None:
        """401/403 when reads need the token and the request lacks it (the web API's rule)."""
        denied = _auth.read_access(self._engine(), request.headers.get("Authorization"))
        if denied is None:
            return None
        headers = {**self._headers(request), **denied.headers}
        return self.error(denied.status, denied.message, headers)

    async def options(self, request: web.Request, **kwargs: Any) -> web.Response:
        """CORS preflight: a cross-origin read that sends the token asks first."""
        headers = self._headers(request)
        if "Access-Control-Allow-Origin" in headers:
            headers["Access-Control-Allow-Methods"] = "GET"
            headers["Access-Control-Allow-Headers"] = "Authorization"
            headers["Access-Control-Max-Age"] = "600"
        return self.bytes(b"", status=204, headers=headers)


@dashboard_blueprint.route("/dashboard/api/info", name="api_info")
class DashboardInfoView(_DashboardJSONView):
    """``GET /dashboard/api/info``: what the pages need to know about this worker."""

    async def get(self, request: web.Request) -> web.Response:
        """Actions enabled, reads protected, owned partitions (``null``: a global store)."""
        engine = self._engine()
        owned = getattr(engine, "owned_partitions", None)
        partitions = owned() if callable(owned) else None
        info = {
            "actions": data.actions_enabled(engine),
            "reads_need_token": _auth.read_access(engine, None) is not None,
            "owned_partitions": None if partitions is None else sorted(partitions),
            "ready": bool(engine.is_ready()),
        }
        return self.json(info, headers=self._headers(request))


@dashboard_blueprint.route("/dashboard/api/summary", name="api_summary")
class DashboardSummaryView(_DashboardJSONView):
    """``GET /dashboard/api/summary``: counts per status and template."""

    async def get(self, request: web.Request) -> web.Response:
        """Every workflow, from the summaries; without them at most ``SUMMARY_SCAN_LIMIT``
        stored workflows are decoded and counted (``truncated`` says when there are more)."""
        denied = self._denied(request)
        if denied is not None:
            return denied
        summary = await data.summary(self._engine().runtime)
        return self.json(summary, headers=self._headers(request))


@dashboard_blueprint.route("/dashboard/api/instances", name="api_instances")
class DashboardInstancesView(_DashboardJSONView):
    """``GET /dashboard/api/instances``: one page of list rows (the ``/tasks/instances`` query)."""

    async def get(self, request: web.Request) -> web.Response:
        """``{"rows": [...], "offset", "limit", "more"}``; 400 for invalid parameters."""
        denied = self._denied(request)
        if denied is not None:
            return denied
        try:
            query = _handlers.parse_instances_query(dict(request.query))
        except _handlers.BadRequest as exc:
            return self.error(400, str(exc), self._headers(request))
        page = await data.list_rows(self._engine().runtime, query)
        return self.json(page, headers=self._headers(request))


@dashboard_blueprint.route("/dashboard/api/instance/{dag_id}", name="api_instance")
class DashboardInstanceView(_DashboardJSONView):
    """``GET /dashboard/api/instance/{id}``: the workflow and the kind of each of its tasks."""

    async def get(self, request: web.Request, dag_id: str) -> web.Response:
        """404 when this worker does not hold it, 400 when ``id`` is not a UUID."""
        denied = self._denied(request)
        if denied is not None:
            return denied
        headers = self._headers(request)
        try:
            workflow_id = _handlers.parse_instance_id(dag_id)
        except _handlers.BadRequest as exc:
            return self.error(400, str(exc), headers)
        workflow = await self._engine().runtime.load_workflow(workflow_id)
        if workflow is None:
            return self.error(404, f"no workflow instance {workflow_id}", headers)
        body = {"instance": workflow.to_representation(), "kinds": data.task_kinds(workflow)}
        return self.json(body, headers=headers)


def register_dashboard(faust_app: Any, engine: Any) -> None:
    """Route the dashboard on a faust app; it answers for ``engine`` (an ``EngineView`` that
    may also have ``web_token``, ``web_token_for_reads``, ``web_cors_origins`` and
    ``owned_partitions()``)."""
    setattr(faust_app, ENGINE_ATTR, engine)
    dashboard_blueprint.register(faust_app)
