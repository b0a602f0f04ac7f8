"""A small in-memory summary of every workflow a worker holds, for listing and filtering.

``GET /tasks/instances`` used to JSON-decode every stored workflow on the worker's event
loop for each request, so its cost grew with the store and stalled the workflows. The
runtime keeps one :class:`Summary` per workflow instead (id, template, status, created,
last updated, current task, ``update_count``) and listing reads only these, decoding just
the page it answers with. The dashboard's rows and counts (``/dashboard/api/...``) read
nothing else: its current task is the summary's (:func:`current_task_of`).

Where it comes from. The summaries are not written anywhere: each save and delete of the
runtime updates them, and a partition the worker starts to own is summarized again from
the kv table (:meth:`WorkflowSummaries.rebuild`) once its recovery from the changelog is
done. The kv table stays the only truth, so the summary can never disagree with it after
a crash, and a save costs no second changelog record (on the development broker every
record is its own produce batch, so a changelogged summary table would cost about as much
as the workflow's own write). The price is a scan of the kv table after each assignment,
done in slices that yield to the event loop; a listing that arrives before the scan is
done finishes it at once (reading every record for its own answer would cost as much).
"""

from __future__ import annotations

import bisect
import json
import logging
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger("dagger.store")


@dataclass(frozen=True, slots=True)
class Summary:
    """What listing needs of one workflow, without decoding it (``current_task``: see
    :func:`current_task_of`)."""

    id: str
    template: str | None
    status: str | None
    created: int | None
    updated: int | None
    current_task: str | None
    update_count: int


def _code(record: Mapping[str, Any]) -> str:
    status = record.get("status") or {}
    return str(status.get("code", "")) if isinstance(status, Mapping) else ""


def current_task_of(data: Mapping[str, Any]) -> str | None:
    """The task a workflow representation is at, as the dashboard shows it: its latest
    started EXECUTING leaf (the latest FAILURE one when the workflow failed; the later one in
    ``tasks`` order on a tie), named without the template's prefix; ``None`` when there is
    none. :func:`summarize` reads the same from a decoded workflow."""
    wanted = "FAILURE" if _code(data) == "FAILURE" else "EXECUTING"
    tasks = data.get("tasks")
    best: tuple[float, str] | None = None
    for task in tasks.values() if isinstance(tasks, Mapping) else ():
        if not isinstance(task, Mapping) or task.get("task_type") != "LEAF":
            continue
        if _code(task) != wanted:
            continue
        started = float(task.get("time_submitted") or task.get("time_created") or 0)
        if best is None or started >= best[0]:
            best = (started, str(task.get("task_name") or task.get("id")))
    if best is None:
        return None
    return best[1].removeprefix(f"{data.get('template_name')}.")


def summarize_data(data: dict[str, Any]) -> Summary:
    """The summary of a workflow's JSON representation (``to_representation`` shape)."""
    status = data.get("status")
    return Summary(
        id=str(data.get("id")),
        template=data.get("template_name"),
        status=status.get("code") if isinstance(status, dict) else None,
        created=data.get("time_created"),
        updated=data.get("lastupdated"),
        current_task=current_task_of(data),
        update_count=int(data.get("update_count") or 0),
    )


def summarize(workflow: Any) -> Summary:
    """The summary of a decoded workflow instance (read from its attributes; the current
    task by the rule of :func:`current_task_of`, which a unit test holds them to)."""
    status = workflow.status
    code = status.code if status is not None else None
    wanted = "FAILURE" if code == "FAILURE" else "EXECUTING"
    best: Any = None
    best_started = 0.0
    # Every save summarizes: one pass, the status first (most tasks are not in it).
    for task in workflow.tasks.values():
        if task.status.code != wanted or task.task_type != "LEAF":
            continue
        started = float(task.time_submitted or task.time_created or 0)
        if best is None or started >= best_started:
            best, best_started = task, started
    current = None
    if best is not None:
        name = str(best.task_name or best.id)
        current = name.removeprefix(f"{workflow.template_name}.")
    return Summary(
        id=str(workflow.id),
        template=workflow.template_name,
        status=str(code) if code is not None else None,
        created=workflow.time_created,
        updated=workflow.lastupdated,
        current_task=current,
        update_count=int(workflow.update_count),
    )


class _Partition:
    """The summaries of one partition, with their ids kept in key order (store order) and
    how many there are of each ``(status, template)`` (kept as they change, so counting
    them costs nothing however many there are)."""

    __slots__ = ("rows", "order", "ready", "deleted", "counts")

    def __init__(self) -> None:
        self.rows: dict[str, Summary] = {}
        self.order: list[str] = []
        self.ready = False
        #: Ids deleted while a rebuild runs, so the rebuild does not bring them back.
        self.deleted: set[str] = set()
        self.counts: Counter[tuple[str | None, str | None]] = Counter()

    def put(self, summary: Summary) -> None:
        replaced = self.rows.get(summary.id)
        if replaced is None:
            bisect.insort(self.order, summary.id)
        else:
            self._count(replaced, -1)
        self.rows[summary.id] = summary
        self._count(summary, 1)
        self.deleted.discard(summary.id)

    def remove(self, workflow_id: str) -> None:
        removed = self.rows.pop(workflow_id, None)
        if removed is not None:
            self._count(removed, -1)
            at = bisect.bisect_left(self.order, workflow_id)
            if at < len(self.order) and self.order[at] == workflow_id:
                del self.order[at]
        if not self.ready:
            self.deleted.add(workflow_id)

    def _count(self, summary: Summary, change: int) -> None:
        key = (summary.status, summary.template)
        left = self.counts[key] + change
        if left:
            self.counts[key] = left
        else:
            del self.counts[key]


