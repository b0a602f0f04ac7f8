"""Dynamic processes: a placeholder replaced, per use, by processes chosen at run time.

Run it: ``python docs/examples/dynamic_process.py``.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from _support import DocsEngine, in_memory_runtime

from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.modeler.definition import TemplateDAG
from dagger.tasks.task import ExecutorTask, ITemplateDAGInstance
from dagger.templates.template import IProcessTemplateDAGBuilder

workflow_engine = DocsEngine()


class Step(ExecutorTask[str, str]):
    """Records that its process ran."""

    async def execute(
        self,
        runtime_parameters: dict[str, Any],
        workflow_instance: ITemplateDAGInstance | None = None,
    ) -> None:
        runtime_parameters.setdefault("ran", []).append(str(self.task_name).split(".")[1])


def step_process(helper: DAGBuilderHelper, name: str) -> IProcessTemplateDAGBuilder:
    """A process of one ``Step``."""
    task = helper.generic_executor_task_builder(task_type=Step, name=name).build()
    return helper.generic_process_builder(process_name=name, root_task=task)


# --8<-- [start:template]
def order_template() -> TemplateDAG:
    """receive -> (whatever "prepare" is set to) -> ship."""
    helper = DAGBuilderHelper(workflow_engine)
    first = helper.build_and_link_processes(
        [
            step_process(helper, "receive"),
            helper.generic_dynamic_process_builder(name="prepare"),
            step_process(helper, "ship"),
        ]
    )
    template = helper.generic_template(template_name="Order", root_process=first)
    assert isinstance(template, TemplateDAG)
    return template
    # --8<-- [end:template]


async def main() -> list[ITemplateDAGInstance | None]:
    """A gift order (wrap, then card) and a plain one (no builders: nothing in between)."""
    with in_memory_runtime() as runtime:
        template = order_template()
        helper = DAGBuilderHelper(workflow_engine)
        # --8<-- [start:run]
        template.set_dynamic_builders_for_process_template(
            "prepare", [step_process(helper, "wrap"), step_process(helper, "card")]
        )
        gift = await template.create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-1"
        )
        template.set_dynamic_builders_for_process_template("prepare", [])
        plain = await template.create_instance(
            uuid.uuid4(), "order_id", repartition=False, submit_task=True, order_id="o-2"
        )
        # --8<-- [end:run]
        return [runtime.stored(gift.id), runtime.stored(plain.id)]


if __name__ == "__main__":
    for stored in asyncio.run(main()):
        assert stored is not None
        print(stored.status.code, stored.runtime_parameters["ran"])
