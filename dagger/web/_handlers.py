"""What the web endpoints answer, independent of the web framework.

JSON shapes:

- ``GET /service/ready`` -> ``{"is_ready": true|false}``.
- ``GET /tasks/instances?status=&template=&limit=&offset=`` -> a JSON list of workflow
  instances, each the ``to_representation()`` of an ``ITemplateDAGInstance``: every record
  field (``id``, ``template_name``, ``status`` as ``{"code": ..., "value": ...}``,
  ``runtime_parameters``, ``update_count``, ``tasks`` keyed by task id string, each task a
  representation of its own, ...) plus the type tag ``"__faust": {"ns": ...}``. Only the
  workflows held by this worker's partitions are listed, in store order; at most ``limit``
  (default 100, at most 1000) after skipping ``offset`` (at most 100000). 400 for invalid
  parameters.
- ``GET /tasks/instance/{id}`` -> one workflow instance in the same shape; 404
  ``{"error": ...}`` when this worker does not hold it, 400 when ``id`` is not a UUID.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from uuid import UUID

from dagger.core.record import FORMAT_KEY, FORMAT_VERSION
from dagger.web._models import InstancesQuery, ValidationError

logger = logging.getLogger("dagger.web")


class WorkflowListing(Protocol):
    """What the handlers read of the engine's runtime (``FaustRuntime`` has it)."""

    def iter_workflows(self) -> Iterable[tuple[int, Any, bytes]]:
        """``(partition, workflow id, raw bytes)`` of every workflow this worker holds."""

    async def load_workflow(self, workflow_id: UUID | str) -> Any:
        """The stored workflow, or ``None`` when this worker does not hold it."""


class BadRequest(ValueError):
    """The request's parameters are invalid (answered with 400)."""


def parse_instances_query(params: Mapping[str, str]) -> InstancesQuery:
    """Validate the query string of ``/tasks/instances``."""
    try:
        wanted = {k: v for k, v in params.items() if k in InstancesQuery.model_fields}
        return InstancesQuery.model_validate(wanted)
    except ValidationError as exc:
        raise BadRequest(_describe(exc)) from exc


def _describe(exc: ValidationError) -> str:
    """``"<parameter>: <problem>; ..."``, without pydantic's model name and doc links."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ())) or "query"
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    return "; ".join(problems)


#: How every stored workflow record ends (``Record.dumps`` writes the format key last): a
#: listing answers the record's own bytes without it instead of decoding and encoding it.
_FORMAT_TAIL = f",{json.dumps(FORMAT_KEY)}:{FORMAT_VERSION}}}".encode()


async def instances_json(runtime: WorkflowListing, query: InstancesQuery) -> bytes:
    """The JSON body of ``/tasks/instances``: the page of workflow representations the
    query asks for (see the module docstring).

    A runtime that keeps workflow summaries (``page_workflows``) chooses the page from them
    and answers each workflow's stored JSON as it is (no decoding: a page costs little on
    the worker's event loop whatever the store's size); otherwise every stored record is
    decoded until the page is full.
    """
    pager = getattr(runtime, "page_workflows", None)  # optional: FaustRuntime has it
    page = None
    if pager is not None:
        page = await pager(
            status=query.status, template=query.template, offset=query.offset, limit=query.limit
        )
    if page is None:
        return json.dumps(_scan(runtime, query), separators=(",", ":")).encode()
    parts = (_representation_json(p, k, raw) for p, k, raw in page)
    return b"[" + b",".join(part for part in parts if part is not None) + b"]"


async def list_instances(runtime: WorkflowListing, query: InstancesQuery) -> list[dict[str, Any]]:
    """The page of ``/tasks/instances`` as decoded representations."""
    listed: list[dict[str, Any]] = json.loads(await instances_json(runtime, query))
    return listed


def _representation_json(partition: int, key: Any, raw: bytes) -> bytes | None:
    if raw.endswith(_FORMAT_TAIL):
        return raw[: -len(_FORMAT_TAIL)] + b"}"
    data = _decoded(partition, key, raw)  # not written by Record.dumps: check it
    return None if data is None else json.dumps(data, separators=(",", ":")).encode()


def _scan(runtime: WorkflowListing, query: InstancesQuery) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    skipped = 0
    for partition, key, raw in runtime.iter_workflows():
        data = _decoded(partition, key, raw)
        if data is None or not query.matches(data):
            continue
        if skipped < query.offset:
            skipped += 1
            continue
        out.append(data)
        if len(out) >= query.limit:
            break
    return out


def _decoded(partition: int, key: Any, raw: bytes) -> dict[str, Any] | None:
    try:
        data: dict[str, Any] = json.loads(raw)
    except ValueError:
        logger.warning("skipping an undecodable workflow %s in partition %s", key, partition)
        return None
    if not isinstance(data, dict):
        logger.warning(
            "skipping a workflow %s in partition %s that is not an object", key, partition
        )
        return None
    data.pop(FORMAT_KEY, None)
    return data


def parse_instance_id(dag_id: str) -> UUID:
    """The workflow id of ``/tasks/instance/{id}`` (``BadRequest`` when not a UUID)."""
    try:
        return UUID(str(dag_id))
    except ValueError as exc:
        shown = dag_id if len(dag_id) <= 80 else f"{dag_id[:80]}..."
        raise BadRequest(f"{shown!r} is not a workflow id (a UUID)") from exc


async def get_instance(runtime: WorkflowListing, dag_id: str) -> dict[str, Any] | None:
    """One workflow's representation, or ``None`` when this worker does not hold it."""
    workflow = await runtime.load_workflow(parse_instance_id(dag_id))
    if workflow is None:
        return None
    data: dict[str, Any] = workflow.to_representation()
    return data
