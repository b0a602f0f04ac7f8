"""The faust topic class of the engine's app: adds the command headers while a command
task's ``execute`` runs (see ``dagger.core._idempotency``), and the trace context (W3C
``traceparent``) when the runtime's observer traces, so a service that answers can join the
trace."""

from __future__ import annotations

from typing import Any

import faust

from dagger.core._idempotency import current_command_headers, merge_missing
from dagger.core.context import current_observer


class CommandHeadersTopic(faust.Topic):
    """A ``faust.Topic`` whose messages sent during a command task's ``execute`` carry the
    task's idempotency headers and the current trace context (``traceparent``, when traced);
    a header the sender set itself is kept as it is.

    Both ``send`` and ``send_soon`` (and faust's publish-on-commit attachments) prepare
    their headers here while the sender's context is current.
    """

    def prepare_headers(self, headers: Any) -> Any:
        """faust's headers, plus the current command task's headers the caller did not set."""
        prepared = super().prepare_headers(headers)
        extra = current_command_headers()
        if not extra:
            return prepared
        trace = current_observer().trace_headers()
        if trace:
            extra = {**extra, **trace}
        return merge_missing(prepared, extra)
