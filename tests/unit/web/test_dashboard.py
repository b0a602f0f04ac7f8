"""The dashboard's JSON and pages, without a worker: rows and counts decoded from a runtime
without workflow summaries (counts bounded), task kinds, the token rule, the opt-in CORS
headers and the packaged files. Rows and counts from FaustRuntime's summaries:
``test_dashboard_summaries``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any
from uuid import UUID

import pytest

from dagger.tasks.task import (
    DecisionTask,
    DefaultMonitoringTask,
    DefaultProcessTemplateDAGInstance,
    DefaultTemplateDAGInstance,
    ExecutorTask,
    IntervalTask,
    KafkaCommandTask,
    KafkaListenerTask,
    ParallelCompositeTask,
    TriggerTask,
)
from dagger.web import _dashboard_data as data
from dagger.web._dashboard import (
    STATIC_FILES,
    DashboardIndexView,
    DashboardInfoView,
    DashboardInstancePageView,
    DashboardInstancesView,
    DashboardInstanceView,
    DashboardStaticView,
    DashboardSummaryView,
    asset,
    register_dashboard,
)
from dagger.web._models import InstancesQuery
from tests.support.offline_faust import offline_faust_app


def _workflow(template: str, status: str, **tasks: dict[str, Any]) -> dict[str, Any]:
    wid = str(uuid.uuid4())
    return {
        "id": wid,
        "template_name": template,
        "status": {"code": status},
        "time_created": 100,
        "lastupdated": 200,
        "tasks": tasks,
    }


def _leaf(name: str, status: str, submitted: int) -> dict[str, Any]:
    return {
        "task_type": "LEAF",
        "task_name": name,
        "status": {"code": status},
        "time_submitted": submitted,
    }


class Listing:
    """The runtime's listing over workflow representations (and loading of real objects),
    without workflow summaries: the dashboard decodes what it shows."""

    def __init__(self, workflows: list[dict[str, Any]], objects: dict[str, Any] | None = None):
        self.workflows = workflows
        self.objects = objects or {}
        self.walked = 0

    def iter_workflows(self) -> Iterator[tuple[int, str, bytes]]:
        for w in self.workflows:
            self.walked += 1
            yield 0, w["id"], json.dumps(w).encode()

    async def load_workflow(self, workflow_id: UUID | str) -> Any:
        return self.objects.get(str(workflow_id))


class Engine:
    """An engine as the dashboard sees it."""

    def __init__(self, listing: Listing, **options: Any) -> None:
        self.runtime = listing
        self.web_token: str | None = options.get("web_token")
        self.web_token_for_reads = bool(options.get("web_token_for_reads", False))
        self.web_cors_origins = tuple(options.get("web_cors_origins", ()))

    def is_ready(self) -> bool:
        return True

    def owned_partitions(self) -> set[int]:
        return {2, 0}


def _app(engine: Engine) -> Any:
    app = offline_faust_app("dash")
    register_dashboard(app, engine)
    return app


def _request(query: dict[str, str] | None = None, **headers: str) -> Any:
    return SimpleNamespace(query=query or {}, headers=headers)


def _body(response: Any) -> Any:
    return json.loads(response.body)


# -- rows, counts, kinds ---------------------------------------------------------------------


def test_a_row_names_the_latest_executing_leaf_without_the_template_prefix() -> None:
    w = _workflow(
        "pizza",
        "EXECUTING",
        a=_leaf("pizza.Order.cook", "COMPLETED", 10),
        b=_leaf("pizza.Order.wait", "EXECUTING", 11),
        c={"task_type": "SUB_DAG", "task_name": "pizza.Order", "status": {"code": "EXECUTING"}},
    )
    assert data.row(w) == {
        "id": w["id"],
        "template": "pizza",
        "status": "EXECUTING",
        "created": 100,
        "updated": 200,
        "current_task": "Order.wait",
    }


def test_a_failed_workflow_row_names_its_failed_task_and_an_ended_one_none() -> None:
    failed = _workflow("r", "FAILURE", a=_leaf("r.P.charge", "FAILURE", 5))
    done = _workflow("r", "COMPLETED", a=_leaf("r.P.charge", "COMPLETED", 5))
    assert data.current_task(failed) == "P.charge"
    assert data.current_task(done) is None


async def test_list_rows_pages_like_the_web_api_and_says_when_more_follow() -> None:
    workflows = [_workflow("t", "COMPLETED") for _ in range(5)] + [_workflow("u", "FAILURE")]
    listing = Listing(workflows)
    page = await data.list_rows(listing, InstancesQuery(template="t", limit=2, offset=2))
    assert [r["id"] for r in page["rows"]] == [w["id"] for w in workflows[2:4]]
    assert page["more"] is True
    last = await data.list_rows(listing, InstancesQuery(template="t", limit=2, offset=4))
    assert [r["id"] for r in last["rows"]] == [workflows[4]["id"]]
    assert last["more"] is False
    failed = await data.list_rows(listing, InstancesQuery(status="failure"))
    assert [r["status"] for r in failed["rows"]] == ["FAILURE"]


async def test_without_summaries_the_counts_decode_every_status_and_template_up_to_a_bound() -> (
    None
):
    workflows = [_workflow("a", "COMPLETED"), _workflow("b", "FAILURE"), _workflow("a", "FAILURE")]
    summary = await data.summary(Listing(workflows))
    assert summary["statuses"]["FAILURE"] == 2
    assert summary["statuses"]["COMPLETED"] == 1
    assert summary["statuses"]["STOPPED"] == 0  # every status is present
    assert summary["templates"] == {"a": 2, "b": 1}
    assert (summary["total"], summary["truncated"]) == (3, False)
    assert summary["scan_limit"] == data.SUMMARY_SCAN_LIMIT

    listing = Listing(workflows * 4)
    bounded = await data.summary(listing, scan_limit=5)
    assert (bounded["total"], bounded["truncated"], bounded["scan_limit"]) == (5, True, 5)
    assert listing.walked == 6  # stopped right after the bound


def test_an_undecodable_workflow_is_skipped_by_the_summary() -> None:
    rows = [(0, "bad", b"{not json"), (0, "ok", json.dumps(_workflow("a", "FAILURE")).encode())]
    summary = data.summarize(iter(rows))
    assert summary["statuses"]["FAILURE"] == 1
    assert summary["templates"] == {"a": 1}


@pytest.mark.parametrize(
    ("cls", "kind"),
    [
        (DecisionTask, "decision"),
        (KafkaListenerTask, "listener"),
        (KafkaCommandTask, "command"),
        (ExecutorTask, "executor"),
        (TriggerTask, "trigger"),
        (IntervalTask, "interval"),
        (DefaultMonitoringTask, "monitor"),
        (ParallelCompositeTask, "parallel"),
        (DefaultProcessTemplateDAGInstance, "process"),
        (DefaultTemplateDAGInstance, "workflow"),
    ],
)
def test_each_task_class_has_its_kind(cls: type, kind: str) -> None:
    assert data.task_kind(cls(id=uuid.uuid4())) == kind


def test_cors_answers_only_the_listed_origins() -> None:
    allowed = ["http://w2:6066/"]
    assert data.cors_origin(allowed, "http://w2:6066") == "http://w2:6066"
    assert data.cors_origin(allowed, "http://evil:6066") is None
    assert data.cors_origin(allowed, None) is None
    assert data.cors_origin([], "http://w2:6066") is None
    assert data.cors_origin(["*"], "http://any:1") == "*"


# -- views -----------------------------------------------------------------------------------


async def test_info_says_whether_actions_are_on_and_reads_need_the_token() -> None:
    open_app = _app(Engine(Listing([])))
    info = _body(await DashboardInfoView(open_app, open_app.web).get(_request()))
    assert info == {
        "actions": False,
        "reads_need_token": False,
        "owned_partitions": [0, 2],
        "ready": True,
    }
    locked = _app(Engine(Listing([]), web_token="t0k", web_token_for_reads=True))
    info = _body(await DashboardInfoView(locked, locked.web).get(_request()))
    assert (info["actions"], info["reads_need_token"]) == (True, True)


async def test_reads_follow_the_web_api_token_rule() -> None:
    w = _workflow("a", "FAILURE")
    app = _app(Engine(Listing([w]), web_token="t0k", web_token_for_reads=True))
    for view in (DashboardSummaryView, DashboardInstancesView):
        missing = await view(app, app.web).get(_request())
        assert missing.status == 401
        assert missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = await view(app, app.web).get(_request(Authorization="Bearer nope"))
        assert wrong.status == 403
        right = await view(app, app.web).get(_request(Authorization="Bearer t0k"))
        assert right.status == 200
    one = await DashboardInstanceView(app, app.web).get(_request(), w["id"])
    assert one.status == 401


async def test_rows_and_instance_with_the_kinds_of_its_tasks() -> None:
    workflow = DefaultTemplateDAGInstance(id=uuid.uuid4(), template_name="t")
    decision = DecisionTask(id=uuid.uuid4())
    workflow.tasks = {decision.id: decision}
    listing = Listing([_workflow("t", "COMPLETED")], {str(workflow.id): workflow})
    app = _app(Engine(listing))
    page = _body(await DashboardInstancesView(app, app.web).get(_request({"limit": "1"})))
    assert [r["template"] for r in page["rows"]] == ["t"]
    bad = await DashboardInstancesView(app, app.web).get(_request({"limit": "0"}))
    assert bad.status == 400
    assert "limit" in _body(bad)["error"]

    one = _body(await DashboardInstanceView(app, app.web).get(_request(), str(workflow.id)))
    assert one["instance"]["id"] == str(workflow.id)
    assert one["kinds"] == {str(decision.id): "decision"}
    missing = await DashboardInstanceView(app, app.web).get(_request(), str(uuid.uuid4()))
    assert missing.status == 404
    not_an_id = await DashboardInstanceView(app, app.web).get(_request(), "nope")
    assert not_an_id.status == 400


async def test_cross_origin_reads_only_when_the_engine_lists_the_origin() -> None:
    peer = "http://127.0.0.1:7001"
    allowing = _app(Engine(Listing([]), web_cors_origins=[peer]))
    closed = _app(Engine(Listing([])))
    request = _request(Origin=peer)
    answer = await DashboardSummaryView(allowing, allowing.web).get(request)
    assert answer.headers["Access-Control-Allow-Origin"] == peer
    assert (
        "Access-Control-Allow-Origin"
        not in (await DashboardSummaryView(closed, closed.web).get(request)).headers
    )
    other = await DashboardSummaryView(allowing, allowing.web).get(_request(Origin="http://x:1"))
    assert "Access-Control-Allow-Origin" not in other.headers

    preflight = await DashboardInstancesView(allowing, allowing.web).options(request)
    assert preflight.status == 204
    assert preflight.headers["Access-Control-Allow-Headers"] == "Authorization"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET"
    refused = await DashboardInstancesView(closed, closed.web).options(request)
    assert "Access-Control-Allow-Headers" not in refused.headers


async def test_pages_and_their_files_are_served_from_the_package() -> None:
    app = _app(Engine(Listing([])))
    index = await DashboardIndexView(app, app.web).get(_request())
    assert index.content_type == "text/html"
    assert b"/dashboard/static/list.js" in index.body
    page = await DashboardInstancePageView(app, app.web).get(_request(), "any")
    assert b"/dashboard/static/instance.js" in page.body
    for name, content_type in STATIC_FILES.items():
        served = await DashboardStaticView(app, app.web).get(_request(), name)
        assert (served.status, served.content_type) == (200, content_type)
        assert served.body == asset(name)
    for name in ("index.html", "../_dashboard.py", "secret"):
        assert (await DashboardStaticView(app, app.web).get(_request(), name)).status == 404


def test_the_scripts_never_put_data_in_innerhtml() -> None:
    for name in ("dashboard.js", "list.js", "instance.js"):
        text = asset(name).decode()
        assert "innerHTML" not in text, name
        assert "insertAdjacentHTML" not in text, name
        assert "document.write" not in text, name
