"""What ``deliver_listener_message`` reports: the reasons a message cannot be used."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from dagger.engine import operations
from dagger.engine._dispatch import deliver_listener_message
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.flows import BoxListener, Flow, OrderListener, Step, make, status


class Raising(OrderListener):
    """Its extractor raises for a payload without ``order_id``."""

    async def get_correlatable_keys_from_payload(self, payload: Any) -> list[Any]:
        return [("order_id", payload["order_id"])]


class Returns(OrderListener):
    """Returns the payload's ``mappings`` as its correlation mappings."""

    async def get_correlatable_keys_from_payload(self, payload: Any) -> Any:
        return payload["mappings"]


async def waiting_flow(runtime: InMemoryRuntime) -> tuple[Flow, OrderListener]:
    flow = Flow(order_id="o-1")
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", listen, make(Step, "after"))
    await operations.store_and_create(runtime, flow.submitted())
    return flow, listen


async def test_a_message_matching_no_task_is_not_a_problem(runtime: InMemoryRuntime) -> None:
    await waiting_flow(runtime)
    delivery = await deliver_listener_message(runtime, "ready", [OrderListener], {"order_id": "x"})
    assert (delivery.processed, delivery.matched, delivery.problems) == (0, 0, [])


async def test_an_extractor_that_raises_is_a_problem_with_its_error(
    runtime: InMemoryRuntime,
) -> None:
    delivery = await deliver_listener_message(runtime, "ready", [Raising], {"other": 1})
    assert delivery.problems == [
        "Raising.get_correlatable_keys_from_payload raised KeyError: 'order_id'"
    ]
    assert isinstance(delivery.error, KeyError)


@pytest.mark.parametrize(
    ("mappings", "problem"),
    [
        ([("order_id", {"a": 1})], "('order_id', {'a': 1}) has a dict value, not a string"),
        ([("order_id", ["a"])], "('order_id', ['a']) has a list value, not a string"),
        ([("order_id", None)], "('order_id', None) has a NoneType value"),
        ([("order_id", True)], "('order_id', True) has a bool value"),
        ([("order_id", "")], "('order_id', '') has an empty value"),
        (["order_id"], "'order_id' is not an (attribute, value) pair"),
    ],
)
async def test_unusable_mappings_are_a_problem(
    runtime: InMemoryRuntime, mappings: list[Any], problem: str
) -> None:
    delivery = await deliver_listener_message(runtime, "ready", [Returns], {"mappings": mappings})
    assert len(delivery.problems) == 1
    assert delivery.problems[0].startswith(f"Returns: correlation mapping {problem}")


async def test_a_non_list_result_is_a_problem(runtime: InMemoryRuntime) -> None:
    delivery = await deliver_listener_message(runtime, "ready", [Returns], {"mappings": "o-1"})
    assert delivery.problems == [
        "Returns.get_correlatable_keys_from_payload returned a str, not a list"
    ]


async def test_scalars_are_looked_up_and_bad_mappings_beside_good_ones_are_ignored(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id=7)
    listen = make(Returns, "listen", topic="ready")
    flow.process("p", listen)
    await operations.store_and_create(runtime, flow.submitted())
    payload = {"mappings": [("order_id", {"bad": 1}), ("order_id", 7)]}
    delivery = await deliver_listener_message(runtime, "ready", [Returns], payload)
    assert (delivery.processed, delivery.problems) == (1, [])


async def test_an_empty_list_means_nothing_to_look_up(runtime: InMemoryRuntime) -> None:
    delivery = await deliver_listener_message(runtime, "ready", [Returns], {"mappings": []})
    assert (delivery.matched, delivery.problems) == (0, [])


async def test_a_message_one_listener_type_reads_is_usable(runtime: InMemoryRuntime) -> None:
    _, listen = await waiting_flow(runtime)
    # BoxListener finds no box_id (a None value), OrderListener reads order_id.
    payload = {"order_id": "o-1"}
    delivery = await deliver_listener_message(
        runtime, "ready", [BoxListener, OrderListener], payload
    )
    assert (delivery.processed, delivery.problems) == (1, [])


async def test_a_message_no_listener_type_reads_reports_each_reason(
    runtime: InMemoryRuntime,
) -> None:
    delivery = await deliver_listener_message(runtime, "ready", [BoxListener, Raising], {"x": 1})
    assert len(delivery.problems) == 2
    assert "BoxListener" in delivery.problems[0] and "Raising" in delivery.problems[1]


async def test_on_message_raising_fails_the_task_and_is_a_problem(
    runtime: InMemoryRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    flow, listen = await waiting_flow(runtime)
    caplog.set_level(logging.INFO)
    payload = {"order_id": "o-1", "raise": True}
    delivery = await deliver_listener_message(runtime, "ready", [OrderListener], payload)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and status(stored, listen) == "FAILURE"
    assert stored.get_task(listen.id).message == "RuntimeError: listener broke"  # type: ignore[union-attr]
    assert delivery.processed == 1
    assert len(delivery.problems) == 1
    assert "OrderListener.on_message of task listen" in delivery.problems[0]
    assert delivery.problems[0].endswith("raised RuntimeError: listener broke")
    assert [r for r in caplog.records if r.levelno > logging.INFO] == []


async def test_dispatch_logs_the_problems_as_one_warning(
    runtime: InMemoryRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert await runtime.deliver("ready", {"x": 1}, [Raising]) == 0
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1
    assert "KeyError: 'order_id'" in warnings[0].getMessage()
    assert warnings[0].exc_info is None
