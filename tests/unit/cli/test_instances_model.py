"""The CLI's reading of workflow records: the tree, the current task, the merge of lists."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagger.cli._instances import build_tree, current_task, merge, summarize
from tests.unit.cli.fakes import pizza, task


def _names(node: Any, depth: int = 0) -> list[tuple[int, str]]:
    out = [(depth, str(node.record["task_name"]))]
    for child in node.children:
        out += _names(child, depth + 1)
    return out


def test_the_tree_follows_root_dag_and_next_dags() -> None:
    assert _names(build_tree(pizza("w1"))) == [
        (0, "W"),
        (1, "W.Order"),
        (2, "W.Order.command"),
        (2, "W.Order.listener"),
        (1, "W.Delivery"),
        (2, "W.Delivery.deliver"),
    ]


def test_parallel_children_and_unreached_tasks_are_in_the_tree() -> None:
    workflow = pizza("w1")
    workflow["tasks"]["t3"]["next_dags"] = ["par"]
    workflow["tasks"]["par"] = task(
        "par",
        "W.Delivery.both",
        "EXECUTING",
        parent="p2",
        task_type="PARALLEL_COMPOSITE",
        parallel_child_task_list=["c1", "c2"],
    )
    workflow["tasks"]["c1"] = task("c1", "W.Delivery.both.x", "EXECUTING", parent="par")
    workflow["tasks"]["c2"] = task("c2", "W.Delivery.both.y", "NOT_STARTED", parent="par")
    # A task nothing links to (a monitor, say) still shows, under its parent.
    workflow["tasks"]["m"] = task("m", "W.Order.monitor", "EXECUTING", parent="p1")
    workflow["tasks"]["lost"] = task("lost", "W.lost", "NOT_STARTED", parent="nowhere")
    names = _names(build_tree(workflow))
    assert names == [
        (0, "W"),
        (1, "W.Order"),
        (2, "W.Order.command"),
        (2, "W.Order.listener"),
        (2, "W.Order.monitor"),
        (1, "W.Delivery"),
        (2, "W.Delivery.deliver"),
        (2, "W.Delivery.both"),
        (3, "W.Delivery.both.x"),
        (3, "W.Delivery.both.y"),
        (1, "W.lost"),
    ]
    assert len(names) == len(workflow["tasks"]) + 1  # every task once


def test_a_cycle_in_next_dags_does_not_loop() -> None:
    workflow = pizza("w1")
    workflow["tasks"]["t2"]["next_dags"] = ["t1"]
    assert len(_names(build_tree(workflow))) == 6


def test_the_current_task_is_the_first_executing_leaf() -> None:
    found = current_task(pizza("w1"))
    assert found is not None and found["task_name"] == "W.Order.listener"


def test_with_nothing_executing_the_current_task_is_the_last_that_ran() -> None:
    found = current_task(pizza("w1", status="COMPLETED"))
    assert found is not None and found["task_name"] == "W.Delivery.deliver"


def test_with_nothing_run_there_is_no_current_task() -> None:
    workflow = pizza("w1", status="NOT_STARTED")
    for record in workflow["tasks"].values():
        record["status"] = {"code": "NOT_STARTED", "value": "NOT_STARTED"}
    assert current_task(workflow) is None
    assert summarize(workflow, "http://a").to_json()["current_task"] is None


def test_a_summary_row_has_the_listed_fields() -> None:
    row = summarize(pizza("w1", updated=250, created=90), "http://a:1")
    assert row.to_json() == {
        "id": "w1",
        "template": "W",
        "status": "EXECUTING",
        "created": 90,
        "last_updated": 250,
        "current_task": {"id": "t2", "name": "W.Order.listener", "status": "EXECUTING"},
        "url": "http://a:1",
    }


def test_merge_sorts_newest_update_first_then_limits() -> None:
    first: list[Mapping[str, Any]] = [pizza("a", updated=10), pizza("b", updated=30)]
    second: list[Mapping[str, Any]] = [pizza("c", updated=20), pizza("d", updated=40)]
    rows = merge([("http://1", first), ("http://2", second)], limit=3)
    assert [(r.id, r.url) for r in rows] == [
        ("d", "http://2"),
        ("b", "http://1"),
        ("c", "http://2"),
    ]


def test_merge_keeps_one_row_per_workflow_the_latest() -> None:
    # During a rebalance two workers may both return a workflow: the newer record wins.
    old, new = pizza("a", updated=10), pizza("a", status="COMPLETED", updated=50)
    rows = merge([("http://1", [old]), ("http://2", [new])], limit=10)
    assert [(r.id, r.status, r.url) for r in rows] == [("a", "COMPLETED", "http://2")]
