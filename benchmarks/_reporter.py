"""What a benchmark worker process reports back to the harness (files, not sockets)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any


class Reporter:
    """Counts completions and latencies in a worker; writes progress and the final result.

    The harness reads ``<result>.progress`` while the run goes on and ``<result>`` at the end.
    """

    def __init__(self, result_path: str, expected: int) -> None:
        self.result_path = Path(result_path)
        self.progress_path = Path(f"{result_path}.progress")
        self.expected = expected
        self.completed = 0
        #: Start messages picked up: more than expected means some were delivered again.
        self.picked = 0
        self.transitions = 0
        self.first_start: float | None = None
        self.first_cpu = 0.0
        self.last_done: float | None = None
        self.latencies: list[float] = []
        self._last_progress = 0.0

    def started(self) -> None:
        """Call when a start message is picked up."""
        self.picked += 1
        if self.first_start is None:
            self.first_start = time.time()
            self.first_cpu = time.process_time()

    def done(self, latency: float, transitions: int = 0) -> None:
        """Call once per completed unit of work (a workflow, or a floor write)."""
        self.completed += 1
        self.transitions += transitions
        self.latencies.append(latency)
        now = time.time()
        self.last_done = now
        if now - self._last_progress > 0.25 or self.completed == self.expected:
            self._last_progress = now
            self.progress_path.write_text(str(self.completed))
        if self.completed == self.expected:
            self.finish()

    def finish(self, **extra: Any) -> None:
        """Write the result file atomically."""
        result = {
            "completed": self.completed,
            "picked": self.picked,
            "transitions": self.transitions,
            "first_start": self.first_start,
            "last_done": self.last_done,
            "cpu_seconds": time.process_time() - self.first_cpu,
            "latencies": self.latencies,
            **extra,
        }
        tmp = self.result_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(result))
        os.replace(tmp, self.result_path)
