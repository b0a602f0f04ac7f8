"""Unique names for apps, topics and groups, so tests sharing one broker never collide."""

from __future__ import annotations

from uuid import uuid4


def unique_name(prefix: str = "t") -> str:
    """``f"{prefix}-{8 hex digits}"``: a legal Kafka topic, group and faust app name."""
    return f"{prefix}-{uuid4().hex[:8]}"
