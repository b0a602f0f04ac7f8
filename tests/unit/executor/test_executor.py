"""``SerialExecutorStrategy.submit``: run here, send to the key's owner, refuse completed."""

from __future__ import annotations

import uuid

import pytest

from dagger.core.context import set_runtime
from dagger.engine.operations import MissingPartitionKeyError
from dagger.exceptions.exceptions import TaskInvalidState
from dagger.executor.executor import ExecutorStrategy, SerialExecutorStrategy
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.templates.template import ITemplateDAG
from dagger.testing import InMemoryRuntime
from tests.unit.templates.fakes import FakeApp, Step


def template(app: FakeApp) -> ITemplateDAG:
    helper = DAGBuilderHelper(app)
    root = helper.build_and_link_tasks(
        [helper.generic_executor_task_builder(task_type=Step, name=n) for n in ("a", "b")]
    )
    return helper.generic_template(
        template_name="wf",
        root_process=helper.generic_process_builder(process_name="p", root_task=root),
    )


async def test_the_strategy_submits_through_the_runtime_installed_when_it_runs(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    strategy: ExecutorStrategy = SerialExecutorStrategy(app)  # built before the swap below
    wf = await template(app).create_instance(uuid.uuid4(), "order_id", repartition=False)
    later = InMemoryRuntime(clock=runtime.clock)
    set_runtime(later)

    await strategy.submit(wf, repartition=False)

    stored = await later.load_workflow(wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"
    created = await runtime.load_workflow(wf.id)  # create_instance stored it there
    assert created is not None and created.status.code == "NOT_STARTED"


async def test_submit_here_starts_and_stores_the_workflow(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await template(app).create_instance(uuid.uuid4(), "order_id", repartition=False)

    await SerialExecutorStrategy(app).submit(wf, repartition=False)

    stored = await runtime.load_workflow(wf.id)
    assert stored is not None
    assert stored.status.code == "COMPLETED"
    assert stored.runtime_parameters["trace"] == ["wf.p.a_executor_task", "wf.p.b_executor_task"]
    assert runtime.sent_for_creation == []


async def test_submit_with_repartition_sends_it_keyed_by_its_partition_key(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await template(app).create_instance(
        uuid.uuid4(), "order_id", repartition=False, order_id="o-9"
    )

    await SerialExecutorStrategy(app).submit(wf)

    assert runtime.sent_for_creation == [("o-9", wf)]
    assert wf.status.code == "SUBMITTED"
    created = await runtime.load_workflow(wf.id)  # the owner of "o-9" starts it, not us
    assert created is not None and created.status.code == "NOT_STARTED"

    assert await runtime.run_creations() == 1  # ... acting as that worker
    stored = await runtime.load_workflow(wf.id)
    assert stored is not None and stored.status.code == "COMPLETED"


async def test_submit_with_repartition_needs_the_partition_key_and_sends_nothing(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await template(app).create_instance(uuid.uuid4(), "order_id", repartition=False)

    with pytest.raises(MissingPartitionKeyError, match="'order_id'"):
        await SerialExecutorStrategy(app).submit(wf)

    assert runtime.sent_for_creation == []
    assert wf.status.code == "NOT_STARTED"


async def test_submitting_a_completed_workflow_raises(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await template(app).create_instance(
        uuid.uuid4(), "order_id", repartition=False, submit_task=True
    )
    assert wf.status.code == "COMPLETED"

    saves = len(runtime.saved)

    with pytest.raises(TaskInvalidState, match="already COMPLETED"):
        await SerialExecutorStrategy(app).submit(wf, repartition=False)
    with pytest.raises(TaskInvalidState, match="already COMPLETED"):
        await SerialExecutorStrategy(app).submit(wf)

    assert wf.status.code == "COMPLETED"
    assert len(runtime.saved) == saves and runtime.sent_for_creation == []
