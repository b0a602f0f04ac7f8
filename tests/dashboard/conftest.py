"""Fixtures of the dashboard's browser tests: two workers of the test app and a browser.

- ``shop`` (module): the main worker (``web_token`` set, reads open, CORS allowed for the
  ``locked`` worker's origin) holding pizza, failed and decision workflows in known states;
- ``locked`` (module): a second deployment whose reads need the token, holding one workflow;
- ``browser`` (module): Debian's chromium driven by Playwright (no ``playwright install``).
"""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from dagger.devbroker import DevBroker
from tests.integration.engine_support import Producer, start_app_worker
from tests.support.ports import free_port
from tests.support.waiting import wait_until
from tests.support.worker import WorkerProcess

APP = Path(__file__).parent / "dash_app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "s3cret-dashboard-token"
LOCKED_TOKEN = "locked-reads-token"
#: Shown as text on the instance page, never run: it would set window.__pwned.
INJECTED = '<script>window.__pwned = 1</script><img src="x" onerror="window.__pwned = 2">'


@dataclass
class Deployment:
    """One test app deployment: its worker, its topic prefix and its workflows."""

    worker: WorkerProcess
    prefix: str
    #: workflow name in the test -> (id, template, expected status)
    workflows: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The worker's web root."""
        return f"http://127.0.0.1:{self.worker.web_port}"

    def id(self, name: str) -> str:
        """The id of the workflow the tests call ``name``."""
        return self.workflows[name][0]


def _start(broker: DevBroker, base: Path, prefix: str, port: int, env: dict[str, str]) -> Any:
    topics = ("tasks", "updates", "create", "ready", "kitchen")
    env = {"DASH_PREFIX": prefix, **env}
    return start_app_worker(broker, APP, base / prefix, prefix, topics, env, web_port=port)


async def _create(broker: DevBroker, deployment: Deployment, plan: dict[str, Any]) -> None:
    async with Producer(broker) as producer:
        for name, (template, params) in plan.items():
            workflow_id = str(uuid.uuid4())
            order_id = f"{name}-{workflow_id[:8]}"
            request = {
                "template": template,
                "id": workflow_id,
                "params": {"order_id": order_id, **params},
            }
            await producer.send(f"{deployment.prefix}-create", request, key=order_id)
            deployment.workflows[name] = (workflow_id, template, "")


async def _ready(broker: DevBroker, deployment: Deployment, name: str) -> None:
    async with Producer(broker) as producer:
        order_id = f"{name}-{deployment.id(name)[:8]}"
        await producer.send(
            f"{deployment.prefix}-ready", {"order_id": order_id, "status": "READY"}, key=order_id
        )


def stored_status(deployment: Deployment, name: str, token: str | None = None) -> str | None:
    """The status code the worker's web API reports for a workflow (``None``: not there)."""
    url = f"{deployment.url}/tasks/instance/{deployment.id(name)}"
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return str(json.loads(response.read())["status"]["code"])
    except (urllib.error.HTTPError, OSError):
        return None


def stored_instance(deployment: Deployment, name: str) -> dict[str, Any]:
    """The workflow as ``GET /tasks/instance/{id}`` answers it."""
    url = f"{deployment.url}/tasks/instance/{deployment.id(name)}"
    with urllib.request.urlopen(url, timeout=5) as response:
        data: dict[str, Any] = json.loads(response.read())
        return data


def _settle(deployment: Deployment, expected: dict[str, str], token: str | None = None) -> None:
    for name, status in expected.items():

        def reached(n: str = name, s: str = status) -> bool:
            return stored_status(deployment, n, token) == s

        def why(n: str = name, s: str = status) -> str:
            return (
                f"{n} never reached {s} (now {stored_status(deployment, n, token)}): "
                f"{deployment.worker.describe()}"
            )

        wait_until(
            reached,
            timeout=30,
            interval=0.2,
            message=why,
        )
        workflow_id, template, _ = deployment.workflows[name]
        deployment.workflows[name] = (workflow_id, template, status)


