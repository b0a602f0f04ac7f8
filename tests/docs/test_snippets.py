"""The code the docs include from files still is what the docs say it is.

Named sections (``--8<-- "file:section"``) fail the docs build when they disappear. Line
ranges (``--8<-- "file:12:30"``, used for examples/pizza, which has no section markers) do
not, so each one is preceded in the page by ``<!-- starts: "<text>" -->`` and checked here:
the range must start with that text and cover whole top-level blocks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
INCLUDE = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<start>\d+):(?P<end>\d+))?(?::[a-z_-]+)?"$')
STARTS = re.compile(r'^<!-- starts: "(?P<text>.+)" -->$')


def line_range_includes() -> list[tuple[str, int, str, int, int, str | None]]:
    """``(page, line, file, start, end, expected first text)`` for every line-range include."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        lines = page.read_text().splitlines()
        for number, line in enumerate(lines):
            match = INCLUDE.match(line.strip())
            if match is None or match["start"] is None:
                continue
            expected = None
            for previous in lines[max(0, number - 3) : number]:
                anchor = STARTS.match(previous.strip())
                if anchor is not None:
                    expected = anchor["text"]
            found.append(
                (
                    str(page.relative_to(ROOT)),
                    number + 1,
                    match["path"],
                    int(match["start"]),
                    int(match["end"]),
                    expected,
                )
            )
    return found


INCLUDES = line_range_includes()


def test_the_pizza_walkthrough_is_checked() -> None:
    assert any(inc[2] == "examples/pizza/workflow.py" for inc in INCLUDES)


@pytest.mark.parametrize(
    ("page", "line", "path", "start", "end", "expected"),
    INCLUDES,
    ids=[f"{inc[0]}:{inc[1]}" for inc in INCLUDES],
)
def test_line_range_still_covers_the_documented_code(
    page: str, line: int, path: str, start: int, end: int, expected: str | None
) -> None:
    where = f"{page}:{line} includes {path}:{start}:{end}"
    assert expected is not None, f'{where} without a <!-- starts: "..." --> line before it'
    source = (ROOT / path).read_text().splitlines()
    assert 1 <= start <= end <= len(source), f"{where}: the file has {len(source)} lines"
    first, last = source[start - 1], source[end - 1]
    assert first.startswith(expected), f"{where}: line {start} is now {first!r}"
    assert not first.startswith((" ", "\t")), f"{where}: starts inside a block: {first!r}"
    assert start == 1 or not source[start - 2].strip(), f"{where}: cuts a block at its start"
    assert last.strip(), f"{where}: ends on a blank line"
    after = source[end] if end < len(source) else ""
    assert not after.strip(), f"{where}: the block goes on after line {end}: {after!r}"
