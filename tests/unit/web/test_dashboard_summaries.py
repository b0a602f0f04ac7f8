"""The dashboard's JSON read from FaustRuntime's workflow summaries (on in-memory tables):
counts and rows without reading a stored record, the same answers as decoding them, the
fallback while the summaries are not ready, and one current-task rule for the summaries
(from a decoded workflow and from its JSON) and the dashboard."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from dagger.core.status import TaskStatus
from dagger.runtime import FaustRuntime
from dagger.store._summary import summarize, summarize_data
from dagger.tasks.task import DefaultTemplateDAGInstance, ExecutorTask, ParallelCompositeTask
from dagger.web import _dashboard_data as data
from dagger.web._dashboard import DashboardSummaryView
from dagger.web._models import InstancesQuery
from tests.support.offline_faust import OWNED, WithoutSummaries, memory_faust_runtime
from tests.unit.web.test_dashboard import Engine, _app, _body, _request


def _status(code: str) -> TaskStatus:
    return TaskStatus(code=code, value=code)


def _task(cls: type, name: str, status: str, submitted: int, created: int = 1) -> Any:
    task = cls(id=uuid.uuid4(), task_name=name, time_submitted=submitted, time_created=created)
    task.status = _status(status)
    return task


def _workflow(template: str, status: str, *tasks: Any, order: str = "o") -> Any:
    workflow = DefaultTemplateDAGInstance(
        id=uuid.uuid4(),
        template_name=template,
        partition_key_lookup="order_id",
        runtime_parameters={"order_id": order},
    )
    workflow.status = _status(status)
    workflow.tasks = {task.id: task for task in tasks}
    return workflow


def _workflows() -> list[Any]:
    return [
        _workflow("a", "FAILURE", _task(ExecutorTask, "a.P.pay", "FAILURE", 5), order="1"),
        _workflow("a", "COMPLETED", _task(ExecutorTask, "a.P.pay", "COMPLETED", 5), order="2"),
        _workflow("a", "FAILURE", order="3"),
        _workflow("b", "EXECUTING", _task(ExecutorTask, "b.P.wait", "EXECUTING", 9), order="4"),
        _workflow("b", "EXECUTING", order="5"),
    ]


class _NoStoredReads:
    """Fails the test on any read of a stored record (by key or by scanning)."""

    def __init__(self, runtime: FaustRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise AssertionError("a stored workflow was read instead of the summaries")

        runtime.listing.finish_now()  # the rebuild after the assignment reads the store
        for target, name in (
            (runtime, "iter_workflows"),
            (runtime.kv, "get"),
            (runtime.kv, "items"),
        ):
            monkeypatch.setattr(target, name, refuse)


async def _assigned_runtime_with(workflows: list[Any]) -> FaustRuntime:
    runtime = memory_faust_runtime()
    for workflow in workflows:
        await runtime.save_workflow(workflow)
    runtime.kv.put("not-a-workflow", b"{not json", 0)
    runtime.forget_partitions(set(OWNED))  # summaries rebuilt from the records
    return runtime


# -- one current-task rule -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "tasks", "expected"),
    [
        pytest.param(
            "EXECUTING",
            [
                ("R.P.cook", "COMPLETED", 10),
                ("R.P.wait", "EXECUTING", 12),  # the latest started EXECUTING leaf
                ("R.P.call", "EXECUTING", 11),
                ("R.P.tie", "EXECUTING", 12),  # as late: the later one in ``tasks`` wins
                ("R.P.group", "EXECUTING", 99),  # not a leaf
            ],
            "P.tie",
            id="executing",
        ),
        pytest.param(
            "FAILURE",
            [
                ("R.P.charge", "FAILURE", 5),
                ("R.P.ship", "FAILURE", 7),
                ("R.P.mail", "EXECUTING", 8),  # a failed workflow shows what failed
            ],
            "P.ship",
            id="failed",
        ),
        pytest.param("COMPLETED", [("R.P.charge", "COMPLETED", 5)], None, id="completed"),
        pytest.param(
            "EXECUTING", [("Other.P.wait", "EXECUTING", 0)], "Other.P.wait", id="foreign-prefix"
        ),
    ],
)
def test_the_summary_current_task_is_the_dashboard_one_from_an_object_and_from_json(
    status: str, tasks: list[tuple[str, str, int]], expected: str | None
) -> None:
    built = [
        _task(ParallelCompositeTask if task[0].endswith("group") else ExecutorTask, *task)
        for task in tasks
    ]
    workflow = _workflow("R", status, *built)
    stored = json.loads(workflow.dumps())

    assert data.current_task(workflow.to_representation()) == expected
    assert summarize(workflow).current_task == expected
    assert summarize_data(stored).current_task == expected
    assert data.summary_row(summarize(workflow)) == data.row(workflow.to_representation())


# -- counts ----------------------------------------------------------------------------------


async def test_counts_come_from_the_summaries_every_workflow_and_no_stored_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = await _assigned_runtime_with(_workflows())
    decoded = data.summarize(WithoutSummaries(runtime).iter_workflows())
    _NoStoredReads(runtime, monkeypatch)

    counted = await data.summary(runtime, scan_limit=2)  # the bound is only the fallback's
    assert counted["total"] == 5 and counted["truncated"] is False and counted["scan_limit"] == 2
    expected = {name: 0 for name in decoded["statuses"]} | {
        "FAILURE": 2,
        "COMPLETED": 1,
        "EXECUTING": 2,
    }
    assert counted["statuses"] == expected  # every status, the undecodable record in none
    assert counted["templates"] == decoded["templates"] == {"a": 3, "b": 2}

    app = _app(Engine(runtime))  # type: ignore[arg-type]
    answer = _body(await DashboardSummaryView(app, app.web).get(_request()))
    assert answer == {**counted, "scan_limit": data.SUMMARY_SCAN_LIMIT}


async def test_counts_are_decoded_and_bounded_while_the_summaries_are_not_ready() -> None:
    runtime = memory_faust_runtime()
    for workflow in _workflows():
        await runtime.save_workflow(workflow)  # no assignment seen: summaries not complete
    assert await runtime.count_workflows() is None

    bounded = await data.summary(runtime, scan_limit=3)
    assert (bounded["total"], bounded["truncated"], bounded["scan_limit"]) == (3, True, 3)
    everything = await data.summary(runtime)
    assert (everything["total"], everything["truncated"]) == (5, False)
    assert everything["statuses"]["FAILURE"] == 2


# -- rows ------------------------------------------------------------------------------------


QUERIES = [
    InstancesQuery(limit=2),
    InstancesQuery(limit=2, offset=2),
    InstancesQuery(limit=2, offset=4),
    InstancesQuery(limit=100, offset=5),
    InstancesQuery(status="failure", limit=1),
    InstancesQuery(status="EXECUTING", template="b", limit=1, offset=1),
    InstancesQuery(template="a", limit=5),
    InstancesQuery(template="none"),
]


async def test_rows_come_from_the_summaries_like_the_decoded_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = await _assigned_runtime_with(_workflows())
    decoded = [await data.list_rows(WithoutSummaries(runtime), q) for q in QUERIES]
    assert [page["more"] for page in decoded[:4]] == [True, True, False, False]
    _NoStoredReads(runtime, monkeypatch)

    from_summaries = [await data.list_rows(runtime, q) for q in QUERIES]
    assert from_summaries == decoded
    current = {row["current_task"] for page in from_summaries for row in page["rows"]}
    assert current == {"P.pay", "P.wait", None}


async def test_rows_are_decoded_while_the_summaries_are_not_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runtime = memory_faust_runtime()
    workflows = _workflows()
    for workflow in workflows:
        await runtime.save_workflow(workflow)
    assert await runtime.summary_page(status=None, template=None, offset=0, limit=1) is None
    scans: list[int] = []
    scan = runtime.iter_workflows

    def counted_scan() -> Iterator[tuple[int, str, bytes]]:
        scans.append(1)
        return scan()

    monkeypatch.setattr(runtime, "iter_workflows", counted_scan)

    page = await data.list_rows(runtime, InstancesQuery(template="b", limit=1))
    assert scans == [1]
    b_ids = {str(w.id) for w in workflows if w.template_name == "b"}
    assert [row["template"] for row in page["rows"]] == ["b"] and page["rows"][0]["id"] in b_ids
    assert page["more"] is True