@pytest.fixture(scope="module")
def deployments(
    dev_broker: DevBroker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Deployment, Deployment]]:
    """Both deployments, started side by side (each worker takes seconds to start)."""
    base = tmp_path_factory.mktemp("dashboard")
    shop_port, locked_port = free_port(), free_port()
    tag = uuid.uuid4().hex[:6]
    shop = Deployment(
        _start(
            dev_broker,
            base,
            f"dash{tag}",
            shop_port,
            {"DASH_TOKEN": TOKEN, "DASH_CORS": f"http://127.0.0.1:{locked_port}"},
        ),
        f"dash{tag}",
    )
    locked = Deployment(
        _start(
            dev_broker,
            base,
            f"lock{tag}",
            locked_port,
            {"DASH_TOKEN": LOCKED_TOKEN, "DASH_TOKEN_FOR_READS": "1"},
        ),
        f"lock{tag}",
    )
    try:
        shop.worker.wait_ready(timeout=60)
        locked.worker.wait_ready(timeout=60)
        shop_plan = {
            "pizza-done": ("pizza", {"customer_id": "c-1", "pizza_type": 1}),
            "pizza-waiting": ("pizza", {"customer_id": "c-2", "pizza_type": 2}),
            "pizza-to-stop": ("pizza", {"customer_id": "c-3", "pizza_type": 3}),
            "pizza-injected": ("pizza", {"customer_id": "c-4", "note": INJECTED}),
            "refund-failed": ("refund", {"amount": 12.5}),
            "parcel-light": ("parcel", {"weight_kg": 2}),
            "parcel-heavy": ("parcel", {"weight_kg": 30}),
        }
        asyncio.run(_create(dev_broker, shop, shop_plan))
        asyncio.run(_create(dev_broker, locked, {"locked-refund": ("refund", {})}))
        _settle(shop, {"pizza-done": "EXECUTING"})
        asyncio.run(_ready(dev_broker, shop, "pizza-done"))
        _settle(
            shop,
            {
                "pizza-done": "COMPLETED",
                "pizza-waiting": "EXECUTING",
                "pizza-to-stop": "EXECUTING",
                "pizza-injected": "EXECUTING",
                "refund-failed": "FAILURE",
                "parcel-light": "COMPLETED",
                "parcel-heavy": "COMPLETED",
            },
        )
        _settle(locked, {"locked-refund": "FAILURE"}, token=LOCKED_TOKEN)
        yield shop, locked
    finally:
        shop.worker.close()
        locked.worker.close()


@pytest.fixture(scope="module")
def shop(deployments: tuple[Deployment, Deployment]) -> Deployment:
    """The main deployment (token for actions, open reads)."""
    return deployments[0]


@pytest.fixture(scope="module")
def locked(deployments: tuple[Deployment, Deployment]) -> Deployment:
    """The deployment whose reads need the token."""
    return deployments[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, tmp_path: Path) -> Iterator[Page]:
    """A fresh page (its own sessionStorage); console errors are collected on ``page.errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    new_page = context.new_page()
    errors: list[str] = []
    new_page.on("pageerror", lambda exc: errors.append(str(exc)))
    new_page.errors = errors  # type: ignore[attr-defined]
    try:
        yield new_page
    finally:
        context.close()


def screenshot(page: Page, tmp_path: Path, name: str) -> Path:
    """A screenshot of the page as a test artifact (and into docs/img with
    ``DAGGER_DOCS_SCREENSHOTS=1``, to refresh the docs' pictures)."""
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("DAGGER_DOCS_SCREENSHOTS") == "1":
        # The docs get what a window shows, which keeps each picture under 200 KB.
        docs = Path(__file__).resolve().parents[2] / "docs" / "img" / f"{name}.png"
        docs.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(docs), full_page=False)
    return path