class WorkflowSummaries:
    """The summaries of the workflows in each owned partition."""

    #: Records read between two yields to the event loop while rebuilding.
    REBUILD_SLICE = 500

    def __init__(self) -> None:
        self._partitions: dict[int, _Partition] = {}

    def _part(self, partition: int) -> _Partition:
        part = self._partitions.get(partition)
        if part is None:
            part = self._partitions[partition] = _Partition()
        return part

    def put(self, partition: int, summary: Summary) -> None:
        """Record (or replace) a workflow's summary after its save."""
        self._part(partition).put(summary)

    def remove(self, partition: int, workflow_id: str) -> None:
        """Forget a deleted workflow."""
        self._part(partition).remove(workflow_id)

    def get(self, workflow_id: str) -> tuple[int, Summary] | None:
        """``(partition, summary)`` of a workflow, if a summarized partition holds it."""
        for partition, part in self._partitions.items():
            found = part.rows.get(workflow_id)
            if found is not None:
                return partition, found
        return None

    def keep_only(self, kept: set[int]) -> None:
        """Drop the partitions this worker no longer owns (after a rebalance)."""
        for partition in [p for p in self._partitions if p not in kept]:
            del self._partitions[partition]

    def is_ready(self, partitions: Iterable[int]) -> bool:
        """Whether every one of these partitions has been summarized."""
        return all(p in self._partitions and self._partitions[p].ready for p in partitions)

    def needs_rebuild(self, partition: int) -> bool:
        """Whether a partition has not been summarized since it was assigned."""
        part = self._partitions.get(partition)
        return part is None or not part.ready

    def rebuild_slices(self, partition: int, items: Iterator[tuple[str, bytes]]) -> Iterator[int]:
        """Summarize a partition from its kv records; yields after each slice of records
        (the caller gives the event loop a turn there). Summaries saved while it runs win
        over the older records it reads, and workflows deleted meanwhile stay deleted."""
        part = self._part(partition)
        part.ready = False
        count = 0
        for key, raw in items:
            if key not in part.rows and key not in part.deleted:
                try:
                    data = json.loads(raw)
                    part.put(summarize_data(data))
                except (ValueError, AttributeError, TypeError):
                    logger.warning(
                        "workflow %s in partition %s cannot be summarized; it is not listed",
                        key,
                        partition,
                    )
            count += 1
            if count % self.REBUILD_SLICE == 0:
                yield count
        part.ready = True
        part.deleted.clear()
        yield count

    #: Summaries looked at between two yields of :meth:`page_slices`.
    SCAN_SLICE = 2_000

    def page_slices(
        self,
        partitions: Iterable[int],
        found: list[tuple[int, str]],
        *,
        status: str | None,
        template: str | None,
        offset: int,
        limit: int,
    ) -> Iterator[None]:
        """Fill ``found`` with ``(partition, workflow id)`` of the page a listing asks for,
        in store order, yielding after every :data:`SCAN_SLICE` summaries looked at (the
        caller gives the event loop a turn there, so a filter that matches few of 100,000
        workflows does not hold the loop for the whole scan).

        A partition's ids are kept sorted, so after a yield the scan resumes just after
        the last id it looked at: saves and deletes made while the caller was suspended
        neither repeat nor skip a workflow (one deleted meanwhile is left out)."""
        skipped = 0
        looked = 0
        for partition in partitions:
            part = self._partitions.get(partition)
            if part is None:
                continue
            at = 0
            while at < len(part.order):
                workflow_id = part.order[at]
                at += 1
                looked += 1
                row = part.rows[workflow_id]
                if (status is None or row.status == status) and (
                    template is None or row.template == template
                ):
                    if skipped < offset:
                        skipped += 1
                    else:
                        found.append((partition, workflow_id))
                        if len(found) >= limit:
                            return
                if looked % self.SCAN_SLICE == 0:
                    yield None
                    part = self._partitions.get(partition)
                    if part is None:  # no longer owned
                        break
                    at = bisect.bisect_right(part.order, workflow_id)

    def summary(self, partition: int, workflow_id: str) -> Summary | None:
        """The summary of a workflow in a partition (``None`` when it holds none)."""
        part = self._partitions.get(partition)
        return None if part is None else part.rows.get(workflow_id)

    def counts(self, partitions: Iterable[int]) -> dict[tuple[str | None, str | None], int]:
        """How many workflows of these partitions have each ``(status, template)``, from
        counts kept as the summaries change: no walk, no stored record read."""
        found: Counter[tuple[str | None, str | None]] = Counter()
        for partition in partitions:
            part = self._partitions.get(partition)
            if part is not None:
                found.update(part.counts)
        return dict(found)

    def __len__(self) -> int:
        return sum(len(part.rows) for part in self._partitions.values())
