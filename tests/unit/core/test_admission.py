"""Starting the same workflow twice runs it once: the admission rules and ``store_and_create``."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from dagger.core.admission import ADMISSION_RULES, Outcome, admit
from dagger.core.status import TaskStatusEnum
from dagger.engine import operations
from dagger.tasks.task import TaskStatus
from dagger.testing import InMemoryRuntime
from tests.unit.tasks.flows import Command, Flow, Step, make, status

S = TaskStatusEnum


class _Copy:
    """A stand-in workflow: a status and an update count are all the rules read."""

    def __init__(self, code: S, update_count: int = 0) -> None:
        self.status = TaskStatus(code=code.value, value=code.value)
        self.update_count = update_count


def _outcome(stored: S | None, arriving: S, stored_count: int = 1, arriving_count: int = 0) -> Any:
    copy = None if stored is None else _Copy(stored, stored_count)
    return admit(copy, _Copy(arriving, arriving_count)).outcome


def test_every_pair_of_statuses_has_exactly_one_first_matching_rule() -> None:
    for stored, arriving in itertools.product([None, *S], S):
        matching = [r for r in ADMISSION_RULES if r.applies(stored, arriving)]
        assert matching, f"no rule for {stored} -> {arriving}"


@pytest.mark.parametrize(
    ("stored", "arriving", "expected"),
    [
        (None, S.SUBMITTED, Outcome.START),
        (None, S.NOT_STARTED, Outcome.STORE),
        (S.NOT_STARTED, S.SUBMITTED, Outcome.START),
        (S.NOT_STARTED, S.NOT_STARTED, Outcome.IGNORE),
        (S.EXECUTING, S.SUBMITTED, Outcome.IGNORE),
        (S.EXECUTING, S.NOT_STARTED, Outcome.IGNORE),
        (S.COMPLETED, S.SUBMITTED, Outcome.IGNORE),
        (S.FAILURE, S.NOT_STARTED, Outcome.IGNORE),
        (S.STOPPED, S.SUBMITTED, Outcome.IGNORE),
    ],
)
def test_starts_are_decided_by_statuses_not_by_update_counts(
    stored: S | None, arriving: S, expected: Outcome
) -> None:
    # The stored copy's count went up when it was stored; that must not matter here.
    assert _outcome(stored, arriving, stored_count=5, arriving_count=0) is expected
    assert _outcome(stored, arriving, stored_count=0, arriving_count=5) is expected


def test_a_forwarded_running_copy_is_kept_only_when_newer() -> None:
    assert _outcome(S.EXECUTING, S.EXECUTING, stored_count=3, arriving_count=4) is Outcome.STORE
    assert _outcome(S.EXECUTING, S.EXECUTING, stored_count=4, arriving_count=4) is Outcome.IGNORE
    assert _outcome(S.EXECUTING, S.COMPLETED, stored_count=5, arriving_count=2) is Outcome.IGNORE
    assert _outcome(None, S.EXECUTING) is Outcome.STORE


async def test_a_replayed_start_of_a_finished_workflow_runs_nothing_again(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    a = make(Step, "a")
    flow.process("p", a)
    await operations.store_and_create(runtime, flow.submitted())
    first = runtime.stored(flow.wf.id)
    assert first is not None and first.runtime_parameters["trace"] == ["a"]

    replay = Flow()
    replay.wf = type(flow.wf).loads(flow.wf.dumps())
    replay.wf.runtime_parameters.pop("trace", None)
    replay.wf.status = TaskStatus(code="SUBMITTED", value="SUBMITTED")
    await operations.store_and_create(runtime, replay.wf)

    stored = runtime.stored(flow.wf.id)
    assert stored is not None
    assert stored.runtime_parameters["trace"] == ["a"]
    assert len(runtime.saved) == 1


async def test_created_then_submitted_copies_start_the_workflow_once(
    runtime: InMemoryRuntime,
) -> None:
    flow = Flow()
    send, a = make(Command, "send", topic="orders"), make(Step, "a")
    flow.process("p", send, a)
    created = flow.wf.dumps()

    # create_instance(repartition=True): the owner stores the NOT_STARTED copy ...
    await operations.store_and_create(runtime, type(flow.wf).loads(created))
    # ... the same message delivered again changes nothing ...
    await operations.store_and_create(runtime, type(flow.wf).loads(created))
    assert len(runtime.saved) == 1
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "NOT_STARTED"

    # ... then submit(repartition=True) sends the SUBMITTED copy, which starts it.
    submitted = type(flow.wf).loads(created)
    submitted.status = TaskStatus(code="SUBMITTED", value="SUBMITTED")
    await operations.store_and_create(runtime, submitted)
    await operations.store_and_create(runtime, type(submitted).loads(submitted.dumps()))

    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"
    assert status(stored, send) == "COMPLETED" and status(stored, a) == "COMPLETED"
    assert stored.runtime_parameters["trace"] == ["send:orders", "a"]
    assert len(runtime.saved) == 2


async def test_a_replayed_start_writes_back_index_entries_a_crash_lost(
    runtime: InMemoryRuntime,
) -> None:
    from tests.unit.tasks.flows import OrderListener

    flow = Flow(order_id="o-9")
    listen = make(OrderListener, "listen", topic="ready")
    flow.process("p", make(Step, "before"), listen)
    started = flow.submitted().dumps()
    await operations.store_and_create(runtime, type(flow.wf).loads(started))
    assert runtime.index == {("o-9", "ready"): [(flow.wf.id, listen.id)]}

    # A crash saved the workflow but not its index entry (separate changelog records).
    runtime.index.clear()
    await operations.store_and_create(runtime, type(flow.wf).loads(started))

    assert runtime.index == {("o-9", "ready"): [(flow.wf.id, listen.id)]}
    stored = runtime.stored(flow.wf.id)
    assert stored is not None and stored.runtime_parameters["trace"] == ["before"]
    assert len(runtime.saved) == 1
