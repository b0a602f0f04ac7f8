"""Run a worker as a subprocess, the way an operator would, and wait for it to be ready.

A worker is a plain script (``python path/to/app.py``; ``Dagger.main()`` runs a mode worker) or
a module (``python -m package.app``). Extra command-line arguments are passed as given, e.g.
``args=["worker", "-l", "info", "--web-port", str(port)]`` for a faust CLI app.

The worker learns its settings from the environment. Besides ``env``, every worker gets:

- ``DAGGER_WEB_PORT``: the web port the readiness probe polls (``web_port``);
- ``DAGGER_DATA_DIR``: a private data directory (``data_dir``);
- ``DAGGER_BROKER``: the broker URL, when ``broker`` is given;
- ``PYTHONPATH`` starting with the project root, and ``PYTHONUNBUFFERED=1``.

Output (stdout and stderr) goes to ``log_path``; a failure message includes its tail.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from tests.support.ports import free_port
from tests.support.processes import die_with_parent
from tests.support.waiting import async_wait_until, wait_until

__all__ = ["PROJECT_ROOT", "WorkerProcess", "free_port"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """One worker subprocess in its own process group, logging to a file.

    Args:
        module_or_script: a path to a ``.py`` file, or a dotted module name (run with ``-m``).
        args: extra command-line arguments.
        env: extra environment variables (on top of this process's environment).
        data_dir: the worker's data directory (default: a fresh temporary directory).
        web_port: the worker's web port (default: a free port).
        broker: the broker URL, exported as ``DAGGER_BROKER``.
        log_path: where output goes (default: ``worker.log`` beside ``data_dir``).
        cwd: working directory (default: the project root).
        start: start at once (default) or wait for :meth:`start`.
    """

    def __init__(
        self,
        module_or_script: str | os.PathLike[str],
        *,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        web_port: int | None = None,
        broker: str | None = None,
        log_path: str | os.PathLike[str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        start: bool = True,
    ) -> None:
        target = os.fspath(module_or_script)
        if target.endswith(".py") or os.sep in target:
            self.command = [sys.executable, target, *args]
        else:
            self.command = [sys.executable, "-m", target, *args]
        self.web_port = web_port if web_port is not None else free_port()
        if data_dir is None:
            data_dir = tempfile.mkdtemp(prefix="dagger-worker-")
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = (
            Path(log_path) if log_path is not None else self.data_dir.parent / "worker.log"
        )
        self.cwd = Path(cwd) if cwd is not None else PROJECT_ROOT
        pythonpath = os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        )
        self.env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": pythonpath,
            "DAGGER_WEB_PORT": str(self.web_port),
            "DAGGER_DATA_DIR": str(self.data_dir),
            **({"DAGGER_BROKER": broker} if broker else {}),
            **(env or {}),
        }
        self.popen: subprocess.Popen[bytes] | None = None
        self.starts = 0
        if start:
            self.start()

    # -- state --------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The worker's process id, once started."""
        return self.popen.pid if self.popen is not None else None

    @property
    def alive(self) -> bool:
        """Whether the worker process is running."""
        return self.popen is not None and self.popen.poll() is None

    @property
    def returncode(self) -> int | None:
        """The exit status once the worker has exited (negative: killed by that signal)."""
        return self.popen.poll() if self.popen is not None else None

    @property
    def ready_url(self) -> str:
        """The readiness endpoint of the worker's web server."""
        return f"http://127.0.0.1:{self.web_port}/service/ready"

    def log_text(self) -> str:
        """Everything the worker printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 60) -> str:
        """The last ``lines`` lines of the log."""
        return "\n".join(self.log_text().splitlines()[-lines:])

    def describe(self) -> str:
        """A one-paragraph state report for assertion messages."""
        state = "running" if self.alive else f"exited with {self.returncode}"
        return (
            f"worker {self.command[1:]} (pid {self.pid}, {state}); log {self.log_path}:\n"
            f"{self.log_tail()}"
        )

    def __repr__(self) -> str:
        return f"<WorkerProcess {self.command[1:]} pid={self.pid} port={self.web_port}>"

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> WorkerProcess:
        """Start the worker (again, after it exited: same settings, log appended)."""
        if self.alive:
            raise RuntimeError(f"{self!r} is already running")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.starts += 1
            log.write(f"=== start #{self.starts}: {' '.join(self.command)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.command,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=die_with_parent(),
            )
        return self

    def _check_ready(self, url: str) -> bool:
        if not self.alive:
            raise AssertionError(f"worker exited before it was ready: {self.describe()}")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                if response.status != 200:
                    return False
                body = json.loads(response.read() or b"{}")
        except (OSError, urllib.error.URLError, ValueError):
            return False
        return isinstance(body, dict) and body.get("is_ready") is True

    def wait_ready(self, url: str | None = None, timeout: float = 60.0) -> None:
        """Poll ``url`` (default :attr:`ready_url`) until it answers 200 ``{"is_ready": true}``.

        Raises ``AssertionError`` (with the log tail) on timeout or if the worker exits.
        """
        target = url or self.ready_url
        wait_until(
            lambda: self._check_ready(target),
            timeout=timeout,
            interval=0.2,
            message=lambda: f"{target} not ready: {self.describe()}",
        )

    async def async_wait_ready(self, url: str | None = None, timeout: float = 60.0) -> None:
        """:meth:`wait_ready` without blocking the event loop."""
        target = url or self.ready_url
        await async_wait_until(
            lambda: asyncio.to_thread(self._check_ready, target),
            timeout=timeout,
            interval=0.2,
            message=lambda: f"{target} not ready: {self.describe()}",
        )

    def wait_for_log(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        """Wait until the log matches the regular expression ``pattern``; return the match."""
        regex = re.compile(pattern)
        return wait_until(
            lambda: regex.search(self.log_text()),
            timeout=timeout,
            interval=0.1,
            message=lambda: f"log never matched {pattern!r}: {self.describe()}",
        )

    def kill(self) -> int | None:
        """SIGKILL the worker's process group (a crash); return the exit status."""
        return self._signal_and_wait(signal.SIGKILL, timeout=10.0)

    def terminate(self, timeout: float = 20.0) -> int | None:
        """SIGTERM (a clean shutdown), wait up to ``timeout`` s, then SIGKILL; return the status."""
        if not self.alive:
            return self.returncode
        try:
            return self._signal_and_wait(signal.SIGTERM, timeout=timeout)
        except subprocess.TimeoutExpired:
            return self.kill()

    def _signal_and_wait(self, sig: signal.Signals, timeout: float) -> int | None:
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.popen.pid, sig)
        return self.popen.wait(timeout=timeout)

    def close(self) -> None:
        """Stop the worker however it takes (SIGTERM, then SIGKILL); safe to call twice."""
        if self.popen is not None:
            self.terminate(timeout=10.0)

    def __enter__(self) -> WorkerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
