"""The audit trail in real Chromium against the real server: who did what, from which device.

A receiver names the handheld in its settings (a name of this test's own, as the server
is shared), receives a line against a purchase order of the test's own; every request
carried the device's id and name. At a desk (1280x800) a supervisor opens #/audit from
home, filters by that device and the document's number and finds the receipt started,
with the receiver, the device and the outcome in the supervisor's language (the demo's
speaks Chinese); the same search on the API names the handheld's own id and finds the
goods received too.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from tests.ui.helpers import js_errors, login, shot, wait_ready
from tests.ui.test_picking import catalogue
from tests.ui.test_receiving import (
    add_line,
    count_line,
    items_with_gtin,
    new_document,
    normal_supplier,
    ok,
    open_document,
)
from tests.ui.test_supervisor import desk  # noqa: F401 - the desk fixture

pytestmark = pytest.mark.slow


def test_a_supervisor_finds_a_receivers_action_by_device_and_document(pda, desk, ui_server):  # noqa: F811
    device_name = f"PDA-{uuid.uuid4().hex[:6].upper()}"
    item = items_with_gtin(ui_server, 1)[0]
    number = new_document(ui_server, "purchase_order", {"supplier": normal_supplier(ui_server, set())["code"]}, [item])

    handheld = pda("en", role="receiver")
    handheld.evaluate("() => { location.hash = '#/settings'; }")
    wait_ready(handheld, "settings")
    device_id = handheld.evaluate("() => localStorage.getItem('wms.device.id')")
    assert device_id in handheld.text_content("#device")  # shown in the settings
    handheld.fill("#device-name", device_name)
    handheld.click("#save-device")
    assert handheld.evaluate("() => localStorage.getItem('wms.device.name')") == device_name
    open_document(handheld, number)
    count_line(handheld, item, 5)
    add_line(handheld, item, 5)
    assert js_errors(handheld) == []

    page = desk("en")
    login(page, "supervisor")
    page.click('button[data-go="#/audit"]')
    wait_ready(page, "audit")
    page.fill("#audit-device", device_name)
    page.fill("#audit-document", number)
    page.click("#audit-search")
    page.wait_for_selector('main[data-screen=audit][data-ready=true] #audit-list li[data-action="receipt.start"]')
    started = page.locator('#audit-list li[data-action="receipt.start"]')
    assert started.count() == 1
    assert started.locator(".audit-device").text_content() == device_name
    assert number in started.locator(".audit-document").text_content()
    words = catalogue(ui_server, "zh-CN")  # the demo supervisor speaks Chinese
    assert words["audit_action.receipt.start"] in started.text_content()
    assert started.locator(".tag.ok").text_content() == words["audit.done"]
    shot(page, "audit-desk-zh-CN")
    assert js_errors(page) == []

    found = ok(ui_server.as_("supervisor").get(f"/api/v1/audit?device={quote(device_name)}"))["entries"]
    assert {e["action"] for e in found} >= {"receipt.start", "receipt.receive_line"}
    assert {e["device_id"] for e in found} == {device_id}
    assert all(e["status"] < 400 for e in found)
