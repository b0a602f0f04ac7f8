"""The README's Python excerpts are still the pizza example's code, character for character."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "\n".join(
    (ROOT / "examples" / "pizza" / name).read_text() for name in ("workflow.py", "worker.py")
)
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_the_readme_shows_the_example() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("block", BLOCKS, ids=[b.strip().splitlines()[0][:40] for b in BLOCKS])
def test_readme_block_is_an_excerpt_of_the_example(block: str) -> None:
    lines = textwrap.dedent(block).strip("\n").splitlines()
    source = EXAMPLE.splitlines()
    stripped = [line.strip() for line in source]
    # The block's lines, in order and contiguous, at some indentation, in the example.
    for start in range(len(source) - len(lines) + 1):
        if all(stripped[start + i] == lines[i].strip() for i in range(len(lines))):
            return
    pytest.fail(f"README block no longer matches examples/pizza:\n{block}")
