"""Flaky Wi-Fi on the handheld, in real Chromium against the real server: the outbox.

Every change a user makes carries its Idempotency-Key from the moment they act; without
network (or when the answer is lost on the way) it waits in the handheld's outbox and is
replayed in order when the network returns. These tests prove, at 360x640:

- no scan is lost and none is doubled when the network drops mid-receipt, including a
  receipt started offline whose lines refer to it;
- an answer lost on the way is replayed with the same key and counted once (the service
  answers the replay with its first answer);
- a refusal after replay (more than ordered) is shown, kept until the user dismisses it,
  and does not stop later actions that do not depend on it;
- the app starts with no network once it has been opened, and receives into the outbox;
- a picker's blind cycle count made offline is replayed and counted once.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.ui.helpers import (
    TIMEOUT_MS,
    feedback,
    js_errors,
    login,
    message,
    offline,
    queue_count,
    scan,
    shot,
    wait_ready,
)

pytestmark = pytest.mark.slow

API = "/api/v1"
ORDERED = 50


# --- the server's side ---------------------------------------------------------------------


def _post(ui_server, role: str, path: str, body: dict | None = None, status: int | tuple = (200, 201)):
    """One change over the API as a demo user, with its own Idempotency-Key."""
    answer = ui_server.as_(role).post(f"{API}{path}", json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert answer.status_code in ((status,) if isinstance(status, int) else status), f"{path}: {answer.text}"
    return answer.json()


def _user(ui_server, role: str, language: str) -> tuple[str, str]:
    """A user of this test's own (its language is the user's, kept on the server): name, password."""
    name, password = f"{role}-{language.lower()}-{uuid.uuid4().hex[:6]}", "net-test-" + uuid.uuid4().hex[:8]
    _post(ui_server, "admin", "/users", {"username": name, "password": password, "role": role,
                                         "display_name": name, "language": language}, status=201)
    return name, password


def _handheld(pda, ui_server, locale: str, role: str):
    """A handheld logged in as ``role`` speaking ``locale`` (a user of its own for English)."""
    if locale == "zh-CN":
        return pda(locale, role=role)
    page = pda(locale)
    login(page, *_user(ui_server, role, locale))
    return page


def _catalogues(ui_server, locale: str) -> tuple[dict, dict]:
    """The UI's strings and the service's messages in one language, as the handheld loads them."""
    ui = ui_server.call("GET", f"/app/i18n/{locale}.json").json()
    service = ui_server.call("GET", f"{API}/i18n/{locale}").json()
    return ui, service


def _skus(ui_server, n: int) -> list[str]:
    """``n`` active demo items (any: each test receives against a purchase order of its own)."""
    answer = ui_server.as_("clerk").get(f"{API}/items", params={"page_size": 50})
    assert answer.status_code == 200, answer.text
    skus = [item["sku"] for item in answer.json() if item.get("active", True)]
    assert len(skus) >= n
    return skus[:n]


def _purchase_order(ui_server, skus: list[str], ordered: int = ORDERED) -> str:
    """A new purchase order, made by the clerk, with a number no other test uses."""
    number = f"PO-NET-{uuid.uuid4().hex[:8].upper()}"
    answer = ui_server.as_("clerk").post(f"{API}/inbound-documents", headers={"Idempotency-Key": uuid.uuid4().hex},
                                         json={"number": number, "kind": "purchase_order", "supplier": "SUP-YW01",
                                               "lines": [{"item": sku, "quantity": ordered} for sku in skus]})
    assert answer.status_code == 201, answer.text
    return number


def _received(ui_server, number: str) -> dict[str, int]:
    """What the service holds as received against a document: units per SKU over its one receipt."""
    answer = ui_server.as_("supervisor").get(f"{API}/receipts/unposted")
    assert answer.status_code == 200, answer.text
    receipts = [r["id"] for r in answer.json() if r["document_number"] == number]
    assert len(receipts) == 1, f"{number}: one receipt expected, the service has {receipts}"
    receipt = ui_server.as_("supervisor").get(f"{API}/receipts/{receipts[0]}").json()
    totals: dict[str, int] = {}
    for line in receipt["lines"]:
        totals[line["sku"]] = totals.get(line["sku"], 0) + line["quantity"]
    return totals


def _ledger_verifies(ui_server) -> None:
    done = ui_server.wms("ledger", "verify", check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# --- the handheld's side -------------------------------------------------------------------


def _until(page, script: str, what: str, timeout: float = TIMEOUT_MS):
    """Poll ``script`` in the page until it is truthy (``wait_for_function`` is kept out by the CSP)."""
    deadline = time.monotonic() + timeout / 1000
    while True:
        value = page.evaluate(script)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout / 1000:.0f} s for {what}")
        time.sleep(0.1)


def _go(page, hash_: str, name: str) -> None:
    """Open a screen by its route, as the app's own links do (no page load: works offline)."""
    page.evaluate("(h) => { location.hash = h; }", hash_)
    wait_ready(page, name)


