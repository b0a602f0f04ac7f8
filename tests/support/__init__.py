"""Helpers for the test suite: waiting with deadlines, worker subprocesses, ports, names."""

from tests.support.ids import unique_name
from tests.support.ports import free_port, port_open
from tests.support.waiting import async_wait_until, wait_until
from tests.support.worker import WorkerProcess

__all__ = [
    "WorkerProcess",
    "async_wait_until",
    "free_port",
    "port_open",
    "unique_name",
    "wait_until",
]
