"""What the CLI makes of workflow instances, as the web API renders them: summary rows, the
merge of several workers' lists, the workflow's tree of processes and tasks. Pure data, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Record = Mapping[str, Any]


def status_code(record: Record) -> str:
    """A workflow's or task's status code (``EXECUTING``, ...); ``?`` if it has none."""
    status = record.get("status")
    if isinstance(status, Mapping):
        return str(status.get("code") or "?")
    return str(status) if status else "?"


def epoch(record: Record, name: str) -> int:
    """A time field in epoch seconds (``0``: not yet, or absent)."""
    try:
        return int(record.get(name) or 0)
    except (TypeError, ValueError):
        return 0


@dataclass
class Node:
    """One node of a workflow's tree: its record and its children, in the order they run."""

    record: Record
    children: list[Node] = field(default_factory=list)

    def walk(self) -> Iterable[Node]:
        """This node, then every node below it, depth first, in order."""
        yield self
        for child in self.children:
            yield from child.walk()


def _chain(start: Any, tasks: Mapping[str, Record]) -> list[str]:
    """The ids reached from ``start`` along ``next_dags``, depth first, each once."""
    order: list[str] = []
    stack = [str(start)]
    while stack:
        task_id = stack.pop()
        if task_id in order or task_id not in tasks:
            continue
        order.append(task_id)
        stack.extend(str(n) for n in reversed(tasks[task_id].get("next_dags") or []))
    return order


def build_tree(instance: Record) -> Node:
    """The workflow as a tree: processes (``root_dag`` then ``next_dags``) under the workflow,
    their tasks under them, a parallel composite's children (``parallel_child_task_list``)
    under it. Tasks reached no way are placed under their ``parent_id`` (or the workflow)."""
    tasks: dict[str, Record] = {str(k): v for k, v in (instance.get("tasks") or {}).items()}
    placed: set[str] = set()

    def grow(record: Record) -> Node:
        node = Node(record)
        own_id = str(record.get("id"))
        ids = _chain(record["root_dag"], tasks) if record.get("root_dag") else []
        ids += [str(c) for c in record.get("parallel_child_task_list") or []]
        ids += sorted(
            (i for i, t in tasks.items() if str(t.get("parent_id")) == own_id),
            key=lambda i: epoch(tasks[i], "time_created"),
        )
        for task_id in ids:
            if task_id in tasks and task_id not in placed and task_id != own_id:
                placed.add(task_id)
                node.children.append(grow(tasks[task_id]))
        return node

    root = grow(instance)
    for task_id, record in tasks.items():  # anything left: under the workflow, not lost
        if task_id not in placed:
            placed.add(task_id)
            root.children.append(grow(record))
    return root


def _is_leaf(node: Node) -> bool:
    return node.record.get("task_type") == "LEAF" or (
        not node.children and node.record.get("task_type") not in ("ROOT", "SUB_DAG")
    )


def current_task(instance: Record) -> Record | None:
    """The first EXECUTING leaf task, in the order the workflow runs them; else the leaf task
    that ran last (latest completion or update); ``None`` if no task has run yet."""
    leaves = [n.record for n in build_tree(instance).walk() if _is_leaf(n)]
    for leaf in leaves:
        if status_code(leaf) == "EXECUTING":
            return leaf
    ran = [(i, leaf) for i, leaf in enumerate(leaves) if status_code(leaf) != "NOT_STARTED"]
    if not ran:
        return None
    _, last = max(
        ran,
        key=lambda pair: (
            max(epoch(pair[1], "time_completed"), epoch(pair[1], "lastupdated")),
            pair[0],
        ),
    )
    return last


@dataclass(frozen=True)
class Row:
    """One line of ``dagger instances list``."""

    id: str
    template: str
    status: str
    created: int
    last_updated: int
    current_task: Record | None
    url: str

    def to_json(self) -> dict[str, Any]:
        """The row as ``--json`` prints it (times in epoch seconds, 0 = not yet)."""
        task = self.current_task
        return {
            "id": self.id,
            "template": self.template,
            "status": self.status,
            "created": self.created,
            "last_updated": self.last_updated,
            "current_task": None
            if task is None
            else {
                "id": str(task.get("id")),
                "name": str(task.get("task_name")),
                "status": status_code(task),
            },
            "url": self.url,
        }


def summarize(instance: Record, url: str) -> Row:
    """The summary row of one workflow instance served by the worker at ``url``."""
    return Row(
        id=str(instance.get("id")),
        template=str(instance.get("template_name") or instance.get("task_name") or "?"),
        status=status_code(instance),
        created=epoch(instance, "time_created"),
        last_updated=epoch(instance, "lastupdated"),
        current_task=current_task(instance),
        url=url,
    )


def merge(listings: Iterable[tuple[str, list[Record]]], limit: int) -> list[Row]:
    """Several workers' lists as one: each workflow once, newest update first, at most
    ``limit`` rows. A workflow two workers return (a rebalance in between) keeps the row
    with the later update."""
    best: dict[str, Row] = {}
    for url, instances in listings:
        for instance in instances:
            row = summarize(instance, url)
            known = best.get(row.id)
            if known is None or row.last_updated > known.last_updated:
                best[row.id] = row
    rows = sorted(best.values(), key=lambda r: (-r.last_updated, -r.created, r.id))
    return rows[:limit]
