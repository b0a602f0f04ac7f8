"""``python -m benchmarks run SCENARIO [--workflows N] [--broker URL] [--repeat K]`` and ``run-all``.

Each run starts the development broker (unless ``--broker`` is given), pre-produces N start
messages, runs one worker process (RocksDB store, changelogs on, the development broker's
settings) and reports completed workflows/s, task transitions/s, p50/p99 latency from pickup
of the start message to workflow COMPLETED, and peak RSS. In the same run it measures the
floor (a plain faust agent writing one table value per message on the same topic and
settings) and prints our rate divided by the floor. ``--repeat K`` runs the pair K times and
prints the median ratio with its range: on a shared machine one pair can be 20 % off.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import uuid

from benchmarks._harness import (
    RunResult,
    broker,
    create_topic,
    produce,
    run_worker,
    side_process,
)
from benchmarks._scale import SIZES, run_scale, scale_table
from benchmarks._scenarios import SCENARIOS, STANDARD_SET


def _table(results: list[RunResult], floor: RunResult | None) -> str:
    lines = [
        "| run | completed | per s | transitions/s | p50 ms | p99 ms | CPU µs/unit "
        "| peak RSS MB | x floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ratio = f"{r.rate / floor.rate:.2f}" if floor and floor.rate and r is not floor else "-"
        lines.append(
            f"| {r.name} | {r.completed} | {r.rate:,.0f} | {r.transition_rate:,.0f} | "
            f"{r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.cpu_us_per_unit:,.0f} | "
            f"{r.peak_rss_mb:.0f} | {ratio} |"
        )
    return "\n".join(lines)


async def _run(scenario: str, workflows: int | None, broker_url: str | None) -> list[RunResult]:
    spec = SCENARIOS[scenario]
    n = workflows or spec.default_workflows
    results: list[RunResult] = []
    async with broker(broker_url) as url:
        floor_topic = f"bench-floor-{uuid.uuid4().hex[:6]}"
        engine_topic = f"bench-{scenario}-{uuid.uuid4().hex[:6]}"
        # Every topic the workers use, with one partition (the broker would auto-create 4).
        engine_topics = [engine_topic] + [
            f"{engine_topic}-{t}" for t in ("tasks", "orders", "ready")
        ]
        for topic in (floor_topic, *engine_topics):
            await create_topic(url, topic)
        messages = [(f"wf-{i}".encode(), json.dumps({"i": i}).encode()) for i in range(n)]
        print(f"{scenario}: {n} workflows on {url}", file=sys.stderr)
        if spec.with_floor:
            await produce(url, floor_topic, messages)
            env = {"BENCH_BROKER": url, "BENCH_TOPIC": floor_topic}
            results.append(await run_worker("floor", "benchmarks._floor_app", env, n, 300))
        await produce(url, engine_topic, messages)
        env = {"BENCH_BROKER": url, "BENCH_TOPIC": engine_topic, "BENCH_SCENARIO": scenario}
        with contextlib.ExitStack() as services:
            if spec.replier:
                services.enter_context(side_process("benchmarks._replier_app", env))
            results.append(await run_worker(scenario, "benchmarks._engine_app", env, n, 600))
    return results


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run one scenario")
    run.add_argument("scenario", choices=sorted(SCENARIOS))
    run.add_argument("--workflows", type=int, default=None)
    run.add_argument("--broker", default=None, help="kafka://host:port (default: start one)")
    run.add_argument("--repeat", type=int, default=1, help="run the floor and the scenario K times")
    run.add_argument(
        "--sizes", default=None, help="scale: comma-separated store sizes (default 1k,10k,100k)"
    )
    all_ = sub.add_parser("run-all", help="run the standard set")
    all_.add_argument("--workflows", type=int, default=None)
    all_.add_argument("--broker", default=None)
    args = parser.parse_args()
    names = [args.scenario] if args.command == "run" else list(STANDARD_SET)
    for name in names:
        if name == "scale":
            given = getattr(args, "sizes", None)
            sizes = tuple(int(x) for x in given.split(",")) if given else SIZES
            print(f"\n### scale\n\n{scale_table(asyncio.run(run_scale(sizes, args.broker)))}\n")
            continue
        ratios = []
        for _ in range(max(1, getattr(args, "repeat", 1))):
            results = asyncio.run(_run(name, args.workflows, args.broker))
            floor = next((r for r in results if r.name == "floor"), None)
            print(f"\n### {name}\n\n{_table(results, floor)}\n")
            extra = SCENARIOS[name].describe(results)
            if extra:
                print(extra)
            if floor is not None and floor.rate:
                ratios.append(results[-1].rate / floor.rate)
        if len(ratios) > 1:
            print(
                f"{name}: x floor median {statistics.median(ratios):.2f} over {len(ratios)} "
                f"runs (min {min(ratios):.2f}, max {max(ratios):.2f})\n"
            )


if __name__ == "__main__":
    main()
