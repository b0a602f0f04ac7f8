"""Request and response models of the engine's web endpoints (pydantic)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator

from dagger.core.status import TaskStatusEnum

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
#: Listing walks the store from its start and skips ``offset`` matches, so the offset is
#: bounded like the limit: one request never walks more than ``MAX_OFFSET + MAX_LIMIT``
#: matching workflows.
MAX_OFFSET = 100_000

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "InstancesQuery",
    "ReadyResponse",
    "ValidationError",
]


class ReadyResponse(BaseModel):
    """``GET /service/ready``: whether the worker is started, assigned and recovered."""

    is_ready: bool


class InstancesQuery(BaseModel):
    """Query parameters of ``GET /tasks/instances``.

    - ``status``: only workflows whose ``status.code`` is this (e.g. ``EXECUTING``);
    - ``template``: only workflows of this ``template_name``;
    - ``limit``: at most this many (default 100, at most 1000);
    - ``offset``: skip this many matching workflows first (for paging; at most 100000).
    """

    status: str | None = None
    template: str | None = None
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str | None) -> str | None:
        if value is None:
            return None
        upper = value.upper()
        if upper not in TaskStatusEnum.__members__:
            raise ValueError(
                f"unknown status {value!r}; one of {sorted(TaskStatusEnum.__members__)}"
            )
        return upper

    def matches(self, workflow: dict[str, Any]) -> bool:
        """Whether a workflow representation passes the filters."""
        if self.status is not None:
            status = workflow.get("status") or {}
            if status.get("code") != self.status:
                return False
        return self.template is None or workflow.get("template_name") == self.template
