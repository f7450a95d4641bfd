"""The receiver's day on a 360x640 handheld in real Chromium against the real server.

A purchase order is scanned, counted (R2) with one damaged carton (R4), handed over with
both signatures (R3), inspected by sample with an expansion and a rejection (R5), posted
by the clerk (R8, R9) and put away to the suggested bins with a lot label printed at a
station; a customer return is classified unit by unit (R6); the refusals a receiver meets
(R1, R2) are shown in the user's language with the error sound. Every document is made
by the test under a number of its own, so the shared demo server is left as it was.
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.ui.helpers import js_errors, login, message, scan, shot, wait_ready, wedge

pytestmark = pytest.mark.slow

LOT_SIZE = 20
EXPIRY = "2027-06-30"
#: Latin letters forming a sentence: what the Chinese screens must not show.
ENGLISH_SENTENCE = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}")


def key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


def ok(answer, status: int = 200):
    assert answer.status_code == status, answer.text
    return answer.json()


def normal_supplier(ui_server, skip: set[str]) -> dict:
    """A demo supplier inspected at the normal rate with no rejected lot lately (R5)."""
    clerk = ui_server.as_("clerk")
    for supplier in ok(clerk.get("/api/v1/suppliers?page_size=100")):
        if supplier["code"] in skip:
            continue
        quality = ok(clerk.get(f"/api/v1/supplier-quality/{supplier['id']}"))
        rejected = (quality.get("reason_params") or {}).get("rejected", 0)
        if quality["state"] == "normal" and quality["rate_percent"] == 10 and not rejected:
            return supplier
    raise AssertionError("no demo supplier under normal inspection")


def items_with_gtin(ui_server, n: int, skip: int = 0) -> list[dict]:
    """``n`` demo items that have a GTIN (a lot label needs one), each with it as ``gtin``."""
    found = []
    for item in ok(ui_server.as_("clerk").get("/api/v1/items?page_size=100")):
        gtins = [b["code"] for b in item["barcodes"] if b["kind"] == "gtin"]
        if gtins and item["active"]:
            found.append({**item, "gtin": gtins[0]})
    assert len(found) >= n + skip
    return found[skip:skip + n]


def new_document(ui_server, kind: str, party: dict, items: list[dict], quantity: int = LOT_SIZE) -> str:
    """An inbound document made by the clerk under a number of its own (R1)."""
    number = f"{'PO' if kind == 'purchase_order' else 'RMA'}-UI-{uuid.uuid4().hex[:8].upper()}"
    body = {"number": number, "kind": kind, "lines": [{"item": i["sku"], "quantity": quantity} for i in items],
            **party}
    ok(ui_server.as_("clerk").post("/api/v1/inbound-documents", json=body, headers=key()), 201)
    return number


def handheld(pda, ui_server, locale: str, role: str):
    """A handheld logged in as a user of this test's own with ``role``, speaking ``locale``
    (the app speaks its user's language, kept on the server)."""
    name, password = f"{role}-{locale.lower()}-{uuid.uuid4().hex[:6]}", "rcv-" + uuid.uuid4().hex[:10]
    ok(ui_server.as_("admin").post("/api/v1/users", headers=key(), json={
        "username": name, "password": password, "role": role, "display_name": name, "language": locale}), 201)
    page = pda(locale)
    login(page, name, password)
    return page


def wait_message(page, code: str | None = None, kind: str | None = None) -> dict:
    """The message bar once it shows ``code`` (and ``kind``)."""
    selector = "#message:not([hidden])"
    if code is not None:
        selector += f'[data-code="{code}"]'
    if kind is not None:
        selector += f'[data-kind="{kind}"]'
    page.wait_for_selector(selector, state="attached")
    return message(page)


def receipt_screen(page) -> None:
    page.wait_for_selector("main[data-screen=receipt][data-ready=true] #doc-lines")


def open_document(page, number: str) -> None:
    """On the receive screen, scan the document's barcode."""
    page.goto("/#/receive")
    wait_ready(page, "receive")
    assert scan(page, number)["kind"] == "ok"
    receipt_screen(page)


def count_line(page, item: dict, quantity: int, packaging: str = "intact", expiry: str | None = EXPIRY,
               shot_name: str | None = None, sound: str = "ok") -> None:
    """Scan an item (wedge), type the count, choose the packaging, add the line."""
    assert scan(page, item["gtin"])["kind"] == sound
    page.wait_for_selector("#entry:not([hidden]) #quantity")
    page.fill("#quantity", str(quantity))
    page.click(f'#packaging button[data-packaging="{packaging}"]')
    page.wait_for_selector(f'#packaging button.chosen[data-packaging="{packaging}"]')
    assert page.input_value("#quantity") == str(quantity), "choosing the packaging lost the count"
    if packaging != "intact":
        assert page.locator("#entry .notice.warn").count() == 1, "the screen must say the goods are inspected"
    if expiry:
        page.fill("#expiry", expiry)
    if shot_name:
        shot(page, shot_name)


def add_line(page, item: dict, received: int) -> None:
    page.click("#add-line")
    page.wait_for_selector(f'#doc-lines li[data-sku="{item["sku"]}"] .received:text-is("{received}")')
    receipt_screen(page)


def draw_signature(page, selector: str) -> None:
    """Sign on a canvas with the finger (mouse events, as signature_pad hears them)."""
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    assert box and box["width"] > 100 and box["height"] > 40, f"{selector} is too small to sign: {box}"
    x, y = box["x"], box["y"]
    page.mouse.move(x + 20, y + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + 20 + step * (box["width"] - 40) / 11,
                        y + box["height"] * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()


def hand_over(page, locale: str, receipt_id: int | None = None) -> int:
    """From the receipt screen: the delivery note, both names and signatures, submit."""
    page.click("#to-handover")
    wait_ready(page, "handover")
    page.wait_for_selector("#receiver-pad")
    if receipt_id is None:
        receipt_id = int(page.evaluate("() => location.hash.split('/').pop()"))
    wedge(page, f"DN-{uuid.uuid4().hex[:6]}")  # the delivery note's barcode
    page.wait_for_function("() => document.getElementById('delivery-note').value.length > 0")
    page.fill("#deliverer-name", "王师傅" if locale == "zh-CN" else "Driver Wang")
    draw_signature(page, "#receiver-pad")
    draw_signature(page, "#deliverer-pad")
    shot(page, f"handover-{locale}")
    page.click("#submit-receipt")
    wait_ready(page, "inspect")
    page.wait_for_selector("main[data-screen=inspect] #inspection-lines li")
    return receipt_id


def line_card(page, line_id: int):
    return page.locator(f'#inspection-lines li[data-line="{line_id}"]')


def record_round(page, item: dict, line_id: int, units: int, defects: int) -> None:
    """Scan the item to inspect it, enter the round, record it."""
    assert scan(page, item["gtin"])["kind"] == "ok"
    page.wait_for_selector(f'#inspection-lines li.current[data-line="{line_id}"]')
    page.wait_for_selector("#inspection-entry:not([hidden]) #units")
    page.fill("#units", str(units))
    page.fill("#defects", str(defects))
    before = len(page.evaluate("() => window.wmsApp.feedback"))
    page.click("#record-round")
    page.wait_for_function("(n) => window.wmsApp.feedback.length > n", arg=before)


def assert_chinese(text: str, where: str) -> None:
    assert not ENGLISH_SENTENCE.search(text), f"{where} shows English in the Chinese UI: {text!r}"


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_purchase_order_is_received_inspected_posted_and_put_away(pda, ui_server, locale):
    """R1-R5, R8, R9: scan, count, damaged packaging forces inspection, sign, sample with
    expansion and rejection, post, put away to the suggested bin, print a lot label."""
    supplier = normal_supplier(ui_server, skip={"SUP-GZ01"} if locale == "en" else set())
    clean, expanded, damaged = items_with_gtin(ui_server, 3, skip=0 if locale == "zh-CN" else 3)
    number = new_document(ui_server, "purchase_order", {"supplier": supplier["code"]}, [clean, expanded, damaged])
    page = handheld(pda, ui_server, locale, "receiver")

    page.goto("/#/receive")
    wait_ready(page, "receive")
    page.wait_for_selector(f'#documents button[data-number="{number}"]')
    shot(page, f"receive-{locale}")
    open_document(page, number)
    shot(page, f"receipt-{locale}")
    count_line(page, clean, LOT_SIZE, shot_name=f"receipt-entry-{locale}")
    add_line(page, clean, LOT_SIZE)
    count_line(page, expanded, LOT_SIZE)
    add_line(page, expanded, LOT_SIZE)
    count_line(page, damaged, LOT_SIZE, packaging="damaged", shot_name=f"receipt-damaged-{locale}")
    if locale == "zh-CN":
        assert_chinese(page.text_content("#entry"), "the damaged packaging's notice")
    add_line(page, damaged, LOT_SIZE)
    assert page.locator("#receipt-lines li").count() == 3
    shot(page, f"receipt-lines-{locale}")

    receipt_id = hand_over(page, locale)
    receipt = ok(ui_server.as_("receiver").get(f"/api/v1/receipts/{receipt_id}"))
    assert receipt["status"] == "submitted" and receipt["delivery_note"].startswith("DN-")
    lines = {line["sku"]: line for line in receipt["lines"]}
    assert {sku: line["quantity"] for sku, line in lines.items()} == {
        clean["sku"]: LOT_SIZE, expanded["sku"]: LOT_SIZE, damaged["sku"]: LOT_SIZE}
    assert lines[damaged["sku"]]["packaging"] == "damaged"
    assert lines[damaged["sku"]]["packaging_replacement_requested"] is True
    assert lines[clean["sku"]]["expiry_date"] == EXPIRY
    clean_id, expanded_id, damaged_id = (lines[i["sku"]]["id"] for i in (clean, expanded, damaged))
    # The plan as the service made it, and as the screen words it.
    assert lines[clean["sku"]]["inspection"]["sample_size"] == 2
    assert lines[damaged["sku"]]["inspection"]["rate_percent"] == 100
    for line_id, plan in ((clean_id, "2"), (expanded_id, "2"), (damaged_id, "20")):
        card = line_card(page, line_id)
        assert plan in card.locator(".plan").text_content()
        reason = card.locator(".reason").text_content().strip()
        assert reason, "the sampling reason is not shown"
        if locale == "zh-CN":
            assert_chinese(reason, "the sampling reason")
    assert "10%" in line_card(page, clean_id).locator(".plan").text_content()
    assert "100%" in line_card(page, damaged_id).locator(".plan").text_content()
    shot(page, f"inspect-plan-{locale}")

    # A clean sample: 2 inspected, no defect, the lot is accepted.
    record_round(page, clean, clean_id, 2, 0)
    line_card(page, clean_id).locator('[data-state="accepted"]').wait_for()

    # One defect in the first 2: the sample expands to 30% of 20 = 6, 4 more to inspect.
    record_round(page, expanded, expanded_id, 2, 1)
    assert wait_message(page, "sample_expanded", "warn")
    notice = line_card(page, expanded_id).locator(".expanded")
    assert "6" in notice.text_content() and "4" in notice.text_content()
    assert page.locator("#inspection-entry").text_content().count("4") >= 1
    if locale == "zh-CN":
        assert_chinese(notice.text_content(), "the expansion notice")
    shot(page, f"inspect-expanded-{locale}")
    record_round(page, expanded, expanded_id, 4, 0)
    line_card(page, expanded_id).locator('[data-state="accepted"]').wait_for()

    # Damaged packaging: every unit; 7 defective of 20 is above 30%: the lot is rejected.
    record_round(page, damaged, damaged_id, 2, 2)
    record_round(page, damaged, damaged_id, 18, 5)
    assert wait_message(page, "lot_rejected", "error")
    line_card(page, damaged_id).locator('[data-state="rejected"]').wait_for()
    rejected_text = line_card(page, damaged_id).locator(".notice.stop").text_content()
    assert "7" in rejected_text and "20" in rejected_text
    if locale == "zh-CN":
        assert_chinese(rejected_text, "the rejection")
        assert_chinese(page.text_content("main"), "the inspection screen")
    page.wait_for_selector("#all-decided")
    line_card(page, damaged_id).scroll_into_view_if_needed()
    shot(page, f"inspect-rejected-{locale}")

    receipt = ok(ui_server.as_("receiver").get(f"/api/v1/receipts/{receipt_id}"))
    outcome = {line["id"]: (line["state"], line["inspection"]["accepted_quantity"],
                            line["inspection"]["rejected_quantity"]) for line in receipt["lines"]}
    assert outcome == {clean_id: ("accepted", 20, 0), expanded_id: ("accepted", 19, 1),
                       damaged_id: ("rejected", 0, 20)}

    # The clerk posts it on a second handheld (R8: it is listed as ready to post).
    clerk = handheld(pda, ui_server, locale, "clerk")
    clerk.goto("/#/post")
    wait_ready(clerk, "post")
    post_button = clerk.locator(f'#unposted li[data-receipt="{receipt["number"]}"] button[data-post]')
    post_button.wait_for()
    shot(clerk, f"post-{locale}")
    post_button.click()
    posted_text = wait_message(clerk, kind="ok")["text"]
    receipt = ok(ui_server.as_("receiver").get(f"/api/v1/receipts/{receipt_id}"))
    assert receipt["status"] == "posted"
    lots = {line["id"]: line for line in receipt["lines"]}
    assert all(line["lot_code"] in posted_text for line in lots.values())
    clerk.wait_for_selector(f'#unposted li[data-receipt="{receipt["number"]}"]', state="detached")
    assert js_errors(clerk) == []

    # Put-away: scan the lot's label, the suggested bin is shown, scan that bin.
    page.goto("/#/putaway")
    wait_ready(page, "putaway")
    shot(page, f"putaway-{locale}")
    bins = {}
    for line_id in (clean_id, expanded_id):
        lot = lots[line_id]["lot_code"]
        assert scan(page, lot)["kind"] == "ok"
        page.wait_for_selector("#suggested-bin")
        bins[line_id] = page.text_content("#suggested-bin").strip()
        assert lot in page.text_content("#lot-card")
        if locale == "zh-CN":
            # (the station's name is the warehouse's own data, whatever its language)
            assert_chinese(page.text_content("#putaway").replace(page.text_content("#stations"), ""),
                           "the put-away screen")
        if line_id == clean_id:
            page.click("#label summary")
            page.click('#stations button[data-station="PACK-01"]')
            wait_message(page, kind="ok")
            shot(page, f"putaway-suggested-{locale}")
        assert scan(page, bins[line_id])["kind"] == "ok"
        assert wait_message(page, "ok", "ok")
        assert bins[line_id] in message(page)["text"]
        page.wait_for_selector("#suggested-bin", state="detached")

    # The label was made from the lot and printed by the station's (simulated) printer.
    supervisor = ui_server.as_("supervisor")
    jobs = [job for job in ok(supervisor.get("/api/v1/stations/PACK-01/print-jobs"))
            if job["document_number"] == lots[clean_id]["lot_code"]]
    assert jobs and jobs[0]["document_type"] == "lot" and jobs[0]["state"] in ("queued", "sent", "printed")

    # The ledger: each accepted lot's units went from receiving into the bin shown (L1).
    for line_id, bin_code in bins.items():
        entries = ok(supervisor.get(f"/api/v1/ledger?lot_id={lots[line_id]['lot_id']}&kind=putaway"))
        into = [e for e in entries if e["quantity"] > 0]
        assert [e["quantity"] for e in into] == [lots[line_id]["accepted_quantity"]]
        location = ok(supervisor.get(f"/api/v1/locations/{into[0]['location_id']}"))
        assert location["code"] == bin_code
    rejection = ok(supervisor.get(f"/api/v1/ledger?lot_id={lots[damaged_id]['lot_id']}&kind=rejection"))
    assert sum(e["quantity"] for e in rejection if e["quantity"] > 0) == 20
    assert ok(supervisor.get("/api/v1/ledger/verify"))["ok"] is True
    ui_server.wms("ledger", "verify")
    assert js_errors(page) == []


def test_a_customer_return_is_classified_unit_by_unit(pda, ui_server):
    """R6: every returned unit is resellable, damaged or missing parts, on the inspection screen."""
    customers = ok(ui_server.as_("clerk").get("/api/v1/customers?page_size=5"))
    item, = items_with_gtin(ui_server, 1, skip=6)
    number = new_document(ui_server, "customer_return", {"customer": customers[0]["code"]}, [item], quantity=5)
    page = handheld(pda, ui_server, "zh-CN", "receiver")
    open_document(page, number)
    count_line(page, item, 5, expiry=None)
    add_line(page, item, 5)
    receipt_id = hand_over(page, "zh-CN")
    page.wait_for_selector("#inspection-entry:not([hidden]) #record-classification")
    assert_chinese(page.text_content("main"), "the classification screen")
    page.fill("#resellable", "3")
    page.fill("#damaged", "1")
    page.fill("#missing-parts", "1")
    shot(page, "inspect-return-zh-CN")
    page.click("#record-classification")
    page.wait_for_selector("#all-decided")
    shot(page, "inspect-return-decided-zh-CN")
    line, = ok(ui_server.as_("receiver").get(f"/api/v1/receipts/{receipt_id}"))["lines"]
    assert (line["resellable"], line["damaged"], line["missing_parts"]) == (3, 1, 1)
    assert line["state"] == "accepted" and line["inspection"]["kind"] == "return_classification"
    assert js_errors(page) == []


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_refusals_show_the_services_message_in_the_users_language_with_the_error_sound(pda, ui_server, locale):
    """R1 (no open document, an item not on it) and R2 (more than ordered)."""
    catalogue = ok(ui_server.as_("receiver").get(f"/api/v1/i18n/{locale}"))
    supplier = normal_supplier(ui_server, skip=set())
    on_document, elsewhere = items_with_gtin(ui_server, 2, skip=10)
    number = new_document(ui_server, "purchase_order", {"supplier": supplier["code"]}, [on_document], quantity=5)
    page = handheld(pda, ui_server, locale, "receiver")

    def refused_with(code: str, expected: str, name: str) -> None:
        shown = wait_message(page, code, "error")
        assert shown["text"].startswith(expected), (shown["text"], expected)
        assert page.evaluate("() => window.wmsApp.feedback.slice(-1)[0]")["kind"] == "error"
        if locale == "zh-CN":
            assert_chinese(shown["text"], f"the {code} refusal")
        shot(page, f"{name}-{locale}")

    page.goto("/#/receive")
    wait_ready(page, "receive")
    missing = f"PO-NONE-{uuid.uuid4().hex[:6].upper()}"
    wedge(page, missing)
    refused_with("no_open_document", catalogue["detailed"]["no_open_document"].replace("{number}", missing),
                 "refused-no-document")

    open_document(page, number)
    # A code the kept document does not list: a warning; the service decides on adding.
    count_line(page, elsewhere, 1, expiry=None, sound="warn")
    page.click("#add-line")
    refused_with("item_not_on_document", catalogue["messages"]["item_not_on_document"], "refused-not-on-document")

    receipt_screen(page)
    count_line(page, on_document, 6, expiry=None)
    page.click("#add-line")
    refused_with("over_receipt", catalogue["detailed"]["over_receipt"].replace("{remaining}", "5"),
                 "refused-over-receipt")
    # Nothing was received: the line still waits for all 5.
    doc = ok(ui_server.as_("receiver").get(f"/api/v1/inbound-documents/by-number/{number}"))
    assert doc["lines"][0]["received"] == 0
    assert js_errors(page) == []
