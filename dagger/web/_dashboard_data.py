"""What the dashboard's JSON endpoints answer, independent of the web framework.

The dashboard (:mod:`dagger.web._dashboard`) lists the same workflows as the web API
(:mod:`dagger.web._handlers`) and reshapes them for its pages:

- :func:`list_rows`: one compact row per workflow (id, template, status, times, current task)
  instead of the whole representation, so a page of 100 workflows stays small;
- :func:`summary`: the number of workflows per status and per template;
- :func:`task_kinds`: what each task of a loaded workflow is (``listener``, ``decision``...),
  which the instance page needs to draw it and which the JSON alone does not say (the type
  tag names the user's own class).

Where rows and counts come from. A runtime that keeps workflow summaries (``FaustRuntime``:
:class:`SummaryReader`, see :mod:`dagger.store._summary`) answers both from memory: no stored
record is read or decoded on the worker's event loop, and every owned workflow is counted.
Otherwise (a runtime without summaries, such as the in-memory test runtimes, or summaries
not ready because no assignment was seen yet) the stored records are decoded: the page's as
``/tasks/instances`` does, and at most :data:`SUMMARY_SCAN_LIMIT` of them for the counts
(:func:`summarize`; the answer says when it stopped early).

Also :func:`actions_enabled` (whether the pages show Stop and Retry) and :func:`cors_origin`
(the opt-in ``Access-Control-Allow-Origin``); the token rule is the web API's
(:mod:`dagger.web._auth`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from dagger.core.status import TaskStatusEnum
from dagger.store._summary import Summary, current_task_of
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

#: Without workflow summaries, the counts walk at most this many stored workflows (one JSON
#: decode each), so a poll of the dashboard costs a bounded amount of work on a large store.
#: Counts read from the summaries are never bounded (``truncated`` is then false).
SUMMARY_SCAN_LIMIT = 10_000


@runtime_checkable
class SummaryReader(Protocol):
    """What the dashboard reads of a runtime that keeps workflow summaries (``FaustRuntime``
    has it; optional, like ``page_workflows`` for :func:`~dagger.web._handlers.list_instances`).
    Both answer ``None`` while the summaries are not known complete."""

    async def summary_page(
        self, *, status: str | None, template: str | None, offset: int, limit: int
    ) -> Sequence[Summary] | None:
        """The summaries of one ``/tasks/instances`` page, in the same order."""

    async def count_workflows(self) -> Mapping[tuple[str | None, str | None], int] | None:
        """How many workflows this worker holds with each ``(status, template)``."""


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
    failed), named without the template's prefix; ``None`` when there is none. The same rule
    gives a workflow summary's ``current_task``."""
    return current_task_of(workflow)


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


def summary_row(summary: Summary) -> dict[str, Any]:
    """The list page's row of one workflow summary (the same as :func:`row` of the workflow)."""
    return {
        "id": summary.id,
        "template": summary.template,
        "status": "" if summary.status is None else summary.status,
        "created": summary.created or 0,
        "updated": summary.updated or 0,
        "current_task": summary.current_task,
    }


def _summaries(runtime: object) -> SummaryReader | None:
    return runtime if isinstance(runtime, SummaryReader) else None


async def list_rows(runtime: WorkflowListing, query: InstancesQuery) -> dict[str, Any]:
    """One page of rows, like ``/tasks/instances`` with the same query, and whether more
    follow: from the runtime's summaries when it has them, else from the decoded page."""
    rows: list[dict[str, Any]] | None = None
    reader = _summaries(runtime)
    if reader is not None:
        page = await reader.summary_page(
            status=query.status,
            template=query.template,
            offset=query.offset,
            limit=query.limit + 1,
        )
        rows = None if page is None else [summary_row(s) for s in page]
    if rows is None:
        probe = query.model_copy(update={"limit": query.limit + 1})
        rows = [row(w) for w in await list_instances(runtime, probe)]
    return {
        "rows": rows[: query.limit],
        "offset": query.offset,
        "limit": query.limit,
        "more": len(rows) > query.limit,
    }


async def summary(runtime: WorkflowListing, scan_limit: int = SUMMARY_SCAN_LIMIT) -> dict[str, Any]:
    """``/dashboard/api/summary``: the counts of every workflow from the runtime's summaries
    when it has them (:func:`count_summaries`), else of a bounded scan (:func:`summarize`)."""
    reader = _summaries(runtime)
    counts = None if reader is None else await reader.count_workflows()
    if counts is not None:
        return count_summaries(counts, scan_limit)
    return summarize(runtime.iter_workflows(), scan_limit)


def _answer(
    statuses: Counter[str], templates: Counter[str], total: int, truncated: bool, scan_limit: int
) -> dict[str, Any]:
    return {
        "total": total,
        "statuses": dict(statuses),
        "templates": dict(sorted(templates.items())),
        "truncated": truncated,
        "scan_limit": scan_limit,
    }


def _every_status() -> Counter[str]:
    return Counter({member.name: 0 for member in TaskStatusEnum})


def count_summaries(
    counts: Mapping[tuple[str | None, str | None], int], scan_limit: int = SUMMARY_SCAN_LIMIT
) -> dict[str, Any]:
    """The counts per status and per template of every summarized workflow, in the shape of
    :func:`summarize` (never ``truncated``; ``scan_limit`` bounds only the fallback scan)."""
    statuses, templates = _every_status(), Counter[str]()
    for (status, template), count in counts.items():
        # Keyed as the scan keys a decoded record: a missing status is "", a template str().
        statuses["" if status is None else status] += count
        templates[str(template)] += count
    return _answer(statuses, templates, sum(counts.values()), False, scan_limit)


def summarize(
    workflows: Iterable[tuple[int, Any, bytes]], scan_limit: int = SUMMARY_SCAN_LIMIT
) -> dict[str, Any]:
    """Counts per status and per template of at most ``scan_limit`` stored workflows (the
    fallback of :func:`summary`: one JSON decode each)."""
    statuses, templates = _every_status(), Counter[str]()
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
    return _answer(statuses, templates, scanned, truncated, scan_limit)


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