def _receive(page, code: str, quantity: int, expected: str) -> None:
    """Scan an item of the open document, enter its count and add the line; the app says ``expected``."""
    heard = scan(page, code)
    assert heard["kind"] == "ok", (code, heard, message(page))
    page.fill("#quantity", str(quantity))
    page.click("#add-line")
    page.wait_for_selector(f"#message[data-code={expected}]")
    wait_ready(page, "receipt")


def _open_receipt(page, number: str) -> None:
    _go(page, f"#/receipt/{number}", "receipt")
    page.wait_for_selector("#doc-lines li[data-sku]")


def _outbox_empty(page) -> None:
    expect(page.locator("#queue-count")).to_have_text("0", timeout=TIMEOUT_MS)
    _until(page, "() => import('/app/js/api.js').then((m) => m.outboxRows()).then((rows) => rows.length === 0)",
           "the outbox to be empty")


# --- the tests -----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_no_scan_is_lost_or_doubled_when_the_network_drops_mid_receipt(pda, ui_server, locale):
    skus = _skus(ui_server, 3)
    first, second = _purchase_order(ui_server, skus), _purchase_order(ui_server, skus)
    page = _handheld(pda, ui_server, locale, "receiver")
    _go(page, "#/receive", "receive")  # the day's open documents are kept on the handheld
    page.wait_for_selector(f"#documents [data-number='{second}']")
    _open_receipt(page, first)
    _receive(page, skus[0], 5, "ok")
    _receive(page, skus[1], 3, "ok")

    offline(page, True)
    _until(page, "() => document.getElementById('net').dataset.online === 'false'", "the offline sign")
    _receive(page, skus[0], 7, "queued")
    _receive(page, skus[2], 11, "queued")
    _receive(page, skus[1], 2, "queued")
    assert queue_count(page) == 3
    shot(page, f"offline-receipt-queued-{locale}")
    # A receipt started with no network: its creation waits, and its lines refer to it.
    _open_receipt(page, second)
    _receive(page, skus[2], 4, "queued")
    _receive(page, skus[0], 6, "queued")
    assert queue_count(page) == 6, "the receipt's creation and its two lines wait too"
    assert page.is_visible("#queue"), "the badge shows the waiting actions"
    shot(page, f"offline-badge-{locale}")
    _go(page, "#/queue", "queue")
    assert page.locator("li.card.queued").count() == 6
    shot(page, f"offline-queue-waiting-{locale}")

    offline(page, False)
    _outbox_empty(page)
    assert _received(ui_server, first) == {skus[0]: 12, skus[1]: 5, skus[2]: 11}
    assert _received(ui_server, second) == {skus[2]: 4, skus[0]: 6}
    _ledger_verifies(ui_server)
    assert js_errors(page) == []


