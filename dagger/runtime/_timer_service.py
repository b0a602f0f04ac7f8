"""The timer service: fires the triggers of the partitions this worker owns, on time.

A mode service started after the engine's faust app. It follows faust's partition assignment
through the app's signals instead of polling it:

- ``on_partitions_revoked`` (sent first in every rebalance): a rebalance is under way; the
  timers are out of step with the assignment (the worker is not ready) until it is done.
  ``on_partitions_assigned`` adds nothing to that and is not followed: with no recovery
  delay (``stream_recovery_delay``, 0 by default) nothing orders it after the completion
  below, which must not be undone;
- ``on_rebalance_complete`` (sent by the table recovery once the tables of the new
  assignment are restored): once recovery has completed (``app.tables.recovery.completed``),
  the heap is rebuilt from the triggers table of the owned partitions and one line says
  which partitions the worker owns now.

Its tasks: the scheduler loop (each trigger fired at its due time), the assignment follower
above, and a catch-up pass every ``trigger_interval`` seconds in case anything was missed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import mode
from mode.utils.locks import Event

from dagger.runtime import _timers
from dagger.runtime._context import TimerContext
from dagger.runtime._scheduler import TriggerScheduler
from dagger.runtime._startup import log_ownership

logger = logging.getLogger("dagger.timers")


class TimerService(mode.Service):
    """The scheduler of one engine, kept in step with the partitions its faust app owns.

    Args:
        app: the engine's faust app (its rebalance signals and table recovery are followed).
        context: what firing and rebuilding need (:class:`TimerContext`).
        clock: the scheduler's clock (tests pass a fake one).
    """

    def __init__(
        self,
        app: Any,
        context: TimerContext,
        *,
        clock: Callable[[], float] = time.time,
        **kwargs: Any,
    ) -> None:
        self.faust_app = app
        self.context = context
        self.scheduler = TriggerScheduler(self._fire, clock=clock, on_lateness=self._fired_late)
        #: Whether the heap holds the triggers of the current assignment.
        self.synced = False
        self._owned_before: set[int] | None = None
        # Bumped by each revocation, which starts every rebalance (faust sends it before the
        # assignment, whose recovery then completes): a completion counts only if no newer
        # rebalance started before the follower got to it.
        self._generation = 0
        self._completed_generation = -1
        self._rebalanced = Event()
        super().__init__(**kwargs)
        # Connected now, not at start: the app may finish its first rebalance before this
        # service starts, and that completion must not be missed.
        app.on_partitions_revoked.connect(self._on_partitions_revoked)
        app.on_rebalance_complete.connect(self._on_rebalance_complete)

    # -- faust signals ----------------------------------------------------------------------
    async def _on_partitions_revoked(self, sender: Any, *args: Any, **kwargs: Any) -> None:
        self._generation += 1
        self.synced = False

    async def _on_rebalance_complete(self, sender: Any, *args: Any, **kwargs: Any) -> None:
        self._completed_generation = self._generation
        self._rebalanced.set()

    # -- lifecycle --------------------------------------------------------------------------
    async def on_start(self) -> None:
        """Nothing is scheduled until the first assignment is recovered."""
        self.synced = False

    async def on_stop(self) -> None:
        """The timers stop with the worker: the worker is no longer ready."""
        self.synced = False

    @mode.Service.task
    async def _run_scheduler(self) -> None:
        await self.scheduler.run(max_sleep=max(0.1, float(self.context.trigger_interval)))

    @mode.Service.task
    async def _follow_assignment(self) -> None:
        while not self.should_stop:
            if await self.wait_for_stopped(self._rebalanced):
                return
            self._rebalanced.clear()
            recovery = getattr(self.faust_app.tables, "recovery", None)
            if recovery is not None and await self.wait_for_stopped(recovery.completed.wait()):
                return
            if self._completed_generation == self._generation:
                self.sync()

    @mode.Service.task
    async def _catch_up_loop(self) -> None:
        while not self.should_stop:
            await self.sleep(float(self.context.trigger_interval))
            if self.synced:
                self.catch_up()

    # -- what the tasks do ------------------------------------------------------------------
    def sync(self) -> bool:
        """Reload the heap from the triggers of the owned partitions and log the ownership
        line; ``False`` (not in sync) while the consumer has no assignment."""
        if not self.faust_app.consumer.assignment():
            self.synced = False
            return False
        ctx = self.context
        owned = ctx.owned()
        entries = _timers.stored_entries(ctx)
        self.scheduler.reset(entries)
        ctx.runtime.forget_partitions(owned)
        log_ownership(ctx.tasks_topic, owned, self._owned_before, len(entries))
        self._owned_before = owned
        self.synced = True
        return True

    def catch_up(self) -> int:
        """Queue every stored trigger that is due (at most ``max_tasks_per_trigger``)."""
        entries = _timers.due_entries(self.context)
        for entry in entries:
            self.scheduler.push(*entry)
        return len(entries)

    def _fired_late(self, lateness: float) -> None:
        # Read at each firing: the service installs the runtime's observer after building it.
        self.context.runtime.observer.timer_fired(lateness)

    async def _fire(
        self, partition: int, workflow_id: str, task_id: str, due: float
    ) -> float | None:
        if not self.context.fires_here():
            return None
        return await _timers.fire(self.context, partition, workflow_id, task_id, due)
