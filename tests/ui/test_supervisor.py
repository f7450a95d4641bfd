"""The supervisor's screens in real Chromium against the real server: holds and their
release by a second person (S4), orders approved (S3), count differences settled (R8,
L1), and the stations at a glance.

At a desk (1280x800): a hold issued on the screen stops its order; a release notice
written on the screen and confirmed by the same supervisor is refused there
(``release_needs_second_person``); a second supervisor confirms it and the hold is
lifted. A draft approved on the screen is approved. The stations screen shows PACK-01's
scale and printer. On a handheld (360x640): a counted cycle count with a difference is
settled, the adjustment posted and the count done, and the ledger still verifies.
Every document is the test's own (numbers with a uuid), as the server is shared.
"""

from __future__ import annotations

import uuid

import pytest

from tests.ui.helpers import PAGE_ERRORS, TIMEOUT_MS, js_errors, login, message, shot, wait_ready
from tests.ui.test_picking import catalogue, new_wave, ok, pickable_orders, post

pytestmark = pytest.mark.slow

API = "/api/v1"
SHIP = f"{API}/shipping"
DESK = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def desk(browser, ui_server):
    """A factory of desktop pages (1280x800, or ``device``) at the UI server, closed after the test."""
    contexts = []

    def open_desk(locale: str = "en", device: dict | None = None):
        context = browser.new_context(base_url=ui_server.base, locale=locale, **(device or DESK))
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors = PAGE_ERRORS.setdefault(page, [])
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto("/")
        wait_ready(page)
        return page

    yield open_desk
    for context in contexts:
        for page in context.pages:
            PAGE_ERRORS.pop(page, None)
        context.close()


def go(page, hash_: str, name: str) -> None:
    page.evaluate("(h) => { location.hash = h; }", hash_)
    wait_ready(page, name)


def some_sku(ui_server) -> str:
    return ok(ui_server.as_("supervisor").get(f"{API}/stock", params={"page_size": 1}))[0]["sku"]


def draft_order(ui_server, prefix: str) -> str:
    number = f"{prefix}-{uuid.uuid4().hex[:8].upper()}"
    post(ui_server, "clerk", "/shipping/orders", {
        "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
        "recipient_address": "浙江省杭州市西湖区文三路1号", "lines": [{"item": some_sku(ui_server), "quantity": 1}]})
    return number


def second_supervisor(ui_server, locale: str) -> tuple[str, str]:
    name, password = f"supervisor2-{uuid.uuid4().hex[:6]}", "second-" + uuid.uuid4().hex[:10]
    post(ui_server, "admin", "/users", {"username": name, "password": password, "role": "supervisor",
                                       "display_name": name, "language": locale})
    return name, password


def validity(ui_server, number: str) -> str | None:
    """Why the order may not ship (S3, S4), None when it may."""
    return ok(ui_server.as_("shipper").get(f"{SHIP}/orders/{number}/validity"))["code"]


def active_holds(ui_server) -> dict[str, dict]:
    return {h["number"]: h for h in ok(ui_server.as_("supervisor").get(f"{SHIP}/holds"))}


def wait_message(page, kind: str, text: str) -> dict:
    """The message bar once it says ``text`` with ``kind`` (an earlier message may still be there)."""
    page.locator(f"#message[data-kind={kind}]", has_text=text).wait_for()
    return message(page)


def test_a_hold_issued_on_the_screen_is_released_only_by_a_second_person(desk, ui_server):
    number = draft_order(ui_server, "SO-HOLD")
    post(ui_server, "supervisor", f"/shipping/orders/{number}/approve")
    assert validity(ui_server, number) is None
    reason = f"客户来电要求暂缓发货 {uuid.uuid4().hex[:4]}"

    page = desk("zh-CN")
    login(page, "supervisor")
    page.wait_for_selector("button.tile[data-go='#/holds']")
    shot(page, "supervisor-home-desk-zh-CN")
    go(page, "#/holds", "holds")
    page.select_option("#hold-scope", "order")
    page.fill("#hold-target", number)
    page.fill("#hold-reason", reason)
    shot(page, "holds-issue-zh-CN")
    page.click("#issue")
    page.locator("#holds li.card", has_text=reason).wait_for()
    wait_ready(page, "holds")

    # The hold stops the order at once (over the API) and its card names the order.
    [hold] = [h for h in active_holds(ui_server).values() if h["reason"] == reason]
    wait_message(page, "ok", hold["number"])
    assert hold["affected_orders"] == [number] and hold["issued_by"] == "supervisor"
    assert validity(ui_server, number) == "order_on_hold"
    card = page.locator(f"#holds [data-hold='{hold['number']}']")
    card.wait_for()
    assert number in card.locator(".stops").text_content()
    shot(page, "holds-active-zh-CN")

    # The same supervisor writes the release notice and cannot confirm it.
    page.fill(f"#release-reason-{hold['number']}", "电话确认地址无误")
    page.click(f"[data-release='{hold['number']}']")
    wait_ready(page, "holds")
    confirm = page.locator(f"[data-hold='{hold['number']}'] [data-confirm]")
    confirm.wait_for()
    release = confirm.get_attribute("data-confirm")
    shot(page, "holds-release-written-zh-CN")
    confirm.click()
    said = wait_message(page, "error", release)
    assert said["code"] == "release_needs_second_person", said
    assert release in said["text"] and "supervisor" in said["text"], said
    shot(page, "holds-own-release-refused-zh-CN")
    assert hold["number"] in active_holds(ui_server)
    assert validity(ui_server, number) == "order_on_hold"

    # A second supervisor confirms it: the hold is lifted.
    name, password = second_supervisor(ui_server, "en")
    other = desk("en")
    login(other, name, password)
    go(other, "#/holds", "holds")
    other.locator(f"[data-hold='{hold['number']}']").scroll_into_view_if_needed()
    shot(other, "holds-second-supervisor-en")
    other.click(f"[data-hold='{hold['number']}'] [data-confirm='{release}']")
    said = wait_message(other, "ok", release)
    assert hold["number"] in said["text"], said
    wait_ready(other, "holds")
    other.wait_for_selector(f"[data-hold='{hold['number']}']", state="detached")
    shot(other, "holds-confirmed-by-second-en")
    assert hold["number"] not in active_holds(ui_server)
    assert validity(ui_server, number) is None
    listed = ok(ui_server.as_("supervisor").get(f"{SHIP}/holds", params={"active_only": "false"}))
    [lifted] = [h for h in listed if h["number"] == hold["number"]]
    assert [(r["number"], r["issued_by"], r["confirmed_by"]) for r in lifted["releases"]] == [
        (release, "supervisor", name)]
    assert js_errors(page) == [] and js_errors(other) == []