def test_an_answer_lost_on_the_way_is_replayed_with_its_key_and_counted_once(pda, ui_server):
    skus = _skus(ui_server, 1)
    number = _purchase_order(ui_server, skus)
    page = pda("zh-CN", role="receiver")
    _open_receipt(page, number)
    _receive(page, skus[0], 2, "ok")  # the receipt exists: the next line is the one whose answer is lost

    seen: list[dict] = []

    def lose_the_first_answer(route):
        answer = route.fetch()
        seen.append({"key": route.request.headers.get("idempotency-key"), "status": answer.status,
                     "replayed": answer.headers.get("idempotent-replayed")})
        if len(seen) == 1:
            route.abort("connectionreset")  # the server did it; the handheld never hears so
        else:
            route.fulfill(response=answer)

    page.route("**/api/v1/receipts/*/lines", lose_the_first_answer)
    _receive(page, skus[0], 9, "queued")
    _outbox_empty(page)
    assert len(seen) == 2, seen
    assert seen[0]["key"] and seen[0]["key"] == seen[1]["key"], "the replay carries the action's own key"
    assert seen[0]["status"] == 201 and seen[1]["status"] == 201, seen
    assert seen[0]["replayed"] is None and seen[1]["replayed"] == "true", seen
    assert _received(ui_server, number) == {skus[0]: 11}, "the line whose answer was lost is counted once"
    assert js_errors(page) == []


@pytest.mark.parametrize("locale", ["zh-CN"])
def test_a_refusal_after_replay_is_shown_kept_until_dismissed_and_later_actions_go_through(pda, ui_server, locale):
    skus = _skus(ui_server, 2)
    number = _purchase_order(ui_server, skus)
    ui, service = _catalogues(ui_server, locale)
    page = _handheld(pda, ui_server, locale, "receiver")
    _open_receipt(page, number)
    _receive(page, skus[0], 10, "ok")
    offline(page, True)
    _receive(page, skus[0], 45, "queued")  # 55 of 50 ordered: the service will refuse it (R2)
    _receive(page, skus[1], 8, "queued")   # does not depend on the refused one
    assert queue_count(page) == 2

    offline(page, False)
    page.wait_for_selector("#message[data-code=over_receipt]")
    expect(page.locator("#queue")).to_have_class(re.compile(r"\brefused\b"))
    _outbox_waits_for_nothing(page)
    shown = message(page)
    assert shown["kind"] == "error", shown
    assert _service_message(service, "over_receipt", remaining=40) in shown["text"], shown
    refused_action = ui["action.receive_line"].format(sku=skus[0], n=45, number=number)
    assert refused_action in shown["text"], shown
    assert page.is_visible("#message a[href='#/queue']"), "the message leads to the outbox"
    wait_ready(page, "receipt")
    page.wait_for_selector("#doc-lines li[data-sku]")
    shot(page, f"offline-refused-message-{locale}")
    assert _received(ui_server, number) == {skus[0]: 10, skus[1]: 8}, "the later line went through"

    # Kept on the handheld, with what to do, until the user has read it: even over a restart.
    page.reload()
    wait_ready(page)
    _go(page, "#/queue", "queue")
    card = page.locator("#refused li[data-code=over_receipt]")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(refused_action)
    expect(card).to_contain_text(ui["hint.over_receipt"])
    expect(page.locator("#queue")).to_have_class(re.compile(r"\brefused\b"))
    shot(page, f"offline-queue-refused-{locale}")
    card.locator("button").click()
    expect(page.locator("#refused li")).to_have_count(0)
    expect(page.locator("#queue")).to_be_hidden()
    expect(page.locator("main p.big")).to_have_count(1)  # redrawn once, not once per outbox event
    expect(page.locator("main p.big")).to_have_text(ui["queue.nothing_waiting"])
    assert _received(ui_server, number) == {skus[0]: 10, skus[1]: 8}
    assert js_errors(page) == []


def test_the_app_starts_with_no_network_and_receives_into_the_outbox(pda, ui_server):
    skus = _skus(ui_server, 1)
    number = _purchase_order(ui_server, skus)
    page = pda("zh-CN", role="receiver")
    _go(page, "#/receive", "receive")
    page.wait_for_selector(f"#documents [data-number='{number}']")
    _until(page, "() => !!navigator.serviceWorker.controller", "the service worker to control the page")

    offline(page, True)
    page.reload()
    wait_ready(page, "receive")
    assert page.is_visible("main .notice.warn"), "the list says it is the kept copy"
    shot(page, "offline-start-receive-zh-CN")
    page.click(f"#documents [data-number='{number}']")
    wait_ready(page, "receipt")
    _receive(page, skus[0], 5, "queued")
    assert queue_count(page) == 2, "the receipt's creation and its line wait"

    offline(page, False)
    _outbox_empty(page)
    assert _received(ui_server, number) == {skus[0]: 5}
    assert js_errors(page) == []


