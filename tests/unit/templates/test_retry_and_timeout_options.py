"""The retry and timeout options of the builders, the helper and the engine, and their errors."""

from __future__ import annotations

import inspect
import uuid
from pathlib import Path
from typing import Any

import pytest

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import DefaultTemplateBuilder
from dagger.retry import RetryPolicy, StoredRetryPolicy
from dagger.service.services import Dagger
from dagger.tasks.task import ITemplateDAGInstance, ParallelCompositeTask
from dagger.templates.template import (
    DecisionTaskTemplateBuilder,
    DefaultTaskTemplateBuilder,
    IntervalTaskTemplateBuilder,
    KafkaCommandTaskTemplateBuilder,
    KafkaListenerTaskTemplateBuilder,
    ParallelCompositeTaskTemplateBuilder,
    TriggerTaskTemplateBuilder,
)
from dagger.testing import InMemoryRuntime
from tests.unit.conftest import START
from tests.unit.templates.fakes import (
    ChooseFirst,
    Command,
    Due,
    FakeApp,
    FakeTopic,
    OrderReady,
    Poll,
    Step,
    node,
)

POLICY = RetryPolicy(maximum_attempts=4, initial_interval=0.5, non_retryable_errors=("KeyError",))


async def workflow_of(app: FakeApp, head: Any, **params: Any) -> ITemplateDAGInstance:
    """A workflow (not started) whose one process starts at the task template ``head``."""
    helper = DAGBuilderHelper(app)
    template = helper.generic_template(
        template_name="wf",
        root_process=helper.generic_process_builder(process_name="P", root_task=head),
    )
    return await template.create_instance(
        uuid.uuid4(), partition_key_lookup="order_id", repartition=False, **params
    )


def first_task(wf: ITemplateDAGInstance) -> Any:
    return node(wf, node(wf, wf.root_dag).root_dag)


