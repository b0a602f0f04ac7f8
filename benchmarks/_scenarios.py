"""The benchmark scenarios: what each measures and how big it runs by default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks._harness import RunResult


def _no_extra(results: list[RunResult]) -> str:
    return ""


def _per_task_cost(results: list[RunResult]) -> str:
    run = next(r for r in results if r.name != "floor")
    per_task_us = 1e6 / run.transition_rate if run.transition_rate else 0.0
    return f"cost per task: {per_task_us:.1f} µs"


def _lateness(results: list[RunResult]) -> str:
    run = next(r for r in results if r.name == "timers")
    return (
        f"timer lateness: p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms (target p99 <= 250 ms)"
    )


@dataclass(frozen=True)
class Scenario:
    """One benchmark scenario."""

    name: str
    summary: str
    default_workflows: int
    tasks_per_workflow: int
    with_floor: bool = True
    #: The order service runs as its own process (``_replier_app``).
    replier: bool = False
    describe: Callable[[list[RunResult]], str] = field(default=_no_extra)


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("chain10", "one process of 10 executor tasks", 5000, 10, describe=_per_task_cost),
        Scenario(
            "chain10-readme",
            "chain10 started as the README does: create_instance, then submit(instance)",
            5000,
            10,
            describe=_per_task_cost,
        ),
        Scenario(
            "chain100", "one process of 100 executor tasks", 1000, 100, describe=_per_task_cost
        ),
        Scenario(
            "pizza",
            "command + listener (an order service in its own process) + executor",
            2000,
            3,
            replier=True,
        ),
        Scenario("fanout", "a parallel composite of 10 executors", 2000, 10),
        Scenario(
            "scale",
            "1k/10k/100k stored workflows: listing, lookups, start-up, recovery, RSS",
            0,
            0,
            with_floor=False,
        ),
        Scenario(
            "timers",
            "1,000 trigger tasks due within 5 s; reports firing lateness",
            1000,
            1,
            with_floor=False,
            describe=_lateness,
        ),
    )
}
"""Every scenario by name."""

STANDARD_SET = ("chain10", "chain10-readme", "chain100", "pizza", "fanout", "timers", "scale")
"""What ``make bench`` runs."""
