"""An event-driven timer: fires each trigger at its due time instead of polling.

The scheduler keeps the due times of the triggers stored in the partitions this worker
owns in a heap. One task sleeps until the earliest due time, or until an earlier trigger
arrives (``push`` wakes it), then hands each due trigger to ``fire``. The heap is rebuilt
from the triggers table when partitions are assigned; a periodic catch-up scan
(``trigger_interval``) re-reads the table in case anything was missed.

A trigger whose firing raises is retried with exponential backoff (``_backoff``), logged
once per failure with its workflow id, task id, task name and attempt number.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import logging
import time
from collections.abc import Awaitable, Callable, Iterable

from dagger.runtime._backoff import BACKOFF_CAP, BACKOFF_FIRST, TriggerBackoff

logger = logging.getLogger("dagger.timers")

#: ``(workflow_id, task_id)`` as strings.
TriggerKey = tuple[str, str]
#: Fires ``(partition, workflow_id, task_id, due)``; returns when to look at the trigger
#: again (``None``: not again).
Fire = Callable[[int, str, str, float], Awaitable[float | None]]


class TriggerFailed(Exception):
    """Raised by a ``fire`` callback when firing a trigger failed; the original error is
    its ``__cause__``. It carries the task's name, when it could be read, for the log."""

    def __init__(self, task_name: str | None) -> None:
        super().__init__(task_name)
        self.task_name = task_name


class TriggerScheduler:
    """A heap of ``(due, key, partition)`` and the loop that fires them on time.

    ``on_lateness`` is told, for each trigger fired, how many seconds after its due time
    it fired (the worker's observer: ``timer_fired``).
    """

    def __init__(
        self,
        fire: Fire,
        *,
        clock: Callable[[], float] = time.time,
        backoff_first: float = BACKOFF_FIRST,
        backoff_cap: float = BACKOFF_CAP,
        on_lateness: Callable[[float], None] | None = None,
    ) -> None:
        self._fire = fire
        self._on_lateness = on_lateness
        self._clock = clock
        self.backoff = TriggerBackoff(backoff_first, backoff_cap)
        self._heap: list[tuple[float, int, TriggerKey, int]] = []
        self._due: dict[TriggerKey, float] = {}
        self._seq = itertools.count()
        self._wake = asyncio.Event()
        self.fired = 0
        self.max_lateness = 0.0

    def __len__(self) -> int:
        return len(self._due)

    def push(self, partition: int, workflow_id: str, task_id: str, due: float) -> None:
        """Schedule (or reschedule) one trigger (a failing one no earlier than its retry)."""
        key = (workflow_id, task_id)
        due = self.backoff.clamp(key, due)
        if self._due.get(key) == due:
            return
        self._due[key] = due
        heapq.heappush(self._heap, (due, next(self._seq), key, partition))
        if self._heap[0][2] == key:
            self._wake.set()

    def discard(self, workflow_id: str, task_id: str) -> None:
        """Forget a trigger (its heap entry becomes stale and is skipped)."""
        self._due.pop((workflow_id, task_id), None)
        self.backoff.forget((workflow_id, task_id))

    def reset(self, entries: Iterable[tuple[int, str, str, float]]) -> None:
        """Replace everything with ``(partition, workflow_id, task_id, due)`` entries."""
        self._heap.clear()
        self._due.clear()
        entries = list(entries)
        self.backoff.keep_only((w, t) for _, w, t, _ in entries)
        for partition, workflow_id, task_id, due in entries:
            self.push(partition, workflow_id, task_id, due)
        self._wake.set()

    def next_due(self) -> float | None:
        """The earliest live due time, or ``None``."""
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def _drop_stale(self) -> None:
        while self._heap:
            due, _, key, _ = self._heap[0]
            if self._due.get(key) == due:
                return
            heapq.heappop(self._heap)

    def pop_due(self, now: float) -> list[tuple[int, str, str, float]]:
        """Remove and return every live entry due at ``now``, earliest first."""
        out: list[tuple[int, str, str, float]] = []
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] > now:
                return out
            due, _, key, partition = heapq.heappop(self._heap)
            del self._due[key]
            out.append((partition, key[0], key[1], due))

    async def fire_due(self) -> int:
        """Fire every trigger due now, earliest first; return how many were fired.

        A trigger ``fire`` asks to see again is queued at the time it returned. A failure
        is logged and the trigger queued again after its backoff; a success
        clears the backoff. Either way the other due triggers are fired.
        """
        count = 0
        for partition, workflow_id, task_id, due in self.pop_due(self._clock()):
            lateness = max(0.0, self._clock() - due)
            self.max_lateness = max(self.max_lateness, lateness)
            if self._on_lateness is not None:
                self._on_lateness(lateness)
            key = (workflow_id, task_id)
            try:
                again = await self._fire(partition, workflow_id, task_id, due)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failed(partition, key, exc)
            else:
                if again is not None:
                    # Queued before the backoff is cleared: a retry stays no earlier than
                    # its backoff allows.
                    self.push(partition, workflow_id, task_id, again)
                failures = self.backoff.succeeded(key)
                if failures:
                    logger.info(
                        "timer: trigger of task %s (workflow %s) fired after %d failed attempts",
                        task_id,
                        workflow_id,
                        failures,
                    )
            self.fired += 1
            count += 1
        return count

    def _failed(self, partition: int, key: TriggerKey, exc: Exception) -> None:
        attempt, delay = self.backoff.failed(key, self._clock())
        name = exc.task_name if isinstance(exc, TriggerFailed) else None
        cause = exc.__cause__ if isinstance(exc, TriggerFailed) and exc.__cause__ else exc
        # The traceback once per failing trigger; later attempts get one line (and DEBUG).
        logger.error(
            "timer: trigger of task %s (id %s, workflow %s) failed, attempt %d: %s: %s; "
            "next try in %g s",
            name or "<name unknown>",
            key[1],
            key[0],
            attempt,
            type(cause).__name__,
            cause,
            delay,
            exc_info=cause if attempt == 1 else None,
        )
        if attempt > 1:
            logger.debug("timer: traceback of attempt %d", attempt, exc_info=cause)
        self.push(partition, key[0], key[1], self._clock() + delay)

    async def run(self, max_sleep: float = 60.0) -> None:
        """Fire triggers as they come due, forever (cancel the task to stop)."""
        while True:
            await self.fire_due()
            upcoming = self.next_due()
            delay = max_sleep if upcoming is None else min(max_sleep, upcoming - self._clock())
            if delay <= 0:
                await asyncio.sleep(0)
                continue
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
