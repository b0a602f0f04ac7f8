"""How the CLI shows things: rich tables and trees for people, JSON for programs."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from dagger.cli._instances import Node, Record, Row, epoch, status_code

#: Width of the output when it is not a terminal and ``COLUMNS`` is not set: wide enough
#: that a row (a 36-character id, two times, names) is never wrapped in a pipe or a file.
PIPE_WIDTH = 200
_STATUS_STYLES = {
    "COMPLETED": "green",
    "EXECUTING": "cyan",
    "SUBMITTED": "cyan",
    "FAILURE": "bold red",
    "STOPPED": "yellow",
    "SKIPPED": "dim",
    "NOT_STARTED": "dim",
}
_ERROR_CHARS = 300  # a last error longer than this is cut: the full text is in --json


def console() -> Console:
    """The console to print on: the terminal's width, or :data:`PIPE_WIDTH` off a terminal."""
    out = Console(highlight=False)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out = Console(highlight=False, width=PIPE_WIDTH)
    return out


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False) + "\n")
    sys.stdout.flush()


def when(seconds: int) -> str:
    """Epoch seconds as local time (``-`` for 0: not yet)."""
    if seconds <= 0:
        return "-"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def status_text(code: str) -> Text:
    """A status code, coloured."""
    return Text(code, style=_STATUS_STYLES.get(code, ""))


def short_name(record: Record, parent: Record | None) -> str:
    """A task's name without its parent's name in front (``Order.Order_listener_task`` ->
    ``Order_listener_task`` under ``Order``)."""
    name = str(record.get("task_name") or record.get("process_name") or record.get("id"))
    if parent is not None:
        prefix = f"{parent.get('task_name')}."
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def instances_table(rows: Sequence[Row], *, show_url: bool) -> Table:
    """The table of ``dagger instances list``."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("ID", no_wrap=True)
    table.add_column("TEMPLATE")
    table.add_column("STATUS", no_wrap=True)
    table.add_column("CREATED", no_wrap=True)
    table.add_column("LAST UPDATED", no_wrap=True)
    table.add_column("CURRENT TASK")
    if show_url:
        table.add_column("WORKER", no_wrap=True)
    for row in rows:
        task = row.current_task
        current = Text("-")
        if task is not None:
            name = str(task.get("task_name"))
            name = name.removeprefix(f"{row.template}.")  # the workflow's own name: noise
            current = Text(f"{name} ")
            current.append_text(status_text(status_code(task)))
        cells: list[Any] = [
            row.id,
            row.template,
            status_text(row.status),
            when(row.created),
            when(row.last_updated),
            current,
        ]
        if show_url:
            cells.append(row.url)
        table.add_row(*cells)
    return table


def _label(record: Record, parent: Record | None) -> Text:
    label = Text(short_name(record, parent), style="bold")
    label.append("  ")
    label.append_text(status_text(status_code(record)))
    kind = (record.get("__faust") or {}).get("ns", "")
    details = [str(record.get("task_type") or "").lower(), kind.rsplit(".", 1)[-1]]
    for name, field in (("submitted", "time_submitted"), ("completed", "time_completed")):
        if epoch(record, field):
            details.append(f"{name} {when(epoch(record, field))}")
    # attempt, last_error and retry_at exist on workers that retry failed tasks: the first
    # attempt is the normal case and not worth a word.
    attempt = record.get("attempt")
    error = record.get("last_error")
    if isinstance(attempt, int) and (attempt > 1 or error):
        details.append(f"attempt {attempt}")
    if epoch(record, "retry_at"):
        details.append(f"next attempt {when(epoch(record, 'retry_at'))}")
    label.append(f"  {', '.join(d for d in details if d)}", style="dim")
    if error:
        text = " ".join(str(error).split())
        if len(text) > _ERROR_CHARS:
            text = f"{text[:_ERROR_CHARS]}..."
        label.append(f"\nlast error: {text}", style="red")
    return label


def instance_tree(root: Node) -> Tree:
    """The tree of ``dagger instances show``: the workflow, its processes and their tasks."""
    record = root.record
    title = _label(record, None)
    title.append(f"\nid {record.get('id')}", style="dim")
    tree = Tree(title)

    def add(branch: Tree, node: Node, parent: Record) -> None:
        sub = branch.add(_label(node.record, parent))
        for child in node.children:
            add(sub, child, node.record)

    for child in root.children:
        add(tree, child, record)
    return tree
