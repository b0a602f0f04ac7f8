"""Retry policies: how often a failing task runs again, and how long it waits in between.

Pure policy math; the public name is :class:`dagger.retry.RetryPolicy`. A task records its
policy as a :class:`StoredRetryPolicy` (``task.retry_policy``), so a workflow keeps its
policy across restarts; ``dagger.tasks._retrying`` applies it when an attempt fails.

Delays grow geometrically: the wait before attempt ``n`` (``n >= 2``) is
``initial_interval * backoff_coefficient ** (n - 2)`` seconds, capped at
``maximum_interval``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dagger.core.record import Record


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How a task whose user code raises is run again.

    The default (``maximum_attempts=1``) never retries: the task ends FAILURE at the first
    error, as in 0.2.6. Invalid values raise ``ValueError`` naming the field.
    """

    maximum_attempts: int = 1
    """How many times the task may run in all: 1 runs it once (no retry), 0 retries
    without limit."""

    initial_interval: float = 1.0
    """Seconds to wait before the second attempt (must be > 0)."""

    backoff_coefficient: float = 2.0
    """Each wait is this many times the previous one (must be >= 1; 1 keeps it constant)."""

    maximum_interval: float = 100.0
    """The longest wait between two attempts, in seconds (must be >= ``initial_interval``)."""

    non_retryable_errors: tuple[str, ...] = ()
    """Exception class names that end the task with FAILURE at once, without a retry. An
    error matches when its class, or one of its base classes, has one of these names."""

    def __post_init__(self) -> None:
        attempts = self.maximum_attempts
        if not isinstance(attempts, int) or isinstance(attempts, bool):
            raise ValueError(
                f"RetryPolicy.maximum_attempts must be an int, got {type(attempts).__name__} "
                f"{attempts!r}"
            )
        if attempts < 0:
            raise ValueError(
                f"RetryPolicy.maximum_attempts must be >= 0 (0: no limit, 1: no retry), "
                f"got {attempts}"
            )
        initial = _seconds("initial_interval", self.initial_interval)
        if initial <= 0:
            raise ValueError(f"RetryPolicy.initial_interval must be > 0 seconds, got {initial}")
        coefficient = _seconds("backoff_coefficient", self.backoff_coefficient)
        if coefficient < 1:
            raise ValueError(f"RetryPolicy.backoff_coefficient must be >= 1, got {coefficient}")
        maximum = _seconds("maximum_interval", self.maximum_interval)
        if maximum < initial:
            raise ValueError(
                f"RetryPolicy.maximum_interval ({maximum}) must be >= initial_interval ({initial})"
            )
        names = self.non_retryable_errors
        if isinstance(names, str) or not isinstance(names, (tuple, list, set, frozenset)):
            raise ValueError(
                f"RetryPolicy.non_retryable_errors must be a tuple of exception class names, "
                f"got {type(names).__name__} {names!r}"
            )
        for name in names:
            if not isinstance(name, str) or not name:
                raise ValueError(
                    f"RetryPolicy.non_retryable_errors holds {name!r}; each entry must be the "
                    f"name of an exception class, such as 'ValueError'"
                )
        object.__setattr__(self, "non_retryable_errors", tuple(names))

    def delay_before(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt`` (2 for the first retry), capped at
        ``maximum_interval``; 0 for the first attempt."""
        if attempt <= 1:
            return 0.0
        try:
            delay = self.initial_interval * self.backoff_coefficient ** (attempt - 2)
        except OverflowError:
            return float(self.maximum_interval)
        return float(min(delay, self.maximum_interval))

    def has_attempt_after(self, attempt: int) -> bool:
        """Whether attempt ``attempt + 1`` is allowed."""
        return self.maximum_attempts == 0 or attempt < self.maximum_attempts

    def is_non_retryable(self, error: BaseException | str) -> bool:
        """Whether ``error`` (an exception, or an exception class name) fails at once."""
        if not self.non_retryable_errors:
            return False
        names = {error} if isinstance(error, str) else _class_names(type(error))
        return not names.isdisjoint(self.non_retryable_errors)

    def should_retry(self, error: BaseException | str, attempt: int) -> bool:
        """Whether a task whose attempt ``attempt`` failed with ``error`` runs again."""
        return self.has_attempt_after(attempt) and not self.is_non_retryable(error)

    def stored(self) -> StoredRetryPolicy:
        """The record a task keeps its policy in."""
        return StoredRetryPolicy(
            maximum_attempts=self.maximum_attempts,
            initial_interval=float(self.initial_interval),
            backoff_coefficient=float(self.backoff_coefficient),
            maximum_interval=float(self.maximum_interval),
            non_retryable_errors=list(self.non_retryable_errors),
        )


def _seconds(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(
            f"RetryPolicy.{field} must be a number, got {type(value).__name__} {value!r}"
        )
    if not math.isfinite(value):
        raise ValueError(f"RetryPolicy.{field} must be a finite number, got {value}")
    return float(value)


def _class_names(kind: type) -> set[str]:
    return {klass.__name__ for klass in kind.__mro__}


class StoredRetryPolicy(Record):
    """A :class:`RetryPolicy` as a task stores it (``task.retry_policy``)."""

    maximum_attempts: int = 1
    initial_interval: float = 1.0
    backoff_coefficient: float = 2.0
    maximum_interval: float = 100.0
    non_retryable_errors: list[str] = []

    def policy(self) -> RetryPolicy:
        """The policy again (``ValueError`` naming the field if the record holds a bad value)."""
        return RetryPolicy(
            maximum_attempts=self.maximum_attempts,
            initial_interval=self.initial_interval,
            backoff_coefficient=self.backoff_coefficient,
            maximum_interval=self.maximum_interval,
            non_retryable_errors=tuple(self.non_retryable_errors),
        )


def as_policy(value: Any, *, what: str) -> RetryPolicy | None:
    """Check a policy handed to a builder or the engine (``None`` is allowed: no policy).

    ``what`` names the caller in the ``TypeError`` for anything that is not a policy.
    """
    if value is None or isinstance(value, RetryPolicy):
        return value
    raise TypeError(
        f"{what} takes a dagger.retry.RetryPolicy (or None), got {type(value).__name__} {value!r}"
    )


# The stored form's type tag names the public module, which keeps it when core moves.
StoredRetryPolicy.__module__ = "dagger.retry"
