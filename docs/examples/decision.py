"""Decision tasks: choose one branch; every branch not chosen is SKIPPED.

Run it: ``python docs/examples/decision.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from uuid import UUID

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import DecisionTask, ExecutorTask, ITemplateDAGInstance
from dagger.templates.template import DecisionTaskTemplateBuilder, ITemplateDAG

workflow_engine = DocsEngine()


# --8<-- [start:tasks]
class ChooseShipping(DecisionTask[str, str]):
    """Express for heavy parcels, standard otherwise."""

    async def evaluate(self, **kwargs: Any) -> UUID | None:
        # kwargs are the runtime parameters; next_dags are the branches, in set_next order.
        standard, express = self.next_dags
        return express if kwargs["weight_kg"] > 20 else standard


class Ship(ExecutorTask[str, str]):
    """Records which branch ran."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters["shipped_by"] = self.task_name
        # --8<-- [end:tasks]


# --8<-- [start:template]
def shipping_template() -> ITemplateDAG:
    """A decision with two branches, then the end of the process."""
    helper = DAGBuilderHelper(workflow_engine)
    standard = helper.generic_executor_task_builder(task_type=Ship, name="standard").build()
    express = helper.generic_executor_task_builder(task_type=Ship, name="express").build()
    choose = (
        DecisionTaskTemplateBuilder(workflow_engine)
        .set_name("choose")
        .set_type(ChooseShipping)
        .set_next(standard)  # next_dags[0]
        .set_next(express)  # next_dags[1]
        .build()
    )
    process = helper.generic_process_builder(process_name="Ship", root_task=choose)
    return helper.generic_template(template_name="Shipping", root_process=process)
    # --8<-- [end:template]


async def main() -> list[ITemplateDAGInstance | None]:
    """A light parcel and a heavy one."""
    with in_memory_runtime() as runtime:
        template = shipping_template()
        results = []
        for weight in (2, 30):
            workflow = await template.create_instance(
                uuid.uuid4(), "order_id", repartition=False, submit_task=True, weight_kg=weight
            )
            results.append(runtime.stored(workflow.id))
        return results


if __name__ == "__main__":
    for stored in asyncio.run(main()):
        assert stored is not None
        print(
            stored.runtime_parameters, {t.task_name: t.status.code for t in stored.tasks.values()}
        )
