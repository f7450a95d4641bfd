"""The audit trail in real Chromium against the real server: who did what, from which device.

A receiver names the handheld in its settings (a name of this test's own, as the server
is shared), receives a line against a purchase order of the test's own; every request
carried the device's id and name. At a desk (1280x800) a supervisor opens #/audit from
home, filters by that device and the document's number and finds the receipt started,
with the receiver, the device and the outcome in the supervisor's language (the demo's
speaks Chinese); searched by the user and an action, or the action's area, the list holds
only that user's lines of that action, each naming the device by the name it was given;
the same search on the API names the handheld's own id and finds the goods received too.
An English-speaking supervisor on a tablet (800x1280) sees the same search in English.
"""

from __future__ import annotations

import uuid
from urllib.parse import quote

import pytest

from tests.ui.helpers import js_errors, login, shot, wait_ready
from tests.ui.test_picking import catalogue, new_user
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

TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}

pytestmark = pytest.mark.slow

READY = "main[data-screen=audit][data-ready=true]"


def search(page, **fields: str) -> list[dict]:
    """Fill the filter form (every field not named is emptied), search, and return the
    entries listed: ``{action, user, device, document, text}`` each."""
    page.evaluate("() => { document.querySelector('#audit-list').dataset.stale = 'true'; }")
    for name in ("user", "device", "action", "document"):
        page.fill(f"#audit-{name}", fields.get(name, ""))
    page.click("#audit-search")
    page.wait_for_selector(f"{READY} #audit-list:not([data-stale])", state="attached")
    return page.evaluate("""() => Array.from(document.querySelectorAll('#audit-list li.audit-entry')).map((li) => {
        const text = (sel) => { const el = li.querySelector(sel); return el ? el.textContent.trim() : null; };
        return {action: li.dataset.action, user: text('.audit-user'), device: text('.audit-device'),
                document: text('.audit-document'), text: li.textContent};
    })""")


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

    lines = search(page, user="receiver", action="receipt.receive_line", device=device_name)
    assert lines and {e["action"] for e in lines} == {"receipt.receive_line"}
    assert all(e["user"].endswith("(receiver)") or e["user"] == "receiver" for e in lines)
    assert {e["device"] for e in lines} == {device_name}
    assert all(e["document"] and words["audit_action.receipt.receive_line"] in e["text"] for e in lines)  # the receipt
    area = search(page, user="receiver", action="receipt", device=device_name)
    assert {e["action"] for e in area} >= {"receipt.start", "receipt.receive_line"}
    assert all(e["action"].startswith("receipt.") and e["device"] == device_name for e in area)
    assert search(page, user="picker", document=number) == []
    assert page.text_content("#audit-status") == words["audit.none"]
    assert js_errors(page) == []

    name, password = new_user(ui_server, "supervisor", "en")
    tablet = desk("en", TABLET)
    login(tablet, name, password)
    tablet.evaluate("() => { location.hash = '#/audit'; }")
    wait_ready(tablet, "audit")
    shown = search(tablet, user="receiver", device=device_name, action="receipt")
    english = catalogue(ui_server, "en")
    started_en = next(e for e in shown if e["action"] == "receipt.start")
    assert english["audit_action.receipt.start"] in started_en["text"] and number in started_en["document"]
    assert {e["device"] for e in shown} == {device_name}
    assert tablet.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    shot(tablet, "audit-tablet-en")
    assert js_errors(tablet) == []

    found = ok(ui_server.as_("supervisor").get(f"/api/v1/audit?device={quote(device_name)}"))["entries"]
    assert {e["action"] for e in found} >= {"receipt.start", "receipt.receive_line"}
    assert {e["device_id"] for e in found} == {device_id}
    assert all(e["status"] < 400 for e in found)