def test_a_draft_approved_and_the_stations_at_a_glance(desk, ui_server):
    number = draft_order(ui_server, "SO-APPR")
    page = desk("zh-CN")
    login(page, "supervisor")
    go(page, "#/approvals", "approvals")
    row = page.locator(f"#drafts [data-order='{number}']")
    row.wait_for()
    shot(page, "approvals-zh-CN")
    row.locator("[data-approve]").click()
    wait_message(page, "ok", number)
    wait_ready(page, "approvals")
    page.wait_for_selector(f"#drafts [data-order='{number}']", state="detached")
    assert ok(ui_server.as_("supervisor").get(f"{SHIP}/orders/{number}"))["status"] == "approved"

    words = catalogue(ui_server, "zh-CN")
    health = ok(ui_server.as_("supervisor").get(f"{API}/stations/PACK-01/health"))
    go(page, "#/stations", "stations")
    station = page.locator("#stations [data-station='PACK-01']")
    for device in health["devices"]:
        if device["role"] not in ("scale", "printer"):
            continue
        line = station.locator(f".device[data-role={device['role']}]")
        line.wait_for()
        assert line.get_attribute("data-ok") == str(device["ok"]).lower()
        assert words["stations.online" if device["ok"] else "stations.offline"] in line.text_content()
        assert words[f"stations.device.{device['role']}"] in line.text_content()
    assert {d["role"] for d in health["devices"]} >= {"scale", "printer"}
    station.locator(".print-queue .queue").wait_for()
    shot(page, "stations-zh-CN")
    assert js_errors(page) == []


def test_a_counted_difference_is_posted_and_the_count_closed_on_the_handheld(pda, ui_server):
    [order] = pickable_orders(ui_server, 1)
    task, book = order["task"], order["book"]
    new_wave(ui_server, [order], "picker")
    item = task["barcode"] or task["sku"]
    post(ui_server, "picker", f"/shipping/tasks/{task['task_id']}/count",
         {"location": task["location"], "item": item, "counted_quantity": book - 1})
    [opened] = [c for c in ok(ui_server.as_("supervisor").get(f"{SHIP}/cycle-counts"))
                if c["location"] == task["location"] and c["sku"] == task["sku"]]
    counted = post(ui_server, "picker", f"/shipping/cycle-counts/{opened['id']}/count",
                   {"location": task["location"], "item": item, "counted_quantity": book - 1})
    assert (counted["status"], counted["difference_found"]) == ("counted", True)
    [row] = ok(ui_server.as_("supervisor").get(f"{API}/stock", params={
        "location": task["location"], "item": task["sku"]}))
    assert row["quantity"] == book

    page = pda("zh-CN", role="supervisor")
    page.wait_for_selector("button.tile[data-go='#/differences']")
    shot(page, "supervisor-home-zh-CN")
    go(page, "#/differences", "differences")
    card = page.locator(f"#differences [data-count='{opened['id']}']")
    card.wait_for()
    assert card.locator(".book").text_content() == str(book)
    assert card.locator(".counted").text_content() == str(book - 1)
    assert card.locator(".difference").text_content() == "-1"
    card.scroll_into_view_if_needed()
    shot(page, "differences-zh-CN")
    card.locator("[data-settle]").click()
    said = wait_message(page, "ok", task["location"])
    assert "-1" in said["text"], said
    wait_ready(page, "differences")
    page.wait_for_selector(f"#differences [data-count='{opened['id']}']", state="detached")
    shot(page, "differences-settled-zh-CN")
    go(page, "#/holds", "holds")
    shot(page, "holds-pda-zh-CN")

    # The server: the count is done, the bin holds one less, the ledger has the pair.
    done = ok(ui_server.as_("supervisor").get(f"{SHIP}/cycle-counts", params={"status": "done"}))
    assert opened["id"] in [c["id"] for c in done]
    [after] = ok(ui_server.as_("supervisor").get(f"{API}/stock", params={
        "location": task["location"], "item": task["sku"]}))
    assert after["quantity"] == book - 1
    entries = ok(ui_server.as_("clerk").get(f"{API}/ledger", params={
        "item_id": row["item_id"], "kind": "count_difference", "page_size": 100}))
    at_bin = [e for e in entries if e["location_id"] == row["location_id"] and e["lot_id"] == row["lot_id"]]
    assert [e["quantity"] for e in at_bin] == [-1]
    pair = [e for e in entries if e["movement_id"] == at_bin[0]["movement_id"]]
    assert sorted(e["quantity"] for e in pair) == [-1, 1]
    assert str(opened["id"]) in at_bin[0]["reason"]
    verified = ui_server.wms("ledger", "verify", check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert js_errors(page) == []
