"""No stream message is dropped while faust ends a table recovery.

When a rebalance's table recovery has read the changelogs, faust (0.15 at least; faust
issue #596) resumes the stream partitions, then seeks them to their committed offsets
(a round trip to the broker per partition), and only then resumes its flow control, which
clears every stream's in-memory queue. Messages the fetcher delivers between the first and
the last step are dropped by that clear, although the consumer's position has moved past
them. With a committed offset the seek rewinds the position and they are fetched again;
without one (nothing committed yet on that partition: a burst whose commit was still
waiting for its changelog records when the worker crashed) nothing rewinds it, faust
commits past the hole, and the messages are lost for good. Seen in
``tests/integration/test_crash_during_a_burst.py``: one start message of 500 workflows
dropped after the restart, its offset committed with the others.

:func:`install` suspends the flow control as soon as faust announces the end of the
recovery (``on_rebalance_complete``, sent before the stream partitions are resumed). A
message fetched meanwhile waits in the consumer's delivery until faust resumes the flow
(after clearing the queues), and is delivered then, so nothing is in a queue when it is
cleared. With a committed offset the position fetched from is that offset (the rebalance
assigned the partition afresh), so the seek refetches only what was held back: faust's
read-offset check skips it, but for the last message held, which may be delivered twice
(at-least-once allows it; the engine's steps are idempotent).
"""

from __future__ import annotations

from typing import Any


def install(app: Any) -> None:
    """Hold stream deliveries of ``app`` (a faust app) from the end of each recovery until
    faust resumes its flow control."""

    async def hold_deliveries(sender: Any, *args: Any, **kwargs: Any) -> None:
        app.flow_control.suspend()

    app.on_rebalance_complete.connect(hold_deliveries)
