"""What the dashboard's JSON endpoints answer, independent of the web framework.

The dashboard (:mod:`dagger.web._dashboard`) reads the same stored workflows as the web API
(:mod:`dagger.web._handlers`) and reshapes them for its pages:

- :func:`list_rows`: one compact row per workflow (id, template, status, times, current task)
  instead of the whole representation, so a page of 100 workflows stays small;
- :func:`summarize`: the number of workflows per status and per template, walking at most
  :data:`SUMMARY_SCAN_LIMIT` stored workflows (the answer says when it stopped early);
- :func:`task_kinds`: what each task of a loaded workflow is (``listener``, ``decision``...),
  which the instance page needs to draw it and which the JSON alone does not say (the type
  tag names the user's own class).

Also :func:`actions_enabled` (whether the pages show Stop and Retry) and :func:`cors_origin`
(the opt-in ``Access-Control-Allow-Origin``); the token rule is the web API's
(:mod:`dagger.web._auth`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dagger.core.status import TaskStatusEnum
from dagger.tasks._base import ITemplateDAGInstance
from dagger.tasks._composite import ParallelCompositeTask
from dagger.tasks._decision import DecisionTask
from dagger.tasks._executor import ExecutorTask, KafkaCommandTask
from dagger.tasks._listener import SensorTask
from dagger.tasks._nonleaf import IProcessTemplateDAGInstance
from dagger.tasks._timers import IntervalTask, MonitoringTask, TriggerTask
from dagger.web._handlers import WorkflowListing, list_instances
from dagger.web._models import InstancesQuery

logger = logging.getLogger("dagger.web")

#: A summary walks at most this many stored workflows (one JSON decode each), so a poll of
#: the dashboard costs a bounded amount of work on a large store.
SUMMARY_SCAN_LIMIT = 10_000

#: Most specific first: a listener is also a sensor, an interval also a trigger...
_KINDS: tuple[tuple[type, str], ...] = (
    (ITemplateDAGInstance, "workflow"),
    (IProcessTemplateDAGInstance, "process"),
    (ParallelCompositeTask, "parallel"),
    (DecisionTask, "decision"),
    (SensorTask, "listener"),
    (IntervalTask, "interval"),
    (MonitoringTask, "monitor"),
    (TriggerTask, "trigger"),
    (KafkaCommandTask, "command"),
    (ExecutorTask, "executor"),
)


def task_kind(task: Any) -> str:
    """What a task is, for drawing it: ``listener``, ``decision``, ``process``... or ``task``."""
    for cls, kind in _KINDS:
        if isinstance(task, cls):
            return kind
    return "task"


def task_kinds(workflow: Any) -> dict[str, str]:
    """The kind of every task of a loaded workflow, keyed like its representation's ``tasks``."""
    return {str(task_id): task_kind(task) for task_id, task in workflow.tasks.items()}


def _status_code(record: Mapping[str, Any]) -> str:
    status = record.get("status") or {}
    return str(status.get("code", "")) if isinstance(status, Mapping) else ""


def current_task(workflow: Mapping[str, Any]) -> str | None:
    """The task a workflow is at: its latest started EXECUTING leaf (a FAILURE one when it
    failed), named without the template's prefix; ``None`` when there is none."""
    wanted = "FAILURE" if _status_code(workflow) == "FAILURE" else "EXECUTING"
    tasks = workflow.get("tasks") or {}
    best: tuple[float, str] | None = None
    for task in tasks.values() if isinstance(tasks, Mapping) else ():
        if task.get("task_type") != "LEAF" or _status_code(task) != wanted:
            continue
        started = float(task.get("time_submitted") or task.get("time_created") or 0)
        name = str(task.get("task_name") or task.get("id"))
        if best is None or started >= best[0]:
            best = (started, name)
    if best is None:
        return None
    prefix = f"{workflow.get('template_name')}."
    return best[1].removeprefix(prefix)


def row(workflow: Mapping[str, Any]) -> dict[str, Any]:
    """The list page's row of one workflow representation."""
    return {
        "id": workflow.get("id"),
        "template": workflow.get("template_name"),
        "status": _status_code(workflow),
        "created": workflow.get("time_created") or 0,
        "updated": workflow.get("lastupdated") or 0,
        "current_task": current_task(workflow),
    }


def list_rows(runtime: WorkflowListing, query: InstancesQuery) -> dict[str, Any]:
    """One page of rows, like ``/tasks/instances`` with the same query, and whether more follow."""
    probe = query.model_copy(update={"limit": query.limit + 1})
    found = list_instances(runtime, probe)
    return {
        "rows": [row(w) for w in found[: query.limit]],
        "offset": query.offset,
        "limit": query.limit,
        "more": len(found) > query.limit,
    }


def summarize(
    workflows: Iterable[tuple[int, Any, bytes]], scan_limit: int = SUMMARY_SCAN_LIMIT
) -> dict[str, Any]:
    """Counts per status and per template of at most ``scan_limit`` stored workflows."""
    statuses: Counter[str] = Counter({member.name: 0 for member in TaskStatusEnum})
    templates: Counter[str] = Counter()
    scanned = 0
    truncated = False
    for partition, key, raw in workflows:
        if scanned >= scan_limit:
            truncated = True
            break
        scanned += 1
        try:
            data = json.loads(raw)
        except ValueError:
            logger.warning("skipping an undecodable workflow %s in partition %s", key, partition)
            continue
        statuses[_status_code(data)] += 1
        templates[str(data.get("template_name"))] += 1
    return {
        "total": scanned,
        "statuses": dict(statuses),
        "templates": dict(sorted(templates.items())),
        "truncated": truncated,
        "scan_limit": scan_limit,
    }


def actions_enabled(engine: Any) -> bool:
    """Whether the engine accepts stop/retry over the web (it has a ``web_token``)."""
    return bool(getattr(engine, "web_token", None))


def cors_origin(allowed: Sequence[str], origin: str | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for a request from ``origin``, or ``None``.

    ``allowed`` is the engine's ``web_cors_origins``: exact origins
    (``"http://worker-2:6066"``), or ``"*"`` for any.
    """
    if not origin or not allowed:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin.rstrip("/") in {a.rstrip("/") for a in allowed} else None
