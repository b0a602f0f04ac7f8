"""Every file excerpt the docs include names a section that exists in that file.

Pages include code with ``--8<-- "path:section"``, and the file marks the section with
``# --8<-- [start:section]`` / ``# --8<-- [end:section]``. Line-number ranges are not allowed:
they silently drift when the file changes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
INCLUDE = re.compile(r'^--8<-- "(?P<path>[^":]+)(?::(?P<section>[^"]+))?"$')


def includes() -> list[tuple[str, int, str, str | None]]:
    """``(page, line, file, section)`` for every snippet include in the docs."""
    found = []
    for page in sorted(DOCS.rglob("*.md")):
        for number, line in enumerate(page.read_text().splitlines(), start=1):
            match = INCLUDE.match(line.strip())
            if match is not None:
                found.append((str(page.relative_to(ROOT)), number, match["path"], match["section"]))
    return found


INCLUDES = includes()


def test_the_pizza_walkthrough_includes_the_example() -> None:
    assert any(path == "examples/pizza/workflow.py" for _, _, path, _ in INCLUDES)


@pytest.mark.parametrize(
    ("page", "line", "path", "section"), INCLUDES, ids=[f"{i[0]}:{i[1]}" for i in INCLUDES]
)
def test_include_names_an_existing_section(
    page: str, line: int, path: str, section: str | None
) -> None:
    where = f"{page}:{line} includes {path}"
    source = (ROOT / path).read_text()
    if section is None:
        return  # a whole file: the path existing is enough
    assert not re.fullmatch(r"\d+(:\d+)?", section), f"{where}: use a named section, not lines"
    assert f"--8<-- [start:{section}]" in source, f"{where}: no start marker for {section!r}"
    assert f"--8<-- [end:{section}]" in source, f"{where}: no end marker for {section!r}"
