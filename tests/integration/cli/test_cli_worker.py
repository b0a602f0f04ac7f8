"""``dagger worker`` runs the pizza example's engine; ``dagger devbroker`` runs the broker."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest

from dagger.devbroker import DevBroker
from examples.pizza.demo import TOPICS
from tests.integration.cli.cli_support import DAGGER, one_error_line, run_cli
from tests.support.ids import unique_name
from tests.support.ports import free_port
from tests.support.worker import PROJECT_ROOT, WorkerProcess

pytestmark = pytest.mark.integration


def test_dagger_worker_runs_the_pizza_engine_until_sigterm(tmp_path: Path) -> None:
    # A broker of its own: the pizza topics have fixed names, and a second pizza app on the
    # session broker would consume the pizza example tests' order requests.
    with DevBroker(log_file=tmp_path / "tansu.log") as broker:
        for topic in TOPICS:
            broker.create_topic(topic, partitions=1)
        port = free_port()
        worker = WorkerProcess(
            DAGGER,
            args=["worker", "examples.pizza.workflow", "--web-port", str(port), "-l", "info"],
            broker=broker.url,
            web_port=port,
            data_dir=tmp_path / "data",
            env={
                "PIZZA_DATA_DIR": str(tmp_path / "data"),
                "PIZZA_APP_ID": unique_name("pizza"),
                # The engine's own web_port: --web-port overrides it.
                "PIZZA_WEB_PORT": str(free_port()),
            },
        )
        try:
            worker.wait_ready(timeout=60)  # /service/ready on the --web-port port
            worker.wait_for_log(
                rf"INFO dagger\.worker: worker starting: .* web http://[^ ]*:{port}"
            )
            assert worker.terminate(timeout=30) == 0, worker.describe()
        finally:
            worker.close()


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "json",
            "error: module json has no Dagger instance (name the engine: dagger worker json:ATTR)",
        ),
        (
            "examples.nowhere",
            "error: no module named 'examples.nowhere' (run dagger worker from the directory "
            "that holds it, or add that directory to PYTHONPATH)",
        ),
        (
            "examples.pizza.settings:settings",
            "error: module examples.pizza.settings has no attribute 'settings'",
        ),
        (
            "examples.pizza.settings:ORDER_TOPIC",
            "error: examples.pizza.settings:ORDER_TOPIC is not a Dagger instance (its type is str)",
        ),
    ],
)
def test_dagger_worker_names_what_it_cannot_run(target: str, message: str) -> None:
    done = run_cli("worker", target)
    assert done.returncode == 1
    assert one_error_line(done) == message


def test_dagger_devbroker_prints_its_address_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(DAGGER), "devbroker", "--port", str(port), "--log-file", str(tmp_path / "t.log")],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == f"kafka://127.0.0.1:{port}\n"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
