"""A tiny benchmark run, so the benchmark harness cannot rot (numbers are not checked)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from dagger.devbroker import DevBroker

ROOT = Path(__file__).resolve().parents[2]


def test_chain10_smoke_run_reports_the_engine_and_the_floor(dev_broker: DevBroker) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "chain10", "--workflows", "20"]
        + ["--broker", dev_broker.url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {m[0]: m[1] for m in re.findall(r"^\| (floor|chain10) \| (\d+) \|", done.stdout, re.M)}
    assert rows == {"floor": "20", "chain10": "20"}, done.stdout
    assert re.search(r"^\| chain10 \|.*\| \d+\.\d\d \|$", done.stdout, re.M), done.stdout


def test_readme_pattern_smoke_run_reports_its_ratio_over_repeats(dev_broker: DevBroker) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "chain10-readme", "--workflows", "20"]
        + ["--repeat", "2", "--broker", dev_broker.url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    rows = re.findall(r"^\| chain10-readme \| 20 \|.*\| (\d+\.\d\d) \|$", done.stdout, re.M)
    assert len(rows) == 2, done.stdout
    summary = re.search(
        r"^chain10-readme: x floor median (\d+\.\d\d) over 2 runs \(min (\S+), max (\S+)\)$",
        done.stdout,
        re.M,
    )
    assert summary, done.stdout
    low, high = sorted(float(r) for r in rows)
    assert float(summary[2]) == low and float(summary[3]) == high, done.stdout


def test_scale_smoke_run_fills_lists_restarts_and_recovers(dev_broker: DevBroker) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "scale", "--sizes", "40"]
        + ["--broker", dev_broker.url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    row = re.search(r"^\| 40 \|(.*)\|$", done.stdout, re.M)
    assert row, done.stdout
    cells = [c.strip() for c in row.group(1).split("|")]
    recovery_s = float(cells[-2])
    assert recovery_s > 0, done.stdout  # the worker came back with every waiting workflow
