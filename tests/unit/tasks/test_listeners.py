"""Listener tasks: correlation, completion, skip-to, re-processing and the index."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dagger.core.context import get_runtime
from dagger.engine import operations
from dagger.tasks.task import KafkaAgent
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.flows import (
    BoxListener,
    Flow,
    ManyIds,
    OnlyOne,
    OrderListener,
    SetsOrder,
    Step,
    make,
    status,
)


def listener_flow(order_id: str = "o-1", **fields: object) -> tuple[Flow, OrderListener, Step]:
    flow = Flow(order_id=order_id)
    listen = make(OrderListener, "listen", topic="ready", **fields)
    after = make(Step, "after")
    flow.process("p", make(Step, "before"), listen, after)
    return flow, listen, after


async def test_a_listener_waits_then_completes_when_on_message_returns_true(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, after = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())

    waiting = runtime.stored(flow.wf.id)
    assert waiting is not None
    assert (status(waiting, listen), waiting.status.code) == ("EXECUTING", "EXECUTING")
    assert runtime.index == {("o-1", "ready"): [(flow.wf.id, listen.id)]}

    assert await runtime.deliver("ready", {"order_id": "o-2"}, [OrderListener]) == 0
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 1

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert done.runtime_parameters["trace"] == ["before", "listen", "after"]
    assert (status(done, listen), done.status.code) == ("COMPLETED", "COMPLETED")
    assert runtime.index == {}


async def test_a_listener_stays_executing_when_on_message_returns_false(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, _ = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.deliver("ready", {"order_id": "o-1", "done": False}, [OrderListener]) == 1

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert status(stored, listen) == "EXECUTING"
    assert stored.runtime_parameters["trace"] == ["before", "listen"]
    assert runtime.index == {("o-1", "ready"): [(flow.wf.id, listen.id)]}
    assert stored.update_count == 2  # the message's effects were saved


async def test_a_message_on_another_topic_or_for_another_type_is_not_delivered(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, _ = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.deliver("other", {"order_id": "o-1"}, [OrderListener]) == 0
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [BoxListener, OnlyOne]) == 0
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and status(stored, listen) == "EXECUTING"


async def test_an_exception_in_on_message_fails_the_listener_and_the_workflow_moves_on(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, after = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.deliver("ready", {"order_id": "o-1", "raise": True}, [OrderListener]) == 1

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    failed = stored.get_task(listen.id)
    assert failed is not None
    assert (failed.status.code, failed.message) == ("FAILURE", "RuntimeError: listener broke")
    assert status(stored, after) == "COMPLETED"
    assert runtime.index == {}


async def test_a_message_for_a_not_started_listener_is_ignored_without_skip_to(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    first = make(OrderListener, "first", topic="first")
    second = make(OrderListener, "second", topic="second")
    flow.process("p", first, second)
    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.deliver("second", {"order_id": "o-1"}, [OrderListener]) == 0

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, first), status(stored, second)) == ("EXECUTING", "NOT_STARTED")


async def test_skip_to_skips_the_unfinished_tasks_before_the_listener(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    first = make(OrderListener, "first", topic="first")
    p1 = flow.process("p1", first)
    jump = make(OrderListener, "jump", topic="jump", allow_skip_to=True)
    after = make(Step, "after")
    p2 = flow.process("p2", make(Step, "never"), jump, after)
    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.deliver("jump", {"order_id": "o-1"}, [OrderListener]) == 1

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert (status(stored, first), status(stored, p1)) == ("SKIPPED", "SKIPPED")
    assert (status(stored, jump), status(stored, after), status(stored, p2)) == ("COMPLETED",) * 3
    assert stored.runtime_parameters["trace"] == ["jump", "after"]
    assert stored.status.code == "COMPLETED"
    assert runtime.index == {}


async def test_reprocess_on_message_delivers_again_after_completion(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1")
    listen = make(OrderListener, "listen", topic="ready", reprocess_on_message=True)
    wait = make(BoxListener, "wait", topic="box")
    flow.process("p", listen, wait)
    await operations.store_and_create(runtime, flow.submitted())

    assert (
        await runtime.deliver("ready", {"order_id": "o-1", "box_id": "b-1"}, [OrderListener]) == 1
    )
    assert (
        await runtime.deliver("ready", {"order_id": "o-1", "box_id": "b-2"}, [OrderListener]) == 1
    )

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert stored.runtime_parameters["trace"] == ["listen", "listen"]
    assert stored.runtime_parameters["box_id"] == "b-2"
    assert status(stored, listen) == "COMPLETED"
    # The waiting listener followed the new box id.
    assert runtime.index[("b-2", "box")] == [(flow.wf.id, wait.id)]
    assert ("b-1", "box") not in runtime.index


async def test_a_completed_listener_without_reprocess_is_no_longer_indexed(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, _ = listener_flow()
    flow.process("p2", make(BoxListener, "wait", topic="box"))
    flow.wf.runtime_parameters["box_id"] = "b-1"
    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 1
    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 0

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert stored.runtime_parameters["trace"] == ["before", "listen", "after"]
    assert ("o-1", "ready") not in runtime.index


async def test_match_only_one_stops_at_the_first_task(runtime: InMemoryRuntime) -> None:
    flows = []
    for _ in range(2):
        flow = Flow(order_id="shared")
        flow.process("p", make(OnlyOne, "listen", topic="ready"))
        await operations.store_and_create(runtime, flow.submitted())
        flows.append(flow)

    assert await runtime.deliver("ready", {"order_id": "shared"}, [OnlyOne]) == 1

    codes = [runtime.stored(f.wf.id).status.code for f in flows]  # type: ignore[union-attr]
    assert codes == ["COMPLETED", "EXECUTING"]


async def test_without_match_only_one_every_matching_task_gets_the_message(
    runtime: InMemoryRuntime,
) -> None:
    flows = []
    for _ in range(2):
        flow = Flow(order_id="shared")
        flow.process("p", make(OrderListener, "listen", topic="ready"))
        await operations.store_and_create(runtime, flow.submitted())
        flows.append(flow)

    assert await runtime.deliver("ready", {"order_id": "shared"}, [OrderListener]) == 2
    assert all(runtime.stored(f.wf.id).status.code == "COMPLETED" for f in flows)  # type: ignore[union-attr]


async def test_one_message_can_complete_listeners_of_many_workflows(
    runtime: InMemoryRuntime,
) -> None:
    ids = []
    for simple_id in ("s-1", "s-2", "s-3"):
        flow = Flow(simple_id=simple_id)
        flow.process("p", make(ManyIds, "listen", topic="simple"))
        await operations.store_and_create(runtime, flow.submitted())
        ids.append(flow.wf.id)

    assert await runtime.deliver("simple", {"simple_id": ["s-1", "s-3", "", "s-9"]}, [ManyIds]) == 2

    codes = [runtime.stored(i).status.code for i in ids]  # type: ignore[union-attr]
    assert codes == ["COMPLETED", "EXECUTING", "COMPLETED"]


async def test_a_changed_key_value_re_indexes_a_waiting_listener(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(order_id="o-1", box_id="old-box")
    pay = make(OrderListener, "pay", topic="payment")
    ship = make(BoxListener, "ship", topic="fulfilment")
    flow.process("p", pay, ship)
    await operations.store_and_create(runtime, flow.submitted())
    assert runtime.index[("old-box", "fulfilment")] == [(flow.wf.id, ship.id)]

    await runtime.deliver("payment", {"order_id": "o-1", "box_id": "new-box"}, [OrderListener])

    assert ("old-box", "fulfilment") not in runtime.index
    assert runtime.index[("new-box", "fulfilment")] == [(flow.wf.id, ship.id)]
    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    entry = stored.sensor_tasks_to_correletable_map[ship.id]
    assert (entry.correlatable_key_attr, entry.correlatable_key_attr_value) == ("box_id", "new-box")

    assert await runtime.deliver("fulfilment", {"box_id": "old-box"}, [BoxListener]) == 0
    assert await runtime.deliver("fulfilment", {"box_id": "new-box"}, [BoxListener]) == 1
    done = runtime.stored(flow.wf.id)
    assert done is not None and done.status.code == "COMPLETED"
    assert runtime.index == {}


async def test_a_key_set_by_an_executor_indexes_the_listener_after_it(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow(next_order_id="o-7")
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", make(SetsOrder, "set"), listen)
    await operations.store_and_create(runtime, flow.submitted())

    assert runtime.index == {("o-7", "ready"): [(flow.wf.id, listen.id)]}
    assert await runtime.deliver("ready", {"order_id": "o-7"}, [OrderListener]) == 1


async def test_stale_index_entries_are_pruned(runtime: InMemoryRuntime) -> None:
    flow, listen, _ = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())
    runtime.workflows.clear()

    assert await runtime.deliver("ready", {"order_id": "o-1"}, [OrderListener]) == 0
    assert runtime.index == {}


async def test_a_payload_the_extractor_cannot_read_is_skipped(runtime: InMemoryRuntime) -> None:
    flow, _, _ = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())

    assert await runtime.deliver("ready", "not a dict", [OrderListener]) == 0


async def test_kafka_agent_delivers_through_the_installed_runtime(
    runtime: InMemoryRuntime,
) -> None:
    flow, listen, _ = listener_flow()
    await operations.store_and_create(runtime, flow.submitted())

    class Topic:
        def get_topic_name(self) -> str:
            return "ready"

    registered: list[tuple[str, type, int]] = []

    class App:
        def register_listener(self, topic_name: str, task_type: type, concurrency: int) -> None:
            registered.append((topic_name, task_type, concurrency))

    agent = KafkaAgent(App(), Topic(), make(OrderListener, "probe"))
    agent.decorate(App(), concurrency=3)
    assert registered == [("ready", OrderListener, 3)]

    async def stream() -> AsyncIterator[dict[str, str]]:
        yield {"order_id": "o-1"}

    assert get_runtime() is runtime
    await agent.process_event(stream())
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and status(stored, listen) == "COMPLETED"
