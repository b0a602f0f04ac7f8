"""``dagger instances list|show|stop|retry``: the workflows the workers hold, and actions on them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from dagger.cli._actions import act, check_id, find_instance, list_instances
from dagger.cli._errors import CliError
from dagger.cli._http import WorkerClient
from dagger.cli._instances import build_tree
from dagger.cli._render import console, instance_tree, instances_table, print_json

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_URL = "http://127.0.0.1:6066"
STATUSES = ("NOT_STARTED", "SUBMITTED", "EXECUTING", "COMPLETED", "FAILURE", "SKIPPED", "STOPPED")


def connection_options(command: F) -> F:
    """``--url`` (repeatable), ``--token`` and ``--timeout``, shared by every subcommand."""
    command = click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=10.0,
        show_default=True,
        help="Seconds to wait for each worker's answer.",
    )(command)
    command = click.option(
        "--token",
        envvar="DAGGER_TOKEN",
        default=None,
        help="The workers' web token, sent as 'Authorization: Bearer TOKEN' [env DAGGER_TOKEN].",
    )(command)
    return click.option(
        "--url",
        "urls",
        multiple=True,
        envvar="DAGGER_URL",
        metavar="URL",
        help=(
            "A worker's web address; repeat it (or separate with commas) to ask several workers "
            f"[env DAGGER_URL, space-separated; default {DEFAULT_URL}]."
        ),
    )(command)


def clients(urls: Sequence[str], token: str | None, timeout: float) -> list[WorkerClient]:
    """One client per URL given (commas split), or for the default URL."""
    given = [part for url in urls for part in url.split(",") if part.strip()]
    unique = list(dict.fromkeys(given or [DEFAULT_URL]))
    return [WorkerClient(url, token=token, timeout=timeout) for url in unique]


@click.group()
def instances() -> None:
    """The workflow instances the workers hold (their web API, port web_port)."""


@instances.command("list")
@click.option(
    "--status",
    type=click.Choice(STATUSES, case_sensitive=False),
    default=None,
    help="Only workflows with this status.",
)
@click.option("--template", default=None, help="Only workflows of this template name.")
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="Show at most this many.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@connection_options
def list_command(
    status: str | None,
    template: str | None,
    limit: int,
    as_json: bool,
    urls: tuple[str, ...],
    token: str | None,
    timeout: float,
) -> None:
    """List workflow instances: id, template, status, times, current task.

    Each worker returns up to LIMIT matching workflows in its store order; the lists of
    several workers are merged, newest update first, and cut to LIMIT. A worker that does not
    answer is reported on stderr (the others are still listed) and the exit status is non-zero.
    """
    listing = list_instances(
        clients(urls, token, timeout),
        status=status.upper() if status else None,
        template=template,
        limit=limit,
    )
    if as_json:
        print_json([row.to_json() for row in listing.rows])
    elif listing.rows or not listing.failures:
        out = console()
        if listing.rows:
            out.print(instances_table(listing.rows, show_url=len(set(urls)) > 1))
        else:
            out.print("no workflow instances")
    if listing.failures:
        for failure in listing.failures[:-1]:
            click.echo(f"error: {failure.message}", err=True)
        raise listing.failures[-1]


@instances.command("show")
@click.argument("workflow_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the workflow's JSON record.")
@connection_options
def show_command(
    workflow_id: str, as_json: bool, urls: tuple[str, ...], token: str | None, timeout: float
) -> None:
    """Show one workflow as a tree of its processes and tasks.

    Each task shows its status, when it was submitted and completed, and its attempts and last
    error when the worker records them. Asks each URL in turn until one holds the workflow.
    """
    _, record = find_instance(clients(urls, token, timeout), check_id(workflow_id))
    if as_json:
        print_json(record)
    else:
        console().print(instance_tree(build_tree(record)))


def _action_command(action: str, summary: str) -> click.Command:
    @click.command(action, help=summary)
    @click.argument("workflow_id", metavar="ID")
    @click.option("--json", "as_json", is_flag=True, help="Print the worker's answer as JSON.")
    @connection_options
    def command(
        workflow_id: str, as_json: bool, urls: tuple[str, ...], token: str | None, timeout: float
    ) -> None:
        result = act(clients(urls, token, timeout), check_id(workflow_id), action)
        if as_json:
            print_json({"id": result.workflow_id, "status": result.status, "url": result.url})
        else:
            click.echo(f"{result.workflow_id}: {result.status}")

    return command


instances.add_command(
    _action_command(
        "stop",
        "Stop a workflow (POST /tasks/instance/ID/stop); prints the status it then has.\n\n"
        "Needs the worker's web token (--token or DAGGER_TOKEN).",
    )
)
instances.add_command(
    _action_command(
        "retry",
        "Retry a workflow's failed task (POST /tasks/instance/ID/retry); prints the status the "
        "workflow then has.\n\nNeeds the worker's web token (--token or DAGGER_TOKEN).",
    )
)

__all__ = ["CliError", "instances"]
