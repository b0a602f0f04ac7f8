"""Pure-CPU microbenchmark of the engine's per-workflow work, without Kafka or faust.

``python -m benchmarks.micro_chain [--workflows N] [--observer none|engine]
[--profile cprofile|pyinstrument]``

Builds the chain10 and chain100 templates of the real benchmark (one process of 10 or 100
no-op executor tasks), then creates, runs and saves N workflows each on an in-memory
runtime, as the engine's agent does (``create_instance(repartition=False,
submit_task=True)``), and prints the CPU time per workflow and per task. The runtime
encodes each saved workflow once, like ``FaustRuntime``, and skips the test-only decoded
snapshots of ``InMemoryRuntime`` so the codec is not counted twice. ``--observer engine``
installs the observer the engine installs by default (its Prometheus metrics, and
OpenTelemetry tracing when installed; ``dagger.service._wiring.make_observer``), to measure
what observing costs per workflow; the default is the no-op observer.
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from typing import Any

from dagger.core.context import set_runtime
from dagger.core.ports import WorkflowNode
from dagger.core.transitions import is_terminal
from dagger.modeler.builder_helper import DAGBuilderHelper
from dagger.tasks.task import ExecutorTask
from dagger.testing import InMemoryRuntime


class Noop(ExecutorTask[str, str]):
    """An executor task that does nothing: the benchmark measures the engine."""

    async def execute(
        self, runtime_parameters: dict[str, Any], workflow_instance: Any = None
    ) -> None:
        return None


class _BenchRuntime(InMemoryRuntime):
    """``InMemoryRuntime`` whose save only encodes, as the real runtime does."""

    async def save_workflow(self, workflow: WorkflowNode) -> None:
        if self.delete_workflow_on_complete and is_terminal(workflow):
            return
        workflow.update_count += 1
        workflow.lastupdated = int(self.now())
        self.workflows[str(workflow.id)] = workflow.dumps()


def chain_template(length: int) -> Any:
    """The benchmark's template: one process ``p`` whose root is a chain of ``length`` Noops."""
    helper = DAGBuilderHelper(None)
    chain = helper.build_and_link_tasks(
        [
            helper.generic_executor_task_builder(task_type=Noop, name=f"step{i}")
            for i in range(length)
        ]
    )
    process = helper.generic_process_builder(process_name="p", root_task=chain)
    return helper.generic_template(template_name="Bench", root_process=process.build())


async def run_workflows(template: Any, runtime: InMemoryRuntime, count: int) -> None:
    """Create and run ``count`` workflows as the benchmark's agent does; check they complete."""
    for index in range(count):
        workflow = await template.create_instance(
            uuid.uuid1(),
            "order_id",
            repartition=False,
            submit_task=True,
            picked_up=time.time(),
            order_id=f"o-{index}",
        )
        if workflow.status.code != "COMPLETED":
            raise AssertionError(f"workflow {index} ended {workflow.status.code}")
    runtime.workflows.clear()


def engine_observer() -> Any:
    """The observer a ``Dagger`` engine installs: fresh metrics (own registry), plus tracing."""
    from dagger.runtime._metrics import PrometheusMetrics
    from dagger.service._wiring import make_observer

    return make_observer(PrometheusMetrics())


def measure(length: int, count: int, observer: str = "none") -> float:
    """CPU seconds to create and run ``count`` workflows of a ``length``-task chain."""
    runtime = _BenchRuntime()
    if observer == "engine":
        runtime.observer = engine_observer()
    set_runtime(runtime)
    template = chain_template(length)
    asyncio.run(run_workflows(template, runtime, max(1, count // 10)))  # warm-up
    start = time.process_time()
    asyncio.run(run_workflows(template, runtime, count))
    return time.process_time() - start


def main() -> None:
    """Command-line entry point: print µs per workflow and per task for chain10 and chain100."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.micro_chain", description=__doc__)
    parser.add_argument("--workflows", type=int, default=2000, help="chain10 workflows")
    parser.add_argument("--profile", choices=("cprofile", "pyinstrument"), default=None)
    parser.add_argument(
        "--observer",
        choices=("none", "engine"),
        default="none",
        help="none: the no-op observer; engine: the engine's default (Prometheus metrics)",
    )
    parser.add_argument("--only", choices=("chain10", "chain100"), default=None)
    args = parser.parse_args()
    runs = [("chain10", 10, args.workflows), ("chain100", 100, max(1, args.workflows // 10))]
    runs = [r for r in runs if args.only in (None, r[0])]
    profiler: Any = None
    if args.profile == "cprofile":
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    elif args.profile == "pyinstrument":
        import pyinstrument

        profiler = pyinstrument.Profiler(interval=0.0005)
        profiler.start()
    for name, length, count in runs:
        seconds = measure(length, count, args.observer)
        per_workflow = seconds / count * 1e6
        print(
            f"{name}: {count} workflows, {per_workflow:,.0f} µs/workflow, "
            f"{per_workflow / length:,.1f} µs/task"
        )
    if args.profile == "cprofile":
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    elif args.profile == "pyinstrument":
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
