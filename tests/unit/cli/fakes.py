"""A fake HTTP layer for the CLI's unit tests: workers answering from dictionaries."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagger.cli._errors import Unreachable

Handler = Callable[[str, str, dict[str, str]], tuple[int, Any]]


@dataclass
class FakeWorkers:
    """Workers by base URL; each maps ``(method, path)`` to ``(status, JSON body)``.

    A URL with no entry does not answer. Every request is recorded in ``requests``.
    """

    routes: dict[str, dict[tuple[str, str], tuple[int, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def add(self, url: str, method: str, path: str, status: int, body: Any) -> None:
        """Make the worker at ``url`` answer ``method path`` (query string ignored)."""
        self.routes.setdefault(url, {})[(method, path)] = (status, body)

    def __call__(
        self, method: str, url: str, headers: Mapping[str, str], timeout: float
    ) -> tuple[int, bytes]:
        self.requests.append((method, url, dict(headers)))
        parts = urllib.parse.urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
        if base not in self.routes:
            raise Unreachable("Connection refused")
        status, body = self.routes[base].get((method, parts.path), (404, {"error": "no route"}))
        return status, (body if isinstance(body, bytes) else json.dumps(body).encode())


def task(
    task_id: str,
    name: str,
    status: str,
    *,
    parent: str,
    task_type: str = "LEAF",
    next_dags: list[str] | None = None,
    root_dag: str | None = None,
    updated: int = 0,
    completed: int = 0,
    **extra: Any,
) -> dict[str, Any]:
    """A task record as the web API renders it (the fields the CLI reads)."""
    return {
        "id": task_id,
        "task_name": name,
        "task_type": task_type,
        "parent_id": parent,
        "status": {"code": status, "value": status},
        "next_dags": next_dags or [],
        "root_dag": root_dag,
        "time_created": 100,
        "time_submitted": 100 if status != "NOT_STARTED" else 0,
        "time_completed": completed,
        "lastupdated": updated,
        "__faust": {"ns": f"app.{name.rsplit('.', 1)[-1].title()}Task"},
        **extra,
    }


def pizza(
    wid: str, *, status: str = "EXECUTING", updated: int = 200, created: int = 100
) -> dict[str, Any]:
    """A two-process workflow: Order (command, listener) then Delivery (executor)."""
    done = status == "COMPLETED"
    tasks = [
        task(
            "p1",
            "W.Order",
            "COMPLETED" if done else "EXECUTING",
            parent=wid,
            task_type="SUB_DAG",
            root_dag="t1",
            next_dags=["p2"],
        ),
        task(
            "t1",
            "W.Order.command",
            "COMPLETED",
            parent="p1",
            next_dags=["t2"],
            updated=110,
            completed=110,
        ),
        task(
            "t2",
            "W.Order.listener",
            "COMPLETED" if done else "EXECUTING",
            parent="p1",
            updated=120,
            completed=120 if done else 0,
        ),
        task(
            "p2",
            "W.Delivery",
            "COMPLETED" if done else "NOT_STARTED",
            parent=wid,
            task_type="SUB_DAG",
            root_dag="t3",
        ),
        task(
            "t3",
            "W.Delivery.deliver",
            "COMPLETED" if done else "NOT_STARTED",
            parent="p2",
            updated=130 if done else 0,
            completed=130 if done else 0,
        ),
    ]
    return {
        "id": wid,
        "task_name": "W",
        "template_name": "W",
        "task_type": "ROOT",
        "status": {"code": status, "value": status},
        "root_dag": "p1",
        "next_dags": [],
        "time_created": created,
        "time_submitted": created,
        "time_completed": 0,
        "lastupdated": updated,
        "tasks": {t["id"]: t for t in tasks},
    }
