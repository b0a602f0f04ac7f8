"""Retried tasks: attempts, backoff on durable triggers, running out, restarts, defaults."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from dagger.core.context import set_runtime
from dagger.engine import operations
from dagger.retry import RetryPolicy
from dagger.tasks.task import (
    DecisionTask,
    ExecutorTask,
    IntervalTask,
    KafkaCommandTask,
    TriggerTask,
)
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.tasks.flows import Boom, Flow, Step, make, node, status

T0 = START


class Flaky(ExecutorTask[str, str]):
    """Raises until it has run ``succeed_on`` times (counted in the runtime parameters, so
    the count survives a reload); ``error`` names the exception class to raise."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runs = runtime_parameters["runs"] = runtime_parameters.get("runs", 0) + 1
        if runs < runtime_parameters.get("succeed_on", 10**9):
            kind = {"ValueError": ValueError, "KeyError": KeyError}.get(
                runtime_parameters.get("error", ""), ConnectionError
            )
            raise kind(f"run {runs} failed")


class FlakyCommand(KafkaCommandTask[str, str]):
    """Fails once, recording the idempotency key each attempt would send with."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters.setdefault("keys", []).append(self.idempotency_key(workflow_instance))
        if len(runtime_parameters["keys"]) < 2:
            raise ConnectionError("broker away")


class FlakyDecision(DecisionTask[str, str]):
    async def evaluate(self, **kwargs: Any) -> Any:
        if self.attempt < 2:
            raise TimeoutError("rules service slow")
        return self.next_dags[0]


class FlakyDue(TriggerTask[str, str]):
    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        if self.attempt < 2:
            raise ConnectionError("not yet")
        runtime_parameters["due_ran"] = self.attempt


class FlakyPoll(IntervalTask[str, str]):
    async def interval_execute(self, runtime_parameters: dict[str, Any]) -> bool:
        if self.attempt < 2:
            raise ConnectionError("poll failed")
        return True

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["polled_on"] = self.attempt


def with_policy(task: Any, **options: Any) -> Any:
    task.retry_policy = RetryPolicy(**options).stored()
    return task


async def start(runtime: InMemoryRuntime, *tasks: Any, **params: Any) -> Flow:
    flow = Flow(order_id="o-1", **params)
    flow.process("p", *tasks)
    await operations.store_and_create(runtime, flow.submitted())
    return flow


def stored_task(runtime: InMemoryRuntime, flow: Flow, task: Any) -> Any:
    workflow = runtime.stored(flow.wf.id)
    assert workflow is not None
    return workflow.get_task(task.id)


def trigger_at(runtime: InMemoryRuntime, flow: Flow, task: Any) -> float | None:
    trigger = runtime.triggers.get((str(flow.wf.id), str(task.id)))
    return None if trigger is None else float(trigger.trigger_time)


async def test_a_task_failing_twice_completes_on_its_third_attempt(
    runtime: InMemoryRuntime,
) -> None:
    flaky = with_policy(make(Flaky, "flaky"), maximum_attempts=3, initial_interval=1)
    after = make(Step, "after")
    flow = await start(runtime, flaky, after, succeed_on=3)

    waiting = stored_task(runtime, flow, flaky)
    assert (waiting.status.code, waiting.attempt, waiting.retry_at) == ("EXECUTING", 1, T0 + 1)
    assert (waiting.last_error, waiting.message) == ("ConnectionError: run 1 failed", None)
    assert trigger_at(runtime, flow, flaky) == T0 + 1
    assert await runtime.run_due_triggers() == 0  # not before its time

    runtime.clock.advance(1)
    assert await runtime.run_due_triggers() == 1
    second = stored_task(runtime, flow, flaky)
    assert (second.status.code, second.attempt, second.retry_at) == ("EXECUTING", 2, T0 + 3)
    assert second.last_error == "ConnectionError: run 2 failed"

    runtime.clock.advance(2)
    assert await runtime.run_due_triggers() == 1
    done = runtime.stored(flow.wf.id)
    assert done is not None
    task = node(done, flaky)
    assert (task.status.code, task.attempt, task.retry_at, task.message) == (
        "COMPLETED",
        3,
        None,
        None,
    )
    assert task.last_error == "ConnectionError: run 2 failed"  # what the last failure was
    assert done.runtime_parameters["trace"] == ["after"]
    assert (done.status.code, runtime.triggers) == ("COMPLETED", {})


async def test_the_backoff_grows_to_its_cap_and_the_last_error_fails_the_task(
    runtime: InMemoryRuntime,
) -> None:
    flaky = with_policy(
        make(Flaky, "flaky"), maximum_attempts=5, initial_interval=2, maximum_interval=5
    )
    flow = await start(runtime, flaky, make(Step, "after"))

    delays = []
    while (due := trigger_at(runtime, flow, flaky)) is not None:
        delays.append(due - runtime.now())
        runtime.clock.set(due)
        await runtime.run_due_triggers()

    assert delays == [2, 4, 5, 5]  # before attempts 2..5, capped at maximum_interval
    done = runtime.stored(flow.wf.id)
    assert done is not None
    task = node(done, flaky)
    assert (task.status.code, task.attempt, task.retry_at) == ("FAILURE", 5, None)
    assert task.message == task.last_error == "ConnectionError: run 5 failed"
    assert done.runtime_parameters["trace"] == ["after"]  # a FAILURE does not halt the workflow


async def test_a_non_retryable_error_fails_at_once(runtime: InMemoryRuntime) -> None:
    flaky = with_policy(
        make(Flaky, "flaky"), maximum_attempts=5, non_retryable_errors=("LookupError",)
    )
    flow = await start(runtime, flaky, error="KeyError")  # a LookupError subclass

    task = stored_task(runtime, flow, flaky)
    assert (task.status.code, task.attempt, task.retry_at) == ("FAILURE", 1, None)
    assert task.message == task.last_error == "KeyError: 'run 1 failed'"
    assert runtime.triggers == {}


async def test_unlimited_attempts_retry_until_the_task_succeeds(runtime: InMemoryRuntime) -> None:
    flaky = with_policy(
        make(Flaky, "flaky"), maximum_attempts=0, initial_interval=1, maximum_interval=8
    )
    flow = await start(runtime, flaky, succeed_on=12)

    fired = 0
    while (due := trigger_at(runtime, flow, flaky)) is not None:
        runtime.clock.set(due)
        fired += await runtime.run_due_triggers()

    task = stored_task(runtime, flow, flaky)
    assert (fired, task.status.code, task.attempt) == (11, "COMPLETED", 12)


async def test_a_task_without_a_policy_fails_at_once_as_in_0_2_6(runtime: InMemoryRuntime) -> None:
    flaky = make(Flaky, "flaky")
    flow = await start(runtime, flaky)

    task = stored_task(runtime, flow, flaky)
    assert (task.status.code, task.attempt, task.retry_policy) == ("FAILURE", 1, None)
    assert task.message == task.last_error == "ConnectionError: run 1 failed"
    assert runtime.triggers == {}


async def test_a_retry_survives_a_restart(runtime: InMemoryRuntime) -> None:
    flaky = with_policy(make(Flaky, "flaky"), maximum_attempts=3, initial_interval=30)
    flow = await start(runtime, flaky, succeed_on=2)

    # The worker dies. Another one recovers the workflow and its trigger from the store.
    restarted = InMemoryRuntime(clock=runtime.clock)
    restarted.workflows = dict(runtime.workflows)
    restarted.triggers = dict(runtime.triggers)
    set_runtime(restarted)
    restarted.clock.advance(30)
    assert await restarted.run_due_triggers() == 1

    done = restarted.stored(flow.wf.id)
    assert done is not None
    task = node(done, flaky)
    assert (task.status.code, task.attempt, done.status.code) == ("COMPLETED", 2, "COMPLETED")
    assert (done.runtime_parameters["runs"], restarted.triggers) == (2, {})


async def test_the_engine_default_applies_to_tasks_without_their_own(
    runtime: InMemoryRuntime,
) -> None:
    runtime.default_retry_policy = RetryPolicy(maximum_attempts=2, initial_interval=5)
    default = make(Flaky, "default")
    opted_out = with_policy(make(Boom, "opted_out"))  # its own policy: run once
    flow = await start(runtime, default, opted_out, succeed_on=2)

    assert stored_task(runtime, flow, default).retry_at == T0 + 5
    runtime.clock.advance(5)
    await runtime.run_due_triggers()

    done = runtime.stored(flow.wf.id)
    assert done is not None
    assert (status(done, default), node(done, default).attempt) == ("COMPLETED", 2)
    assert (status(done, opted_out), node(done, opted_out).attempt) == ("FAILURE", 1)


async def test_each_retry_is_one_info_line_with_task_attempt_and_delay(
    runtime: InMemoryRuntime, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = with_policy(make(Flaky, "flaky"), maximum_attempts=2, initial_interval=1.5)
    caplog.set_level(logging.INFO, logger="dagger.tasks")
    await start(runtime, flaky, succeed_on=2)

    lines = [r for r in caplog.records if r.name == "dagger.tasks" and r.levelno >= logging.INFO]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO
    text = lines[0].getMessage()
    assert "retrying task flaky" in text and str(flaky.id) in text
    assert "attempt 1 failed with ConnectionError: run 1 failed; attempt 2 in 1.5 s" in text


async def test_stopping_a_workflow_waiting_for_a_retry_drops_the_retry(
    runtime: InMemoryRuntime,
) -> None:
    flaky = with_policy(make(Flaky, "flaky"), maximum_attempts=3)
    flow = await start(runtime, flaky)
    workflow = runtime.stored(flow.wf.id)
    assert workflow is not None

    await workflow.stop()

    task = node(workflow, flaky)
    assert (task.status.code, task.retry_at, runtime.triggers) == ("STOPPED", None, {})


async def test_command_decision_trigger_and_interval_tasks_are_retried(
    runtime: InMemoryRuntime,
) -> None:
    command = with_policy(make(FlakyCommand, "command", topic="orders"), maximum_attempts=2)
    decision = with_policy(make(FlakyDecision, "decide"), maximum_attempts=2)
    branch = make(Step, "branch")
    decision.next_dags.append(branch.id)
    due = with_policy(make(FlakyDue, "due", time_to_execute=int(T0) + 10), maximum_attempts=2)
    poll = with_policy(
        make(FlakyPoll, "poll", time_to_force_complete=int(T0) + 500, interval_execute_period=60),
        maximum_attempts=2,
    )
    flow = Flow(order_id="o-1")
    flow.process("p", command, decision)
    root = flow.wf.get_task(flow.wf.root_dag)
    assert root is not None
    flow.chain(root, branch)
    flow.process("q", due, poll)
    await operations.store_and_create(runtime, flow.submitted())

    for _ in range(6):
        pending = sorted(float(t.trigger_time) for t in runtime.triggers.values())
        if not pending:
            break
        runtime.clock.set(max(runtime.now(), pending[0]))
        await runtime.run_due_triggers()

    done = runtime.stored(flow.wf.id)
    assert done is not None
    for task in (command, decision, due, poll):
        found = node(done, task)
        assert (found.status.code, found.attempt) == ("COMPLETED", 2), found.task_name
    keys = done.runtime_parameters["keys"]
    assert [key.rsplit("/", 1)[1] for key in keys] == ["1", "2"]  # a key per attempt
    assert (done.runtime_parameters["due_ran"], done.runtime_parameters["polled_on"]) == (2, 2)
    assert (status(done, branch), done.status.code) == ("COMPLETED", "COMPLETED")
