"""Checking a decoded workflow before it is stored: ids, status codes and references.

Decoding (``Record.loads``) checks each value against its field's type; a workflow read
from the tasks topic also has to hold together as a whole before the engine stores and
runs it: every id is a UUID, every status code is a :class:`TaskStatusEnum` name, and
every reference between nodes (``root_dag``, ``next_dags``, ``parent_id``,
``parallel_child_task_list``, the monitor ids, the keys of
``sensor_tasks_to_correletable_map``) points at a node the workflow holds, with no
cycle that would make the engine walk in circles. :func:`validate_workflow` raises
:class:`InvalidWorkflowError` (a :class:`RecordDecodeError`) naming the problems found.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeGuard
from uuid import UUID

from dagger.core.status import TaskStatus, TaskStatusEnum
from dagger.exceptions.exceptions import InvalidWorkflowError, RecordDecodeError

__all__ = ["InvalidWorkflowError", "RecordDecodeError", "validate_workflow"]

_CODES = frozenset(TaskStatusEnum.__members__)
#: Single-id fields naming another task of the workflow (when set).
_TASK_REFS = (
    "root_dag",
    "max_run_duration_monitor_task_id",
    "monitoring_task_id",
    "monitored_task_id",
)
#: List fields naming other tasks of the workflow.
_TASK_LISTS = ("next_dags", "parallel_child_task_list")
#: Problems listed in the error (a hostile workflow may have thousands).
_SHOWN = 10


def validate_workflow(workflow: Any) -> None:
    """Raise :class:`InvalidWorkflowError` unless ``workflow`` is consistent (see the module)."""
    problems = _problems(workflow)
    if problems:
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        raise InvalidWorkflowError(
            f"invalid workflow {_show(getattr(workflow, 'id', None))}: "
            f"{'; '.join(problems[:_SHOWN])}{more}"
        )


def _problems(workflow: Any) -> list[str]:
    problems: list[str] = []
    wid = getattr(workflow, "id", None)
    if not isinstance(wid, UUID):
        problems.append(f"its id {_show(wid)} is not a UUID")
    tasks = getattr(workflow, "tasks", None)
    if not isinstance(tasks, Mapping):
        problems.append(f"tasks is {type(tasks).__name__}, not an object of tasks by id")
        return problems
    # Ids as ints: ``UUID.__hash__`` is Python code, and a workflow's ids are looked up often.
    held: dict[int, Any] = {}
    for key, task in tasks.items():
        tid = getattr(task, "id", None)
        if not isinstance(key, UUID):
            problems.append(f"task key {_show(key)} is not a UUID")
        elif not isinstance(tid, UUID):
            problems.append(f"task {key} has the id {_show(tid)}, not a UUID")
        elif key.int != tid.int:
            problems.append(f"task {key} is stored under a key that is not its id ({tid})")
        elif tid == wid:
            problems.append(f"task {key} has the workflow's own id")
        else:
            held[key.int] = task
    nodes = [(workflow, "the workflow"), *((task, None) for task in held.values())]
    starts: dict[int, list[int]] = {}  # node -> the tasks it starts (root, successors, children)
    for node, name in nodes:
        problems.extend(_node_problems(node, name, wid, held))
        starts[node.id.int if name is None else -1] = _starts(node, held)
    for ref in getattr(workflow, "sensor_tasks_to_correletable_map", None) or ():
        if not _held(ref, held):
            problems.append(
                f"sensor_tasks_to_correletable_map has {_show(ref)}, not a task of the workflow"
            )
    problems.extend(_parent_loops(wid, held))
    looped = _looping_node(starts)
    if looped is not None:
        problems.append(
            f"task {UUID(int=looped)}: root_dag/next_dags/parallel_child_task_list loop back to it"
        )
    return problems


def _node_problems(node: Any, name: str | None, wid: Any, held: dict[int, Any]) -> Iterator[str]:
    label = _Label(node, name)
    status = getattr(node, "status", None)
    if not isinstance(status, TaskStatus):
        yield f"{label} has no status record"
    elif not isinstance(status.code, str) or status.code not in _CODES:
        yield f"{label} has the unknown status code {_show(status.code)}"
    parent = getattr(node, "parent_id", None)
    if parent is not None and parent != wid and not _held(parent, held):
        yield f"{label}: parent_id {_show(parent)} is neither the workflow nor one of its tasks"
    for field in _TASK_REFS:
        ref = getattr(node, field, None)
        if ref is not None and not _held(ref, held):
            yield f"{label}: {field} {_show(ref)} is not a task of the workflow"
    for field in _TASK_LISTS:
        for ref in getattr(node, field, None) or ():
            if not _held(ref, held):
                yield f"{label}: {field} holds {_show(ref)}, not a task of the workflow"


class _Label:
    """How a problem names its node (``task <id>``), written only when there is a problem."""

    __slots__ = ("node", "name")

    def __init__(self, node: Any, name: str | None) -> None:
        self.node, self.name = node, name

    def __str__(self) -> str:
        return self.name or f"task {self.node.id}"


def _starts(node: Any, held: dict[int, Any]) -> list[int]:
    refs = [getattr(node, "root_dag", None)]
    for field in _TASK_LISTS:
        refs.extend(getattr(node, field, None) or ())
    return [ref.int for ref in refs if _held(ref, held)]


def _parent_loops(wid: Any, held: dict[int, Any]) -> Iterator[str]:
    """Tasks whose ``parent_id`` chain comes back to itself instead of reaching the workflow."""
    settled: set[int] = set()  # tasks whose chain is known to end well
    for start in held:
        path: list[int] = []
        on_path: set[int] = set()
        current: int | None = start
        while current is not None and current not in settled:
            if current in on_path:
                yield f"task {UUID(int=current)}: its parent_id chain loops"
                break
            path.append(current)
            on_path.add(current)
            parent = getattr(held[current], "parent_id", None)
            current = parent.int if parent != wid and _held(parent, held) else None
        settled.update(path)


def _looping_node(starts: dict[int, list[int]]) -> int | None:
    """A node on a cycle of the start edges, or ``None`` (an iterative depth-first search)."""
    done: set[int] = set()
    for start in starts:
        if start in done:
            continue
        on_path = {start}
        stack = [(start, iter(starts[start]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
            elif child in on_path:
                return child
            elif child not in done:
                on_path.add(child)
                stack.append((child, iter(starts[child])))
    return None


def _held(ref: Any, held: dict[int, Any]) -> TypeGuard[UUID]:
    """Whether ``ref`` is the id of a task of the workflow."""
    return isinstance(ref, UUID) and ref.int in held


def _show(value: Any) -> str:
    text = str(value) if isinstance(value, UUID) else repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."
