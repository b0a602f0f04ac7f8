"""The dashboard in a real browser (Debian's chromium through Playwright) against real
workers on the development broker (fixtures in ``tests/dashboard/conftest.py``)."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.dashboard.conftest import (
    INJECTED,
    LOCKED_TOKEN,
    TOKEN,
    Deployment,
    screenshot,
    stored_instance,
    stored_status,
)
from tests.support.waiting import wait_until

#: The fill of a task node for each stored status (dashboard.css).
COLOURS = {
    "NOT_STARTED": "rgb(201, 206, 214)",
    "SUBMITTED": "rgb(143, 184, 240)",
    "EXECUTING": "rgb(47, 111, 222)",
    "COMPLETED": "rgb(31, 138, 76)",
    "FAILURE": "rgb(207, 46, 61)",
    "SKIPPED": "rgb(228, 231, 235)",
    "STOPPED": "rgb(224, 122, 31)",
}


def _row_statuses(page: Page) -> dict[str, str]:
    """The rows on the page, read in one go (the page may redraw between two calls)."""
    pairs = page.eval_on_selector_all(
        "#instances tbody tr", "rows => rows.map(r => [r.dataset.id, r.dataset.status])"
    )
    return {str(wid): str(status) for wid, status in pairs}


def test_list_shows_every_instance_with_its_status_and_filters(
    shop: Deployment, page: Page, tmp_path: Path
) -> None:
    page.goto(f"{shop.url}/dashboard")
    # Statuses as stored now (a stop test may have run first).
    expected = {wid: stored_status(shop, name) for name, (wid, _, _) in shop.workflows.items()}
    wait_until(
        lambda: _row_statuses(page) == expected,
        timeout=10,
        message=lambda: f"rows {_row_statuses(page)} != stored {expected}",
    )
    failed = shop.id("refund-failed")
    row = page.locator(f'#instances tr[data-id="{failed}"]')
    expect(row.locator("td").nth(1)).to_have_text("refund")
    expect(row.locator(".badge")).to_have_text("FAILURE")
    expect(row.locator("td.current")).to_have_text("Refund.charge_executor_task")
    expect(page.locator('.chip[data-status="FAILURE"] .count')).to_have_text("1")
    expect(page.locator("#scope")).to_contain_text("lists the workflows it owns")
    screenshot(page, tmp_path, "dashboard-list")

    page.select_option("#status-filter", "FAILURE")
    wait_until(lambda: _row_statuses(page) == {failed: "FAILURE"}, timeout=10)
    assert "status=FAILURE" in page.url
    page.select_option("#status-filter", "")
    page.select_option("#template-filter", "parcel")
    parcels = {shop.id("parcel-light"), shop.id("parcel-heavy")}
    wait_until(lambda: set(_row_statuses(page)) == parcels, timeout=10)
    assert page.errors == []  # type: ignore[attr-defined]


def test_instance_page_draws_each_task_in_its_stored_status_colour(
    shop: Deployment, page: Page, tmp_path: Path
) -> None:
    stored = stored_instance(shop, "parcel-heavy")
    page.goto(f"{shop.url}/dashboard/instance/{stored['id']}")
    nodes = page.locator("#graph [data-task-id]")
    expect(nodes).to_have_count(len(stored["tasks"]))
    drawn = {}
    for i in range(nodes.count()):
        node = nodes.nth(i)
        task_id = str(node.get_attribute("data-task-id"))
        fill = node.locator(":scope > .shape").first.evaluate("e => getComputedStyle(e).fill")
        drawn[task_id] = (node.get_attribute("data-status"), fill)
    assert drawn == {
        task_id: (task["status"]["code"], COLOURS[task["status"]["code"]])
        for task_id, task in stored["tasks"].items()
    }
    # The decision took the express branch (30 kg): one edge marked chosen, one not.
    expect(page.locator("#graph .edge.chosen")).to_have_count(1)
    expect(page.locator("#graph .edge.not-chosen")).to_have_count(1)
    expect(page.locator('#graph [data-kind="decision"]')).to_have_count(1)
    expect(page.locator('#graph [data-kind="parallel"]')).to_have_count(1)

    page.locator('#graph [data-kind="decision"]').click()
    expect(page.locator('#details-list dd[data-field="Chosen"]')).to_contain_text("express")
    expect(page.locator('#details-list dd[data-field="Type"]')).to_contain_text(
        "decision (tests.dashboard.dash_tasks.ChooseShipping)"
    )
    expect(page.locator("#timeline tbody tr")).not_to_have_count(0)
    expect(page.locator("#actions")).to_be_visible()  # the worker has a web_token
    screenshot(page, tmp_path, "dashboard-instance")
    assert page.errors == []  # type: ignore[attr-defined]


def test_clicking_tasks_shows_their_details(shop: Deployment, page: Page) -> None:
    waiting = stored_instance(shop, "pizza-waiting")
    page.goto(f"{shop.url}/dashboard/instance/{waiting['id']}")
    details = page.locator("#details-list")
    page.locator('#graph [data-kind="listener"]').click()
    expect(details.locator('dd[data-field="Status"]')).to_have_text("EXECUTING")
    expect(details.locator('dd[data-field="Correlation key"]')).to_have_text("order_id")
    order_id = waiting["runtime_parameters"]["order_id"]
    expect(details.locator('dd[data-field="Correlation value"]')).to_have_text(f'"{order_id}"')
    expect(details.locator('dd[data-field="Started"]')).not_to_have_text("-")

    failed = stored_instance(shop, "refund-failed")
    page.goto(f"{shop.url}/dashboard/instance/{failed['id']}")
    page.locator('#graph [data-kind="executor"]').click()
    expect(details.locator('dd[data-field="Status"]')).to_have_text("FAILURE")
    expect(details).to_contain_text("payment service down")
    expect(details.locator('dd[data-field="Duration"]')).not_to_have_text("-")


def test_a_script_in_the_parameters_is_shown_as_text_never_run(
    shop: Deployment, page: Page
) -> None:
    page.goto(f"{shop.url}/dashboard/instance/{shop.id('pizza-injected')}")
    expect(page.locator("#params")).to_contain_text(INJECTED.replace('"', '\\"'))
    expect(page.locator("#graph [data-task-id]")).not_to_have_count(0)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#params script, #params img").count() == 0


def test_stop_with_the_token_shows_the_workflow_stopped(shop: Deployment, page: Page) -> None:
    page.goto(f"{shop.url}/dashboard/instance/{shop.id('pizza-to-stop')}")
    expect(page.locator("#wf-status")).to_have_text("EXECUTING")
    page.click("#stop")
    expect(page.locator("#action-result")).to_have_text("Enter the web token first.")
    page.fill("#token-input", TOKEN)
    page.click("#token-form button")
    page.click("#stop")
    expect(page.locator("#wf-status")).to_have_text("STOPPED")
    assert stored_status(shop, "pizza-to-stop") == "STOPPED"
    assert page.evaluate("sessionStorage.getItem('dagger-dashboard-token')") == TOKEN
    expect(page.locator("#stop")).to_be_disabled()


def test_reads_need_the_token_when_the_worker_says_so(locked: Deployment, page: Page) -> None:
    page.goto(f"{locked.url}/dashboard")
    expect(page.locator("#error")).to_contain_text("Authorization")
    expect(page.locator("#instances tbody tr")).to_have_count(0)
    page.fill("#token-input", LOCKED_TOKEN)
    page.click("#token-form button")
    row = page.locator(f'#instances tr[data-id="{locked.id("locked-refund")}"]')
    expect(row).to_have_attribute("data-status", "FAILURE")
    expect(page.locator("#error")).to_be_hidden()


def test_a_page_merges_a_peer_that_allows_its_origin(
    shop: Deployment, locked: Deployment, page: Page
) -> None:
    page.goto(f"{locked.url}/dashboard?peer={shop.url}")
    page.fill("#token-input", LOCKED_TOKEN)
    page.click("#token-form button")
    everyone = {wid for wid, _, _ in shop.workflows.values()} | {locked.id("locked-refund")}
    wait_until(
        lambda: set(_row_statuses(page)) == everyone,
        timeout=10,
        message=lambda: f"merged rows {sorted(_row_statuses(page))}",
    )
    peer_row = page.locator(f'#instances tr[data-id="{shop.id("refund-failed")}"]')
    expect(peer_row.locator("a")).to_have_attribute(
        "href", f"{shop.url}/dashboard/instance/{shop.id('refund-failed')}"
    )
    expect(page.locator("#scope")).to_contain_text(f"Merged with {shop.url}")
