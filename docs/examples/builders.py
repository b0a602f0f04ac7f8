"""The builders behind ``DAGBuilderHelper``: the same kind of workflow, built by hand.

Run it: ``python docs/examples/builders.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.exceptions.exceptions import InvalidTaskType
from dagger.modeler.definition import DefaultTemplateBuilder, ProcessTemplateDagBuilder
from dagger.tasks.task import (
    DefaultProcessTemplateDAGInstance,
    DefaultTemplateDAGInstance,
    ExecutorTask,
    ITemplateDAGInstance,
    KafkaCommandTask,
)
from dagger.templates.template import (
    DefaultTaskTemplateBuilder,
    ITemplateDAG,
    KafkaCommandTaskTemplateBuilder,
)

workflow_engine = DocsEngine()


class Validate(ExecutorTask[str, str]):
    """Checks the order."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["valid"] = True


class Publish(KafkaCommandTask[str, str]):
    """Publishes the validated order."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        await workflow_engine.topics[self.topic].send(
            key=runtime_parameters["order_id"], value=runtime_parameters["order_id"]
        )


# --8<-- [start:template]
def order_template() -> ITemplateDAG:
    """validate -> publish, in one process, without the helper."""
    publish = (
        KafkaCommandTaskTemplateBuilder(workflow_engine)
        .set_name("publish")
        .set_type(Publish)
        .set_topic(workflow_engine.create_topic("validated_orders"))
        .build()
    )
    validate = (
        DefaultTaskTemplateBuilder(workflow_engine)
        .set_name("validate")
        .set_type(Validate)
        .set_next(publish)  # appends: a task may have several next templates
        .build()
    )
    process = (
        ProcessTemplateDagBuilder(workflow_engine)
        .set_name("Intake")
        .set_type(DefaultProcessTemplateDAGInstance)
        .set_root_task(validate)
        .set_max_run_duration(0)  # no limit
        .build()
    )
    return (
        DefaultTemplateBuilder(workflow_engine)
        .set_name("Intake")
        .set_type(DefaultTemplateDAGInstance)
        .set_root(process)
        .build()
    )
    # --8<-- [end:template]


def wrong_builder() -> str:
    """What a builder says when given a task type it cannot build."""
    # --8<-- [start:invalid]
    try:
        DefaultTaskTemplateBuilder(workflow_engine).set_name("publish").set_type(Publish)
    except InvalidTaskType as error:
        return str(error)  # names the builder to use instead
        # --8<-- [end:invalid]
    return ""


async def main() -> dict[str, Any]:
    """Run one workflow; return it with what it sent and the builder error."""
    with in_memory_runtime() as runtime:
        workflow = await order_template().create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
        )
        return {
            "workflow": runtime.stored(workflow.id),
            "sent": workflow_engine.sent("validated_orders"),
            "error": wrong_builder(),
        }


if __name__ == "__main__":
    result = asyncio.run(main())
    print(result["workflow"].status.code, result["sent"])
    print(result["error"])
