"""Building a list of builders into one chain: each built template runs before the next."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)


class _Builder(Protocol[T_co]):
    def build(self) -> T_co: ...


B = TypeVar("B", bound=_Builder[Any])


def build_chain(builders: Sequence[B], link: Callable[[B, Any], object]) -> Any:
    """Build ``builders`` last first, linking each to the one after it; return the first.

    ``link(builder, template)`` makes ``template`` follow what ``builder`` builds
    (``set_next`` for tasks, ``set_next_process`` for processes). The builders are changed.
    """
    head = builders[-1].build()
    for builder in reversed(builders[:-1]):
        link(builder, head)
        head = builder.build()
    return head
