"""Every runnable example of the documentation (docs/examples) runs and does what the docs say.

The docs include these files with pymdownx.snippets, so a change that breaks a documented
example fails here.
"""

from __future__ import annotations

from typing import Any

from tests.docs.loader import example_names, run_example

START = 1_700_000_000


def status(workflow: Any, suffix: str) -> str:
    """The status of the one task whose dotted name ends with ``suffix``."""
    found = [t for t in workflow.tasks.values() if str(t.task_name).endswith(suffix)]
    assert len(found) == 1, f"{len(found)} tasks named *{suffix}: {[t.task_name for t in found]}"
    code: str = found[0].status.code
    return code


def codes(workflow: Any) -> list[str]:
    """Every task's status, sorted (duplicate task names kept)."""
    return sorted(t.status.code for t in workflow.tasks.values())


TESTED = {
    "builders",
    "deadlines",
    "decision",
    "dynamic_process",
    "executor",
    "failures",
    "kafka_tasks",
    "match_only_one",
    "parallel_processes",
    "parallel_tasks",
    "rekey",
    "repartition",
    "reprocess",
    "retries",
    "skip_to",
    "stop",
    "testing",
    "timers",
    "timeouts",
}


def test_every_example_has_a_test() -> None:
    assert set(example_names()) == TESTED


async def test_executor() -> None:
    wf = await run_example("executor")
    assert wf.status.code == "COMPLETED"
    assert status(wf, "reserve_executor_task") == "COMPLETED"
    assert status(wf, "label_executor_task") == "COMPLETED"
    assert wf.runtime_parameters["label"] == "R-o-1 / parcel 1"


async def test_failures_are_recorded_and_the_workflow_moves_on() -> None:
    wf = await run_example("failures")
    charge = next(t for t in wf.tasks.values() if t.task_name.endswith("charge_executor_task"))
    assert (charge.status.code, charge.message) == (
        "FAILURE",
        "ValueError: card declined for order o-7",
    )
    assert status(wf, "address_executor_task") == "FAILURE"
    assert status(wf, "notify_executor_task") == "COMPLETED"
    assert wf.runtime_parameters["notified"] is True
    assert wf.status.code == "COMPLETED"


async def test_kafka_command_and_one_to_many_listener() -> None:
    result = await run_example("kafka_tasks")
    assert result["sent"] == [
        {"parcel_id": "p-1", "address": "1 Main St"},
        {"parcel_id": "p-2", "address": "1 Main St"},
    ]
    assert [w.status.code for w in result["waiting"]] == ["EXECUTING", "EXECUTING"]
    assert result["processed"] == [0, 2]
    for wf in result["workflows"]:
        assert wf.status.code == "COMPLETED"
        assert status(wf, "Ship_listener_task") == "COMPLETED"
        assert wf.runtime_parameters["scanned_at"] == "09:30"
    assert result["index"] == {}


async def test_skip_to() -> None:
    wf = await run_example("skip_to")
    assert status(wf, "Shipped_listener_task") == "SKIPPED"
    assert status(wf, "Delivered_listener_task") == "COMPLETED"
    assert wf.status.code == "COMPLETED"


async def test_reprocess_on_message() -> None:
    wf = await run_example("reprocess")
    assert wf.runtime_parameters["quotes"] == 2
    assert wf.runtime_parameters["approved_price"] == 12
    assert status(wf, "Price_listener_task") == "COMPLETED"
    assert wf.status.code == "COMPLETED"


async def test_match_only_one() -> None:
    result = await run_example("match_only_one")
    assert result["taken"] == 1
    assert result["first"].status.code == "COMPLETED"
    assert result["first"].runtime_parameters["courier"] == "c-42"
    assert result["second"].status.code == "EXECUTING"


async def test_rekeyed_listener_matches_the_new_value() -> None:
    result = await run_example("rekey")
    assert (result["old_key"], result["new_key"]) == (0, 1)
    assert result["workflow"].status.code == "COMPLETED"
    assert result["index"] == {}


async def test_trigger_and_interval() -> None:
    result = await run_example("timers")
    before = result["before"]
    assert status(before, "remind") == "EXECUTING"
    assert status(before, "poll") == "NOT_STARTED"
    assert result["fired"] == [1, 1, 1]
    wf = result["workflow"]
    assert wf.status.code == "COMPLETED"
    assert wf.runtime_parameters["reminded"] is True
    assert (wf.runtime_parameters["polls"], wf.runtime_parameters["settled"]) == (3, True)
    assert result["triggers"] == {}


async def test_the_test_environment_example() -> None:
    result = await run_example("testing")
    wf = result["workflow"]
    assert wf.status.code == "COMPLETED"
    assert (wf.runtime_parameters["shelf"], wf.runtime_parameters["reminded"]) == ("B4", True)
    assert [(m.key, m.value) for m in result["sent"]] == [("o-1", '{"order_id": "o-1"}')]
    assert result["now"] == START + 3600


async def test_decision_skips_the_branch_not_chosen() -> None:
    light, heavy = await run_example("decision")
    assert light.runtime_parameters["shipped_by"].endswith("standard_executor_task")
    assert status(light, "express_executor_task") == "SKIPPED"
    assert heavy.runtime_parameters["shipped_by"].endswith("express_executor_task")
    assert status(heavy, "standard_executor_task") == "SKIPPED"
    assert light.status.code == heavy.status.code == "COMPLETED"