async def test_each_retrying_builder_stores_its_policy_on_the_tasks_it_creates(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builders = [
        DefaultTaskTemplateBuilder(app).set_type(Step),
        DecisionTaskTemplateBuilder(app).set_type(ChooseFirst),
        KafkaCommandTaskTemplateBuilder(app).set_type(Command).set_topic(FakeTopic("orders")),
        TriggerTaskTemplateBuilder(app).set_type(Due).set_time_to_execute_lookup_key("at"),
        IntervalTaskTemplateBuilder(app)
        .set_type(Poll)
        .set_time_to_force_complete_lookup_key("until")
        .set_interval_execute_period_lookup_key("every"),
    ]
    for builder in builders:
        assert builder.set_retry_policy(POLICY) is builder  # chains
        wf = await workflow_of(
            app, builder.set_name("t").build(), order_id="o", at=START + 9e6, until=0, every=1
        )
        task = first_task(wf)
        assert task.retry_policy == POLICY.stored(), type(builder).__name__
        assert isinstance(task.retry_policy, StoredRetryPolicy)


async def test_without_a_policy_tasks_store_none_and_the_engine_default_applies(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await workflow_of(app, DefaultTaskTemplateBuilder(app).set_type(Step).build())

    assert first_task(wf).retry_policy is None


def test_listener_and_composite_builders_refuse_a_retry_policy(app: FakeApp) -> None:
    listener = KafkaListenerTaskTemplateBuilder(app).set_name("wait")
    with pytest.raises(ValueError, match="'wait'.*a listener is not retried.*set_timeout"):
        listener.set_retry_policy(POLICY)
    composite = ParallelCompositeTaskTemplateBuilder(app, 0, None).set_name("both")
    with pytest.raises(ValueError, match="'both'.*give its children retry policies"):
        composite.set_retry_policy(POLICY)
    assert ParallelCompositeTask._retries_on_error is False


def test_a_policy_must_be_a_retry_policy(app: FakeApp) -> None:
    with pytest.raises(TypeError, match=r"set_retry_policy for task 'pay' takes a dagger\.retry"):
        DefaultTaskTemplateBuilder(app).set_name("pay").set_retry_policy({"maximum_attempts": 3})  # type: ignore[arg-type]


async def test_the_helpers_take_retry_policy_and_timeout_keywords_last(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    helper = DAGBuilderHelper(app)
    executor = helper.generic_executor_task_builder(task_type=Step, name="pay", retry_policy=POLICY)
    command = helper.generic_command_task_builder(
        topic="orders", task_type=Command, process_name="P", retry_policy=POLICY
    )
    listener = helper.generic_listener_task_builder(
        topic="ready", task_type=OrderReady, process_name="P", timeout=2, on_timeout="skip"
    )
    wf = await workflow_of(
        app, helper.build_and_link_tasks([executor, command, listener]), order_id="o-1"
    )

    pay = first_task(wf)
    send = node(wf, pay.next_dags[0])
    wait = node(wf, send.next_dags[0])
    assert pay.retry_policy == send.retry_policy == POLICY.stored()
    assert (wait.wait_timeout, wait.timeout_action, wait.retry_policy) == (2.0, "skip", None)
    for name, new in (
        ("generic_executor_task_builder", ["retry_policy"]),
        ("generic_command_task_builder", ["retry_policy"]),
        ("generic_listener_task_builder", ["timeout", "on_timeout"]),
        ("generic_template", ["execution_timeout"]),
    ):
        params = list(inspect.signature(getattr(DAGBuilderHelper, name)).parameters)
        assert params[-len(new) :] == new, name  # added after 0.2.6's keywords
        for param in new:
            default = inspect.signature(getattr(DAGBuilderHelper, name)).parameters[param].default
            assert default in (None, "fail"), (name, param)


def test_listener_timeouts_are_checked(app: FakeApp) -> None:
    builder = KafkaListenerTaskTemplateBuilder(app).set_name("wait")
    with pytest.raises(ValueError, match="on_timeout must be 'fail' or 'skip', got 'retry'"):
        builder.set_timeout(5, on_timeout="retry")
    for bad in (0, -1, float("inf"), "5", None):
        with pytest.raises(ValueError, match="set_timeout for task 'wait': seconds must be"):
            builder.set_timeout(bad)  # type: ignore[arg-type]
    helper = DAGBuilderHelper(app)
    with pytest.raises(ValueError, match="on_timeout must be 'fail' or 'skip', got 'never'"):
        helper.generic_listener_task_builder(
            topic="t", task_type=OrderReady, process_name="P", timeout=1, on_timeout="never"
        )
    with pytest.raises(ValueError, match="on_timeout='skip' needs timeout=<seconds>"):
        helper.generic_listener_task_builder(
            topic="t", task_type=OrderReady, process_name="P", on_timeout="skip"
        )


async def test_a_listener_builder_without_a_timeout_waits_for_ever(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    builder = KafkaListenerTaskTemplateBuilder(app).set_type(OrderReady)
    wf = await workflow_of(app, builder.set_topic(FakeTopic("ready")).build(), order_id="o-1")

    assert (first_task(wf).wait_timeout, first_task(wf).timeout_action) == (None, "fail")


async def test_the_workflow_builder_sets_an_execution_timeout(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    process = DAGBuilderHelper(app).generic_process_builder(
        process_name="P", root_task=DefaultTaskTemplateBuilder(app).set_type(Step).build()
    )
    builder = DefaultTemplateBuilder(app).set_name("wf").set_root(process.build())

    assert builder.set_execution_timeout(90) is builder
    template = builder.build()
    wf = await template.create_instance(uuid.uuid4(), "order_id", repartition=False)
    assert (wf.execution_timeout, wf.execution_deadline) == (90.0, None)  # counts once started
    with pytest.raises(ValueError, match=r"set_execution_timeout for 'wf': seconds must be"):
        builder.set_execution_timeout(0)
    default = DefaultTemplateBuilder(app).set_name("x").set_root(process.build()).build()
    assert default.execution_timeout is None


def test_the_engine_takes_a_default_policy_and_hands_it_to_its_runtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Dagger, "app", Dagger.app)
    params = list(inspect.signature(Dagger.__init__).parameters)
    assert "default_retry_policy" in params
    options: dict[str, Any] = {"broker": "kafka://127.0.0.1:1", "store": "memory://"}
    with pytest.raises(
        TypeError, match=r"Dagger\(default_retry_policy=...\) takes a dagger\.retry"
    ):
        Dagger(datadir=str(tmp_path), default_retry_policy=3, **options)  # type: ignore[arg-type]  # the wrong type is the point
    engine = Dagger(
        datadir=str(tmp_path),
        application_name="retry-default",
        default_retry_policy=POLICY,
        **options,
    )
    try:
        assert engine.default_retry_policy is POLICY
        assert engine.runtime.default_retry_policy is POLICY
    finally:
        from dagger.core.context import set_runtime

        set_runtime(None)
