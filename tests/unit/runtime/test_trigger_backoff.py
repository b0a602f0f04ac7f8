"""A trigger whose firing keeps failing is retried with exponential backoff (fake clock)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from dagger.core.context import set_runtime
from dagger.engine import operations
from dagger.runtime import FaustRuntime, TriggerScheduler, _timers
from dagger.runtime._backoff import BACKOFF_CAP, BACKOFF_FIRST, backoff_delay
from dagger.runtime._context import TimerContext
from dagger.runtime._locks import StripedLocks
from dagger.runtime._scheduler import TriggerFailed
from dagger.store._tables import MemoryTable
from dagger.tasks.task import TriggerTask
from dagger.testing import FakeClock
from tests.unit.conftest import START
from tests.unit.tasks.flows import Flow, make, status

#: The waits after failures 1, 2, 3... with the default constants.
EXPECTED_WAITS = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]


class Failing:
    """A ``fire`` callback: raises for the keys in ``broken``, records every call."""

    def __init__(self, clock: FakeClock, broken: set[str]) -> None:
        self.clock = clock
        self.broken = broken
        self.calls: list[tuple[str, float]] = []

    async def __call__(self, partition: int, workflow_id: str, task_id: str, due: float) -> None:
        self.calls.append((task_id, self.clock()))
        if task_id in self.broken:
            raise TriggerFailed("charge_card") from RuntimeError("store unavailable")

    def times(self, task_id: str) -> list[float]:
        return [at for tid, at in self.calls if tid == task_id]


def _scheduler(broken: set[str]) -> tuple[TriggerScheduler, Failing, FakeClock]:
    clock = FakeClock(START)
    fire = Failing(clock, broken)
    return TriggerScheduler(fire, clock=clock), fire, clock


def test_the_delay_doubles_from_one_second_up_to_a_sixty_second_cap() -> None:
    assert (BACKOFF_FIRST, BACKOFF_CAP) == (1.0, 60.0)
    assert [backoff_delay(n) for n in range(1, 10)] == EXPECTED_WAITS
    assert backoff_delay(10_000) == 60.0
    assert backoff_delay(3, first=0.5, cap=1.5) == 1.5
    with pytest.raises(ValueError, match="attempt must be 1 or more"):
        backoff_delay(0)


async def test_a_failing_trigger_is_retried_after_doubling_waits_up_to_the_cap() -> None:
    scheduler, fire, clock = _scheduler({"bad"})
    scheduler.push(0, "w", "bad", START)
    for attempt, wait in enumerate(EXPECTED_WAITS, start=1):
        assert await scheduler.fire_due() == 1
        assert scheduler.backoff.attempts(("w", "bad")) == attempt
        assert scheduler.next_due() == clock() + wait
        # Not a moment earlier.
        clock.advance(wait - 0.001)
        assert await scheduler.fire_due() == 0
        clock.advance(0.001)
    times = fire.times("bad")
    assert [round(b - a, 6) for a, b in zip(times, times[1:], strict=False)] == EXPECTED_WAITS[:-1]


async def test_a_success_clears_the_backoff_and_a_new_failure_starts_again_at_one_second() -> None:
    scheduler, fire, clock = _scheduler({"flaky"})
    scheduler.push(0, "w", "flaky", START)
    for wait in EXPECTED_WAITS[:3]:
        await scheduler.fire_due()
        clock.advance(wait)
    assert scheduler.backoff.attempts(("w", "flaky")) == 3

    fire.broken.clear()
    assert await scheduler.fire_due() == 1
    assert scheduler.backoff.attempts(("w", "flaky")) == 0
    assert scheduler.backoff.retry_at(("w", "flaky")) is None

    fire.broken.add("flaky")
    scheduler.push(0, "w", "flaky", clock())
    await scheduler.fire_due()
    assert scheduler.backoff.attempts(("w", "flaky")) == 1
    assert scheduler.next_due() == clock() + 1.0


async def test_a_failing_trigger_does_not_hold_back_the_others() -> None:
    scheduler, fire, clock = _scheduler({"bad"})
    scheduler.push(0, "w", "bad", START)
    scheduler.push(0, "w", "good-1", START)
    assert await scheduler.fire_due() == 2
    for _ in range(5):
        await scheduler.fire_due()
        clock.advance(60)
    scheduler.push(0, "w", "good-2", clock())
    assert await scheduler.fire_due() == 2  # good-2, and bad (due again)
    assert fire.times("good-1") == [START]
    assert fire.times("good-2") == [clock()]
    assert scheduler.backoff.attempts(("w", "good-2")) == 0


async def test_catch_up_and_rebuilds_do_not_cut_a_wait_short_and_discard_forgets_it() -> None:
    scheduler, _, clock = _scheduler({"bad"})
    scheduler.push(0, "w", "bad", START)
    for wait in EXPECTED_WAITS[:4]:
        await scheduler.fire_due()
        clock.advance(wait)
    await scheduler.fire_due()  # fifth failure: 16 s
    retry = clock() + 16.0
    # The catch-up scan queues every due stored trigger at "now"...
    scheduler.push(0, "w", "bad", clock())
    assert scheduler.next_due() == retry
    # ...and a rebuild at the stored (past) due time.
    scheduler.reset([(0, "w", "bad", START)])
    assert scheduler.next_due() == retry
    assert scheduler.backoff.attempts(("w", "bad")) == 5
    # A rebuild without the trigger, or a discard, drops its state.
    scheduler.reset([])
    assert scheduler.backoff.attempts(("w", "bad")) == 0
    scheduler.push(0, "w", "bad", clock())
    await scheduler.fire_due()
    scheduler.discard("w", "bad")
    assert scheduler.backoff.retry_at(("w", "bad")) is None


async def test_each_failure_is_one_log_line_with_the_task_and_attempt(
    caplog: pytest.LogCaptureFixture,
) -> None:
    scheduler, _, clock = _scheduler({"t-1"})
    scheduler.push(0, "wf-1", "t-1", START)
    with caplog.at_level(logging.DEBUG, logger="dagger.timers"):
        for wait in EXPECTED_WAITS[:3]:
            await scheduler.fire_due()
            clock.advance(wait)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 3
    for attempt, record in enumerate(errors, start=1):
        text = record.getMessage()
        assert "\n" not in text
        for part in ("charge_card", "t-1", "wf-1", f"attempt {attempt}", "store unavailable"):
            assert part in text, (part, text)
    # The traceback with the first failure only; later ones have it at DEBUG.
    assert [r.exc_info is not None for r in errors] == [True, False, False]
    debug = [r for r in caplog.records if r.levelno == logging.DEBUG and r.exc_info]
    assert len(debug) == 2


# -- through the engine's fire path, on the engine runtime --------------------------------


class HookFails(TriggerTask[str, str]):
    """A trigger task whose ``on_complete`` override (user code the engine does not guard)
    raises while ``FAILS_LEFT`` is positive; such an error escapes ``fire_trigger``."""

    FAILS_LEFT = 0

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        runtime_parameters["runs"] = runtime_parameters.get("runs", 0) + 1

    async def on_complete(self, *args: Any, **kwargs: Any) -> None:
        if HookFails.FAILS_LEFT > 0:
            HookFails.FAILS_LEFT -= 1
            raise RuntimeError("hook broke")
        await super().on_complete(*args, **kwargs)


@pytest.fixture
def engine() -> Iterator[Any]:
    """A scheduler firing through ``_timers.fire`` with a real :class:`TimerContext`, over
    in-memory tables and a fake clock."""
    clock = FakeClock(START)
    engine = SimpleNamespace(clock=clock)

    async def fire(partition: int, workflow_id: str, task_id: str, due: float) -> float | None:
        return await _timers.fire(engine.context, partition, workflow_id, task_id, due)

    engine.scheduler = TriggerScheduler(fire, clock=clock)

    def owns() -> set[int]:
        return {0}

    async def forward(key: Any, workflow: Any) -> None:
        raise AssertionError("nothing is forwarded with one partition")

    tables = [MemoryTable(n, owns) for n in ("kv", "triggers", "index")]
    engine.runtime = FaustRuntime(
        kv=tables[0],
        triggers=tables[1],
        correlation=tables[2],
        partitions=1,
        owned=owns,
        forward=forward,
        on_trigger=engine.scheduler.push,
        on_trigger_removed=engine.scheduler.discard,
        clock=clock,
    )
    engine.context = TimerContext(
        runtime=engine.runtime,
        locks=StripedLocks(8),
        tasks_topic="tasks",
        owned=owns,
        trigger_interval=5,
    )
    set_runtime(engine.runtime)
    try:
        yield engine
    finally:
        set_runtime(None)
        HookFails.FAILS_LEFT = 0


async def test_an_error_escaping_fire_trigger_backs_off_names_the_task_and_clears_on_success(
    engine: Any, caplog: pytest.LogCaptureFixture
) -> None:
    HookFails.FAILS_LEFT = 3
    flow = Flow()
    task = make(HookFails, "charge", time_to_execute=int(START) + 10)
    flow.process("p", task)
    await operations.store_and_create(engine.runtime, flow.submitted())
    key = (str(flow.wf.id), str(task.id))
    assert engine.scheduler.next_due() == START + 10

    engine.clock.advance(10)
    with caplog.at_level(logging.ERROR, logger="dagger.timers"):
        for attempt, wait in enumerate(EXPECTED_WAITS[:3], start=1):
            assert await engine.scheduler.fire_due() == 1
            assert engine.scheduler.backoff.attempts(key) == attempt
            assert engine.scheduler.next_due() == engine.clock() + wait
            engine.clock.advance(wait)
    assert "charge" in caplog.records[0].getMessage()
    assert "hook broke" in caplog.records[0].getMessage()

    assert await engine.scheduler.fire_due() == 1
    assert engine.scheduler.backoff.attempts(key) == 0
    stored = await engine.runtime.load_workflow(flow.wf.id)
    assert stored is not None and status(stored, task) == "COMPLETED"
    assert engine.scheduler.next_due() is None
