"""Start and stop the Tansu process, and make sure it never outlives this Python process.

Three safety nets, so that tests and demos never leak a broker:

1. The broker runs in its own process group (``start_new_session``); stopping signals the group.
2. An ``atexit`` hook stops every broker this process started and has not stopped yet.
3. On Linux the broker gets ``PR_SET_PDEATHSIG`` = SIGKILL, so it dies with its parent even
   when the parent is killed with SIGKILL (where ``atexit`` cannot run). That signal follows
   the thread that forked the broker, so it is only set when the broker is started from the
   main thread.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

#: Environment variables Tansu reads as defaults for its flags; a stray one from the caller's
#: environment must not change how the development broker runs.
_TANSU_ENV = (
    "CLUSTER_ID",
    "LISTENER_URL",
    "ADVERTISED_LISTENER_URL",
    "STORAGE_ENGINE",
    "SCHEMA_REGISTRY",
)

_PR_SET_PDEATHSIG = 1

_live: set[BrokerProcess] = set()
_live_lock = threading.Lock()


def _parent_death_hook() -> Callable[[], None] | None:
    """A ``preexec_fn`` that makes the child die with this process, where that is possible."""
    if not sys.platform.startswith("linux"):
        return None
    if threading.current_thread() is not threading.main_thread():
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, not in the child
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the hook ran
            os._exit(1)

    return hook


def port_is_free(host: str, port: int) -> bool:
    """Whether ``host:port`` can be bound right now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def pick_free_port(host: str) -> int:
    """A TCP port on ``host`` that nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def accepts_connections(host: str, port: int, timeout: float = 0.2) -> bool:
    """Whether a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class BrokerProcess:
    """One running Tansu process (a thin wrapper over `subprocess.Popen`)."""

    def __init__(
        self,
        binary: str,
        *,
        host: str,
        port: int,
        advertised_host: str,
        log_file: str | os.PathLike[str] | None,
    ) -> None:
        self.port = port
        self.log_path = Path(log_file) if log_file is not None else None
        self._log: IO[bytes] = (
            self.log_path.open("ab") if self.log_path is not None else _anonymous_log()
        )
        env = {k: v for k, v in os.environ.items() if k not in _TANSU_ENV}
        env.setdefault("NO_COLOR", "1")
        args = [
            binary,
            "broker",
            "--listener-url",
            f"tcp://{_url_host(host)}:{port}",
            "--advertised-listener-url",
            f"tcp://{_url_host(advertised_host)}:{port}",
            "--storage-engine",
            "memory://tansu/",
        ]
        try:
            self.popen = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
                preexec_fn=_parent_death_hook(),
            )
        except BaseException:
            self._log.close()
            raise
        with _live_lock:
            _live.add(self)

    @property
    def pid(self) -> int:
        """The broker's process id (also its process group id)."""
        return self.popen.pid

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.popen.poll() is None

    def output_tail(self, limit: int = 2000) -> str:
        """The last ``limit`` characters the broker printed (for error messages)."""
        with contextlib.suppress(OSError, ValueError):
            self._log.flush()
            if self.log_path is not None:
                data = self.log_path.read_bytes()
            else:
                self._log.seek(0)
                data = self._log.read()
            return data[-limit:].decode("utf-8", "replace").strip()
        return ""

    def signal_group(self, sig: signal.Signals) -> None:
        """Send ``sig`` to the broker's process group."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, sig)

    def begin_stop(self) -> None:
        """Ask the broker to stop (SIGTERM); returns at once."""
        if self.alive():
            self.signal_group(signal.SIGTERM)

    def finish_stop(self) -> None:
        """Make sure the broker is gone (SIGKILL if needed) and release resources."""
        if self.alive():
            self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5.0)
        with contextlib.suppress(OSError):
            self._log.close()
        with _live_lock:
            _live.discard(self)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL."""
        self.begin_stop()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=timeout)
        self.finish_stop()


def _anonymous_log() -> IO[bytes]:
    import tempfile

    return tempfile.TemporaryFile(prefix="dagger-devbroker-")


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


@atexit.register
def _stop_all() -> None:
    """Stop every broker this process started and did not stop."""
    with _live_lock:
        procs = list(_live)
    for proc in procs:
        proc.begin_stop()
    deadline = time.monotonic() + 2.0
    for proc in procs:
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.popen.wait(timeout=max(0.0, deadline - time.monotonic()))
        proc.finish_stop()
