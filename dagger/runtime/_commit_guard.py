"""An offset is never committed past a message that is still being processed.

faust commits, for each partition, up to the end of the first run of consecutive acked
offsets. It waits when the run starts two or more offsets past the committed one, but not
when it starts one past (faust issue #606): with a listener agent running several
messages at once (``set_concurrency``), or a message whose acknowledgement waits for a
deferred save, a later message acked first moves the commit over the one still running,
and a crash then loses that message for good (nothing replays it).

:func:`install` gives the worker's consumer an offset computation that leaves out the
acked offsets beyond the lowest message a stream has taken and not acknowledged yet
(faust's ``_unacked_messages``), so the commit stops just before that message; the offsets
left out are kept and counted at a later commit.
"""

from __future__ import annotations

import types
from typing import Any


def lowest_in_flight(consumer: Any, tp: Any) -> int | None:
    """The lowest offset of ``tp`` taken by a stream and not acknowledged yet, among those
    a commit could still pass (at or after the committed offset)."""
    committed = consumer._committed_offset.get(tp)
    lowest: int | None = None
    for message in list(consumer._unacked_messages):
        if message.tp != tp or message.acked:
            continue
        offset = message.offset
        if committed is not None and offset < committed:
            continue
        if lowest is None or offset < lowest:
            lowest = offset
    return lowest


def install(consumer: Any) -> None:
    """Make ``consumer`` (faust's) stop each commit before its partition's lowest message in
    flight."""
    faust_new_offset = consumer._new_offset

    def new_offset(self: Any, tp: Any) -> int | None:
        in_flight = lowest_in_flight(self, tp)
        acked = self._acked.get(tp)
        if in_flight is None or not acked:
            return faust_new_offset(tp)
        later = [offset for offset in acked if offset > in_flight]
        if not later:
            return faust_new_offset(tp)
        # faust's own computation sees only the offsets before the message in flight.
        acked[:] = [offset for offset in acked if offset < in_flight]
        try:
            return faust_new_offset(tp)
        finally:
            acked.extend(later)
            acked.sort()

    consumer._new_offset = types.MethodType(new_offset, consumer)
