"""Fixtures for the modeler tests: a fake engine (the in-memory ``runtime`` comes from tests/unit)."""

from __future__ import annotations

import pytest

from tests.unit.templates.fakes import FakeApp


@pytest.fixture
def app() -> FakeApp:
    """A fresh fake engine recording topics and listener registrations."""
    return FakeApp()
