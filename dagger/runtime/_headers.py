"""The faust topic class of the engine's app: adds the command headers while a command
task's ``execute`` runs (see ``dagger.core._idempotency``)."""

from __future__ import annotations

from typing import Any

import faust

from dagger.core._idempotency import current_command_headers, merge_missing


class CommandHeadersTopic(faust.Topic):
    """A ``faust.Topic`` whose messages sent during a command task's ``execute`` carry the
    task's idempotency headers; a header the sender set itself is kept as it is.

    Both ``send`` and ``send_soon`` (and faust's publish-on-commit attachments) prepare
    their headers here while the sender's context is current.
    """

    def prepare_headers(self, headers: Any) -> Any:
        """faust's headers, plus the current command task's headers the caller did not set."""
        prepared = super().prepare_headers(headers)
        extra = current_command_headers()
        if not extra:
            return prepared
        return merge_missing(prepared, extra)