def test_a_cycle_count_made_offline_is_replayed_and_counted_once(pda, ui_server):
    task_id, bin_code, sku, book = _cycle_count(ui_server)
    page = pda("zh-CN", role="picker")
    _go(page, "#/counts", "counts")
    page.wait_for_selector(f"#count-tasks [data-count='{task_id}']")
    offline(page, True)
    page.click(f"#count-tasks [data-count='{task_id}']")
    wait_ready(page, "count")
    scan(page, bin_code)
    scan(page, sku)
    page.fill("#counted", str(book))
    heard = len(feedback(page))
    page.click("#submit-count")
    wait_ready(page, "counts")
    # The screen moves on to the list at once; the sound and the log say it was kept.
    _until(page, f"() => window.wmsApp.feedback.slice({heard}).some((f) => f.code === 'queued')",
           "the count to be kept in the outbox")
    assert queue_count(page) == 1
    shot(page, "offline-count-queued-zh-CN")

    offline(page, False)
    _outbox_empty(page)
    done = ui_server.as_("supervisor").get(f"{API}/shipping/cycle-counts", params={"status": "done"}).json()
    counted = [c for c in done if c["id"] == task_id]
    assert counted and counted[0]["counted_quantity"] == book and counted[0]["counted_by"] == "picker", counted
    assert js_errors(page) == []


# --- more of the server's side -------------------------------------------------------------


def _service_message(service: dict, code: str, **details) -> str:
    """The service's words for a refusal, as its catalogue gives them (detailed when it can be)."""
    detailed = (service.get("detailed") or {}).get(code)
    if detailed:
        return detailed.format(**details)
    return service["messages"][code]


def _outbox_waits_for_nothing(page) -> None:
    expect(page.locator("#queue-count")).to_have_text("0", timeout=TIMEOUT_MS)


def _cycle_count(ui_server) -> tuple[int, str, str, int]:
    """A cycle count opened by a picker's short count on an order of this test's own:
    (its id, the bin, the SKU, the book quantity of the item in the bin)."""
    rows = ui_server.as_("supervisor").get(f"{API}/stock", params={"page_size": 100}).json()
    by_item: dict[str, int] = {}
    for row in rows:
        if row["owner_code"] and row["quantity"] >= 3:
            by_item[row["sku"]] = by_item.get(row["sku"], 0) + row["quantity"]
    for sku in sorted(by_item, key=by_item.get, reverse=True)[:10]:
        number = f"SO-NET-{uuid.uuid4().hex[:8].upper()}"
        _post(ui_server, "clerk", "/shipping/orders", {
            "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
            "recipient_address": "浙江省杭州市西湖区文三路1号", "lines": [{"item": sku, "quantity": 1}]}, status=201)
        _post(ui_server, "supervisor", f"/shipping/orders/{number}/approve")
        if not _post(ui_server, "supervisor", f"/shipping/orders/{number}/allocate")["fully_allocated"]:
            continue
        task = ui_server.as_("picker").get(f"{API}/shipping/orders/{number}/pick-list").json()[0]
        short = _post(ui_server, "picker", f"/shipping/tasks/{task['task_id']}/count", {
            "location": task["location"], "item": task["sku"], "lot": task["lot"],
            "counted_quantity": 0})
        assert short["count_exception_id"], short
        opened = [c for c in ui_server.as_("supervisor").get(f"{API}/shipping/cycle-counts").json()
                  if c["location"] == task["location"] and c["sku"] == task["sku"]]
        assert opened, f"no cycle count at {task['location']} for {task['sku']}"
        stock = ui_server.as_("supervisor").get(f"{API}/stock", params={
            "location": task["location"], "item": task["sku"]}).json()
        return opened[-1]["id"], task["location"], task["sku"], sum(row["quantity"] for row in stock)
    raise AssertionError("no demo item with free stock to pick")
