"""Exponential backoff for triggers whose firing keeps failing.

A trigger whose firing raises (a store or broker error, a workflow record that cannot be
decoded, user code in a hook the engine does not guard) would otherwise be retried every
second forever, re-running its task each time and flooding the log. Each failing trigger
waits ``BACKOFF_FIRST`` seconds after its first failure, twice as long after each further
one, at most ``BACKOFF_CAP`` seconds; a successful firing clears its state. The state is per
trigger, so one failing trigger never delays another.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

#: Seconds before the first retry of a trigger whose firing failed.
BACKOFF_FIRST = 1.0
#: The longest wait between two retries of a failing trigger, in seconds.
BACKOFF_CAP = 60.0


def backoff_delay(attempt: int, first: float = BACKOFF_FIRST, cap: float = BACKOFF_CAP) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): ``first``
    doubled ``attempt - 1`` times, at most ``cap``."""
    if attempt < 1:
        raise ValueError(f"attempt must be 1 or more, got {attempt}")
    # Past ~64 doublings the float would only grow; the cap is reached long before.
    return float(min(cap, first * 2.0 ** min(attempt - 1, 64)))


class TriggerBackoff:
    """Failed-attempt counts and retry times of the triggers that are failing, by key."""

    def __init__(self, first: float = BACKOFF_FIRST, cap: float = BACKOFF_CAP) -> None:
        if first <= 0 or cap < first:
            raise ValueError(f"backoff needs 0 < first <= cap, got first={first}, cap={cap}")
        self.first = first
        self.cap = cap
        self._attempts: dict[Hashable, int] = {}
        self._hold: dict[Hashable, float] = {}

    def __contains__(self, key: Hashable) -> bool:
        return key in self._attempts

    def attempts(self, key: Hashable) -> int:
        """How many times in a row firing this trigger has failed (0: not failing)."""
        return self._attempts.get(key, 0)

    def retry_at(self, key: Hashable) -> float | None:
        """When a failing trigger may be fired again (``None``: it is not failing)."""
        return self._hold.get(key)

    def failed(self, key: Hashable, now: float) -> tuple[int, float]:
        """Count a failure at ``now``; return ``(attempt number, seconds until the retry)``."""
        attempt = self._attempts.get(key, 0) + 1
        delay = backoff_delay(attempt, self.first, self.cap)
        self._attempts[key] = attempt
        self._hold[key] = now + delay
        return attempt, delay

    def succeeded(self, key: Hashable) -> int:
        """Clear a trigger's state after a successful firing; return its failed attempts."""
        self._hold.pop(key, None)
        return self._attempts.pop(key, 0)

    def clamp(self, key: Hashable, due: float) -> float:
        """``due``, moved no earlier than the retry time of a failing trigger.

        Catch-up scans and rebuilds queue stored due triggers at once; without this they
        would cut a failing trigger's wait short.
        """
        hold = self._hold.get(key)
        return due if hold is None or due >= hold else hold

    def forget(self, key: Hashable) -> None:
        """Drop a trigger's state (the trigger is gone)."""
        self.succeeded(key)

    def keep_only(self, keys: Iterable[Hashable]) -> None:
        """Drop the state of every trigger not in ``keys``."""
        keep = set(keys)
        for key in [k for k in self._attempts if k not in keep]:
            self.forget(key)
