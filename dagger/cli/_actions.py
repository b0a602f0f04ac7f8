"""What ``dagger instances ...`` does with the workers: list, find, stop, retry.

Each function takes the clients of the worker URLs the user gave and returns data, or raises
:class:`~dagger.cli._errors.CliError` naming the problem in one line. No printing here.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from dagger.cli._errors import (
    EXIT_CONFLICT,
    EXIT_NO_ACTIONS,
    EXIT_NOT_FOUND,
    EXIT_UNREACHABLE,
    EXIT_USAGE,
    CliError,
)
from dagger.cli._http import Answer, WorkerClient
from dagger.cli._instances import Record, Row, merge, status_code

#: The actions ``dagger instances`` can ask of a worker (``POST /tasks/instance/{id}/<action>``).
ACTIONS = ("stop", "retry")
NO_ACTIONS_HINT = "this worker accepts no actions: start it with web_token=..."


def check_id(workflow_id: str) -> str:
    """The workflow id as the web API spells it (``CliError`` when it is not a UUID)."""
    try:
        return str(UUID(workflow_id.strip()))
    except ValueError:
        raise CliError(f"{workflow_id!r} is not a workflow id (a UUID)", EXIT_USAGE) from None


@dataclass(frozen=True)
class Listing:
    """The merged rows, and one error for each worker that gave none."""

    rows: list[Row]
    failures: list[CliError]


def list_instances(
    clients: Sequence[WorkerClient],
    *,
    status: str | None = None,
    template: str | None = None,
    limit: int = 100,
) -> Listing:
    """Ask every worker for its workflows (at once) and merge the lists, newest update first."""
    query = {"status": status, "template": template, "limit": limit}

    def ask(client: WorkerClient) -> tuple[str, list[Record]] | CliError:
        try:
            answer = client.get("/tasks/instances", query)
        except CliError as exc:
            return exc
        if not answer.ok:
            return client.refuse(answer)
        if not isinstance(answer.body, list):
            return CliError(
                f"{client.url}: the answer is not a list of workflows: {answer.text[:80]}"
            )
        return client.url, answer.body

    with ThreadPoolExecutor(max_workers=max(1, min(len(clients), 16))) as pool:
        results = list(pool.map(ask, clients))
    listings = [r for r in results if not isinstance(r, CliError)]
    failures = [r for r in results if isinstance(r, CliError)]
    return Listing(merge(listings, limit), failures)


def find_instance(clients: Sequence[WorkerClient], workflow_id: str) -> tuple[WorkerClient, Any]:
    """The worker holding the workflow, and the workflow; asks each URL in turn until one has it.

    A wrong token ends the search at once; a URL that does not answer is passed over, and named
    in the error if no other worker has the workflow.
    """
    unreachable: list[CliError] = []
    answered: list[str] = []
    for client in clients:
        try:
            answer = client.get(f"/tasks/instance/{workflow_id}")
        except CliError as exc:
            unreachable.append(exc)
            continue
        if answer.ok and isinstance(answer.body, dict):
            return client, answer.body
        if answer.status != 404:
            raise client.refuse(answer)
        answered.append(client.url)
    if unreachable and not answered:
        more = len(unreachable) - 1
        suffix = f" (and {more} more URL(s) did not answer)" if more else ""
        raise CliError(f"{unreachable[0].message}{suffix}", EXIT_UNREACHABLE)
    message = f"no workflow instance {workflow_id} on {', '.join(answered)}"
    if unreachable:
        silent = "; ".join(exc.message for exc in unreachable)
        raise CliError(f"{message}; and {silent}", EXIT_UNREACHABLE)
    raise CliError(message, EXIT_NOT_FOUND)


@dataclass(frozen=True)
class ActionResult:
    """What an action left: the workflow's status afterwards, and the worker's answer."""

    workflow_id: str
    status: str
    url: str
    answer: Any


def act(clients: Sequence[WorkerClient], workflow_id: str, action: str) -> ActionResult:
    """Ask the worker holding the workflow to ``stop`` or ``retry`` it; the status it then has."""
    if action not in ACTIONS:
        raise CliError(f"unknown action {action!r}; one of {list(ACTIONS)}", EXIT_USAGE)
    client, _ = find_instance(clients, workflow_id)
    answer = client.post(f"/tasks/instance/{workflow_id}/{action}")
    if not answer.ok:
        raise _action_refused(client, answer, workflow_id, action)
    status = _status_in(answer)
    if status is None:  # the answer does not say: read the workflow again
        _, record = find_instance([client], workflow_id)
        status = status_code(record)
    return ActionResult(workflow_id, status, client.url, answer.body)


def _status_in(answer: Answer) -> str | None:
    body = answer.body
    if isinstance(body, dict) and body.get("status"):
        return status_code(body)
    return None


def _action_refused(
    client: WorkerClient, answer: Answer, workflow_id: str, action: str
) -> CliError:
    if answer.status == 404:
        # The worker's 404 for a workflow it does not hold says so; any other 404 (actions
        # off: no web_token, or a worker too old to have them) means no actions here.
        if answer.error().startswith("no workflow"):
            return CliError(f"{client.url}: {answer.error()}", EXIT_NOT_FOUND)
        return CliError(f"{client.url}: {NO_ACTIONS_HINT}", EXIT_NO_ACTIONS)
    if answer.status == 409:
        return CliError(
            f"{client.url}: cannot {action} {workflow_id}: {answer.error()}", EXIT_CONFLICT
        )
    return client.refuse(answer)
