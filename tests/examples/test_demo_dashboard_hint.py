"""The pizza demo's ``--keep`` tells where the worker's dashboard is."""

from __future__ import annotations

import pytest

from examples.pizza.demo import print_where_to_look


def test_keep_prints_the_dashboard_url(capsys: pytest.CaptureFixture[str]) -> None:
    print_where_to_look(6123, kept=True)
    assert "http://127.0.0.1:6123/dashboard" in capsys.readouterr().out


def test_without_keep_no_dashboard_url_is_printed(capsys: pytest.CaptureFixture[str]) -> None:
    print_where_to_look(6123, kept=False)
    assert "/dashboard" not in capsys.readouterr().out
