"""Running the ``dagger`` console script as a subprocess, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tests.support.worker import PROJECT_ROOT, WorkerProcess

#: The console script pip installed next to this interpreter (``.venv/bin/dagger``).
DAGGER = Path(sys.executable).parent / "dagger"


def run_cli(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """``dagger ARGS...``; output captured as text. ``DAGGER_URL``/``DAGGER_TOKEN`` are unset
    unless ``env`` gives them, so the test's own environment cannot leak in."""
    base = {k: v for k, v in os.environ.items() if k not in ("DAGGER_URL", "DAGGER_TOKEN")}
    return subprocess.run(
        [str(DAGGER), *args],
        cwd=PROJECT_ROOT,
        env={**base, "COLUMNS": "250", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_json(*args: str) -> Any:
    """``dagger ARGS... --json``, which must succeed; its parsed output."""
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def url_of(worker: WorkerProcess) -> str:
    """The base URL of a worker's web API."""
    return f"http://127.0.0.1:{worker.web_port}"


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one ``error: ...`` line a failed command printed on stderr (and nothing else)."""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), done.stderr
    return lines[0]
