"""``RetryPolicy``: the delay before each attempt, when to stop, and what it refuses."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from dagger.core.record import Record
from dagger.retry import RetryPolicy, StoredRetryPolicy
from dagger.tasks.task import ExecutorTask, ITask, KafkaListenerTask, TriggerTask


class PaymentDeclined(ValueError):
    """A subclass: matched by its own name and by its bases' names."""


def test_the_default_policy_runs_a_task_once() -> None:
    policy = RetryPolicy()

    assert (policy.maximum_attempts, policy.initial_interval) == (1, 1.0)
    assert (policy.backoff_coefficient, policy.maximum_interval) == (2.0, 100.0)
    assert policy.non_retryable_errors == ()
    assert not policy.should_retry(RuntimeError("x"), 1)


def test_delays_grow_by_the_coefficient_up_to_the_maximum() -> None:
    policy = RetryPolicy(
        maximum_attempts=10, initial_interval=1.5, backoff_coefficient=3, maximum_interval=20
    )

    assert [policy.delay_before(n) for n in range(1, 7)] == [0.0, 1.5, 4.5, 13.5, 20.0, 20.0]


def test_a_coefficient_of_one_keeps_the_delay_constant_and_huge_attempts_stay_capped() -> None:
    assert RetryPolicy(backoff_coefficient=1, initial_interval=2).delay_before(50) == 2.0
    assert RetryPolicy(maximum_interval=7).delay_before(10_000) == 7.0


def test_attempts_run_out_at_the_maximum() -> None:
    policy = RetryPolicy(maximum_attempts=3)

    assert [policy.should_retry(RuntimeError("x"), n) for n in (1, 2, 3)] == [True, True, False]


def test_zero_attempts_means_no_limit() -> None:
    assert RetryPolicy(maximum_attempts=0).should_retry(RuntimeError("x"), 1_000_000)


def test_non_retryable_errors_match_the_class_or_a_base_class_name() -> None:
    policy = RetryPolicy(maximum_attempts=5, non_retryable_errors=("ValueError", "KeyError"))

    assert not policy.should_retry(ValueError("bad"), 1)
    assert not policy.should_retry(PaymentDeclined("declined"), 1)  # a ValueError subclass
    assert not policy.should_retry("KeyError", 1)
    assert policy.should_retry(RuntimeError("flaky"), 1)
    assert policy.should_retry("LookupError", 1)  # a name is matched as it is


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"maximum_attempts": -1}, "maximum_attempts"),
        ({"maximum_attempts": 2.5}, "maximum_attempts"),
        ({"maximum_attempts": True}, "maximum_attempts"),
        ({"initial_interval": 0}, "initial_interval"),
        ({"initial_interval": -1.0}, "initial_interval"),
        ({"initial_interval": "1"}, "initial_interval"),
        ({"backoff_coefficient": 0.5}, "backoff_coefficient"),
        ({"maximum_interval": float("nan")}, "maximum_interval"),
        ({"initial_interval": 10, "maximum_interval": 5}, "maximum_interval"),
        ({"non_retryable_errors": "ValueError"}, "non_retryable_errors"),
        ({"non_retryable_errors": ("ValueError", "")}, "non_retryable_errors"),
        ({"non_retryable_errors": (ValueError,)}, "non_retryable_errors"),
    ],
)
def test_invalid_values_raise_a_value_error_naming_the_field(
    options: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValueError, match=rf"RetryPolicy\.{field}\b"):
        RetryPolicy(**options)


def test_the_policy_is_frozen_and_keyword_only() -> None:
    policy = RetryPolicy(non_retryable_errors=["ValueError"])  # type: ignore[arg-type]

    assert policy.non_retryable_errors == ("ValueError",)  # a list is taken as a tuple
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.maximum_attempts = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        RetryPolicy(3)  # type: ignore[call-arg]  # keyword-only: the point of the test


def test_every_field_has_a_docstring_in_the_source() -> None:
    import inspect

    from dagger.core import retry

    source = inspect.getsource(retry.RetryPolicy)
    for field in dataclasses.fields(RetryPolicy):
        declared = source.index(f"    {field.name}:")
        assert source[source.index("\n", declared) :].lstrip().startswith('"""'), field.name


def test_the_stored_form_round_trips_through_json() -> None:
    policy = RetryPolicy(
        maximum_attempts=4, initial_interval=0.5, maximum_interval=3, non_retryable_errors=("E",)
    )

    data = policy.stored().dumps()
    stored = StoredRetryPolicy.loads(data)

    assert isinstance(stored, StoredRetryPolicy)
    assert stored.policy() == policy
    assert b'"ns":"dagger.retry.StoredRetryPolicy"' in data


def test_new_task_fields_come_after_every_0_2_6_field() -> None:
    # A subclass's own fields (0.2.6's, or a user's) keep their places; the new ones trail.
    class MyTask(ExecutorTask[str, str]):
        region: str = "eu"

    trailing = ["attempt", "last_error", "retry_policy", "retry_at"]
    assert list(ITask._options.fields[-4:]) == trailing
    assert list(TriggerTask._options.fields[-5:]) == ["time_to_execute", *trailing]
    assert list(MyTask._options.fields[-5:]) == ["region", *trailing]
    assert list(KafkaListenerTask._options.fields[-9:]) == [
        "match_only_one",
        "topic",
        *trailing,
        "wait_timeout",
        "timeout_action",
        "timeout_at",
    ]
    assert issubclass(StoredRetryPolicy, Record)