async def test_task_level_parallel_composite_at_least_one() -> None:
    result = await run_example("parallel_tasks")
    wf = result["workflow"]
    assert wf.status.code == "COMPLETED"
    assert status(wf, "Source.quotes") == "COMPLETED"
    assert status(wf, "place_executor_task") == "COMPLETED"
    assert len(wf.runtime_parameters["asked"]) == 2
    assert status(wf, "manual_listener_task") == "EXECUTING"
    assert (result["late"], result["index"]) == (0, {})


async def test_process_level_parallel_composites() -> None:
    result = await run_example("parallel_processes")
    tender = result["tender"]
    assert tender.status.code == "COMPLETED"
    assert tender.runtime_parameters["carrier"] == "carrier_b_accepted"
    assert status(tender, "carrier_b_listener_task") == "COMPLETED"
    assert status(tender, "carrier_a_listener_task") == "EXECUTING"  # ATLEAST_ONE: not awaited
    packing = result["packing"]
    assert packing.status.code == "COMPLETED"
    assert packing.runtime_parameters["ran"] == ["Packing.packing.pack.pack_executor_task"] * 3 + [
        "Packing.ship.ship_executor_task"
    ]


async def test_dynamic_process() -> None:
    gift, plain = await run_example("dynamic_process")
    assert gift.runtime_parameters["ran"] == ["receive", "wrap", "card", "ship"]
    assert plain.runtime_parameters["ran"] == ["receive", "ship"]
    assert gift.status.code == plain.status.code == "COMPLETED"


async def test_deadlines() -> None:
    result = await run_example("deadlines")
    early = result["at_30_minutes"]
    assert early.runtime_parameters["late"] == "Supplier.Wait"
    assert status(early, "Supplier.Wait") == "EXECUTING"
    assert status(early, "Wait.monitoring") == "COMPLETED"
    done = result["at_60_minutes"]
    assert status(done, "Wait_listener_task") == "SKIPPED"
    assert status(done, "Supplier.Wait") == "SKIPPED"
    assert status(done, "escalate_executor_task") == "COMPLETED"
    assert done.runtime_parameters["escalated"] is True
    assert done.status.code == "COMPLETED"
    assert (result["triggers"], result["index"]) == ({}, {})


async def test_stop() -> None:
    result = await run_example("stop")
    wf = result["workflow"]
    assert wf.status.code == "STOPPED"
    assert set(codes(wf)) == {"STOPPED"}
    assert wf.runtime_parameters["payment_link"] == "cancelled"
    assert (result["late"], result["index"]) == (0, {})


async def test_builders() -> None:
    result = await run_example("builders")
    assert result["workflow"].status.code == "COMPLETED"
    assert result["workflow"].runtime_parameters["valid"] is True
    assert result["sent"] == ["o-1"]
    assert "use KafkaCommandTaskTemplateBuilder" in result["error"]


async def test_repartition() -> None:
    result = await run_example("repartition")
    assert result["sent_keys"] == ["o-1"]
    assert result["stored_before"] is None  # not stored on the sending worker
    assert result["workflow"].status.code == "COMPLETED"
    assert result["workflow"].runtime_parameters["confirmed"] is True
    assert "'order_id'" in result["missing_key"]


async def test_retries_back_off_then_succeed_and_non_retryable_errors_fail_at_once() -> None:
    result = await run_example("retries")
    waiting = result["waiting"]
    reserve = next(
        t for t in waiting.tasks.values() if t.task_name.endswith("reserve_executor_task")
    )
    assert (reserve.status.code, reserve.attempt, reserve.retry_at) == ("EXECUTING", 1, START + 2)
    assert result["delays"] == [2.0, 4.0]
    wf = result["workflow"]
    reserve = next(t for t in wf.tasks.values() if t.task_name.endswith("reserve_executor_task"))
    assert (reserve.status.code, reserve.attempt) == ("COMPLETED", 3)
    assert reserve.last_error == "TimeoutError: stock service did not answer"
    charge = next(t for t in wf.tasks.values() if t.task_name.endswith("charge_executor_task"))
    assert (charge.status.code, charge.attempt) == ("FAILURE", 1)
    assert charge.message == "CardDeclined: card declined for order o-9"
    assert wf.runtime_parameters["reserved"] is True


async def test_timeouts_skip_a_wait_and_fail_a_workflow_that_runs_too_long() -> None:
    result = await run_example("timeouts")
    assert result["fired"] == [1, 1]
    pickup = result["pickup"]
    assert status(pickup, "Pickup.courier") == "SKIPPED"
    assert status(pickup, "call_executor_task") == "COMPLETED"
    assert (pickup.runtime_parameters["called"], pickup.status.code) == (True, "COMPLETED")
    delivery = result["delivery"]
    assert (delivery.status.code, delivery.message) == (
        "FAILURE",
        "execution timed out after 7200 s",
    )
    assert set(codes(delivery)) == {"STOPPED"}
    assert (result["late"], result["index"], result["triggers"]) == (0, {}, {})
