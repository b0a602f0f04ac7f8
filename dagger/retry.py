"""Retry policies for tasks whose user code raises (new in this version; not in 0.2.6).

Give a policy to a task's builder (``set_retry_policy``), to a ``DAGBuilderHelper``
``generic_*_builder`` (``retry_policy=``), or to the engine as the default for every task
without its own (``Dagger(..., default_retry_policy=...)``)::

    from dagger.retry import RetryPolicy

    policy = RetryPolicy(maximum_attempts=5, initial_interval=2.0, non_retryable_errors=("ValueError",))

Without a policy a task runs once, as in 0.2.6. See the usage guide page "Failures, retries
and timeouts".
"""

from dagger.core.retry import RetryPolicy, StoredRetryPolicy

__all__ = ["RetryPolicy", "StoredRetryPolicy"]
