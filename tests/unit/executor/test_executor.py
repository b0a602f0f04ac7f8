"""``SerialExecutorStrategy.submit``: run here, send to the key's owner, refuse completed."""

from __future__ import annotations

import uuid

import pytest

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


def test_serial_strategy_is_an_executor_strategy(app: FakeApp) -> None:
    strategy = SerialExecutorStrategy(app)

    assert isinstance(strategy, ExecutorStrategy)
    assert strategy.app is app


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


async def test_submitting_a_completed_workflow_raises(
    app: FakeApp, runtime: InMemoryRuntime
) -> None:
    wf = await template(app).create_instance(
        uuid.uuid4(), "order_id", repartition=False, submit_task=True
    )
    assert wf.status.code == "COMPLETED"

    with pytest.raises(TaskInvalidState):
        await SerialExecutorStrategy(app).submit(wf, repartition=False)
