"""The packing station and the courier's handover manifest, in real Chromium against the real server.

Each test wires a packing station of its own to a simulated scale and label printer
(as the demo's PACK-01 is) and packs an order made, approved, allocated and picked by
the test, on a station's 1280x800 screen and on a 360x640 handheld:

1. every unit of the parcel scanned and checked by the service (a wrong item refused; a
   reload mid-verify shows the units scanned so far), the packaging chosen (named in the
   user's language), the live weight followed with its stable flag, the waybill
   issued, one press ships (the service weighs, checks, ships, deducts and queues the
   label) and the label is printed by the printer; the parcel then goes on a manifest,
   refused twice, signed by driver and shipper, closed, exported and printed (the ship
   step asked no courier's signature: the driver signs the manifest);
2. a unit missing from the box is caught by the weight check (S2 weight check):
   ``parcel_weight_mismatch`` with the expected and the measured weight, nothing shipped;
   a supervisor accepts the weight on their own device, the station shows who and why
   without a reload, and the parcel ships;
3. a hold recorded between the verify and the ship stops the parcel on screen, with the
   hold's reason, without a reload, and nothing ships (S4);
4. the printer switched off before the ship: the parcel ships, its label job fails and
   says so ("print again" while it is still off fails again); once the printer is back
   the service's print watch prints the label by itself, once, with nothing pressed.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from devices.simulators.printer import PrinterSimulator
from devices.simulators.scale import ScaleSimulator
from tests.ui.conftest import PDA_DEVICE
from tests.ui.helpers import PAGE_ERRORS, TIMEOUT_MS, js_errors, login, message, scan, shot, wait_ready

pytestmark = pytest.mark.slow

API = "/api/v1"
SHIP = f"{API}/shipping"
#: A unit heavier than any tolerance the demo gives a two-unit parcel.
MIN_UNIT_GRAMS = 200
#: The two screens a station runs on: a packing table's monitor and a handheld.
SIZES = {"1280": {"viewport": {"width": 1280, "height": 800}},
         "360": PDA_DEVICE}


# --- the server's side ---------------------------------------------------------------------


def key() -> dict:
    return {"Idempotency-Key": uuid.uuid4().hex}


def ok(answer, status: int | tuple = (200, 201, 202)):
    assert answer.status_code in ((status,) if isinstance(status, int) else status), answer.text
    return answer.json()


def post(ui_server, role: str, path: str, body: dict | None = None):
    return ok(ui_server.as_(role).post(f"{API}{path}", json=body, headers=key()))


def got(ui_server, role: str, path: str, **params):
    return ok(ui_server.as_(role).get(f"{API}{path}", params=params), 200)


class Station:
    """A packing station of the test's own, its scale and printer simulated on loopback TCP."""

    def __init__(self, ui_server):
        self.scale = ScaleSimulator("mt-sics", "tcp", weight="0", stability_timeout=2).start()
        self.printer = PrinterSimulator("zpl", "tcp").start()
        self.code = f"PK-{uuid.uuid4().hex[:6].upper()}"
        warehouse = got(ui_server, "admin", "/warehouses")[0]["id"]
        post(ui_server, "admin", "/stations", {
            "code": self.code, "name": f"打包台 {self.code}", "kind": "packing", "warehouse_id": warehouse,
            "scale_url": self.scale.url, "scale_protocol": "mt-sics", "printer_url": self.printer.url,
            "printer_language": "zpl", "printer_options": {"timeout": 3}})

    def weigh(self, grams: int, *, stable: bool = True) -> None:
        """Put a parcel of ``grams`` on the pan (the scale answers in kg)."""
        self.scale.set_weight(str(Decimal(grams) / 1000), stable=stable)

    def stop(self) -> None:
        self.scale.stop()
        self.printer.stop()


@pytest.fixture
def station(ui_server):
    made = Station(ui_server)
    yield made
    made.stop()


def heavy_items(ui_server) -> list[dict]:
    """Items weighing at least MIN_UNIT_GRAMS a unit, not lot-tracked, heaviest first."""
    items, page = [], 1
    while True:
        rows = got(ui_server, "clerk", "/items", page_size=100, page=page)
        items += [i for i in rows if (i.get("weight_grams") or 0) >= MIN_UNIT_GRAMS and not i["lot_tracked"]]
        if len(rows) < 100:
            return sorted(items, key=lambda i: (-i["weight_grams"], i["sku"]))
        page += 1


def own_stock(ui_server, sku: str) -> list[dict]:
    return got(ui_server, "supervisor", "/stock", item=sku, page_size=100)


def picked_order(ui_server, quantity: int = 2, *, verified: bool = False) -> dict:
    """An approved order of ``quantity`` units of one heavy item, picked (its tasks counted
    over the API at the bins' book): ``{number, sku, unit_grams, other_sku}``; with
    ``verified`` its units are scanned too (S2 step 2 done)."""
    items = heavy_items(ui_server)
    for item in items:
        stock = own_stock(ui_server, item["sku"])
        by_bin: dict[tuple, list] = {}
        for row in stock:
            by_bin.setdefault((row["location_code"], row["lot_code"]), []).append(row)
        if (sum(r["available"] for r in stock if r["owner_code"] == "OWN") < quantity + 1
                or any(r["quantity"] > 100_000 for r in stock)):
            continue
        number = f"SO-PACK-{uuid.uuid4().hex[:8].upper()}"
        post(ui_server, "clerk", "/shipping/orders", {
            "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
            "recipient_address": "浙江省杭州市西湖区文三路1号",
            "lines": [{"item": item["sku"], "quantity": quantity}]})
        post(ui_server, "supervisor", f"/shipping/orders/{number}/approve")
        if not post(ui_server, "supervisor", f"/shipping/orders/{number}/allocate")["fully_allocated"]:
            post(ui_server, "supervisor", f"/shipping/orders/{number}/cancel", {"reason": "test: not enough stock"})
            continue
        counted = True
        for task in got(ui_server, "picker", f"/shipping/orders/{number}/pick-list"):
            rows = [r for r in own_stock(ui_server, task["sku"])
                    if r["location_code"] == task["location"] and r["lot_code"] == task["lot"]
                    and r["owner_code"] == "OWN"]
            answer = post(ui_server, "picker", f"/shipping/tasks/{task['task_id']}/count", {
                "location": task["location"], "item": task["sku"], "lot": task["lot"],
                "counted_quantity": sum(r["quantity"] for r in rows)})
            counted = counted and answer["status"] == "counted"
        order = got(ui_server, "supervisor", f"/shipping/orders/{number}")
        if not counted or order["stage"] != "counted":
            continue
        if verified:
            post(ui_server, "shipper", f"/shipping/orders/{number}/verify-scans",
                 {"item": item["sku"], "quantity": quantity})
        other = next(i["sku"] for i in items if i["sku"] != item["sku"])
        return {"number": number, "sku": item["sku"], "unit_grams": item["weight_grams"], "other_sku": other}
    pytest.fail("no heavy item of the demo has stock enough to pack two units")


def expected(ui_server, number: str, packaging: str | None = None) -> dict:
    params = {"packaging": packaging} if packaging else {}
    return got(ui_server, "shipper", f"/shipping/orders/{number}/expected-weight", **params)


# --- the station's side ---------------------------------------------------------------------


@pytest.fixture
def screen_of(browser, ui_server):
    """A factory: ``screen_of(size, locale) -> page`` logged in as a new shipper speaking
    ``locale``, on a screen of ``size`` (``1280``: the station's monitor; ``360``: a handheld)."""
    contexts = []

    def open_screen(size: str, locale: str):
        context = browser.new_context(base_url=ui_server.base, locale=locale, **SIZES[size])
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        errors = PAGE_ERRORS.setdefault(page, [])
        page.on("pageerror", lambda error: errors.append(str(error)))
        name, password = f"packer-{uuid.uuid4().hex[:6]}", "pack-" + uuid.uuid4().hex[:10]
        post(ui_server, "admin", "/users", {"username": name, "password": password, "role": "shipper",
                                           "display_name": "王打包" if locale == "zh-CN" else "Pat Packer",
                                           "language": locale})
        page.goto("/")
        wait_ready(page)
        login(page, name, password)
        return page

    yield open_screen
    for context in contexts:
        for page in context.pages:
            PAGE_ERRORS.pop(page, None)
        context.close()


def at_step(page, step: str, number: str | None = None) -> None:
    order = f'[data-order="{number}"]' if number else ""
    page.wait_for_selector(f'main[data-screen=pack][data-ready=true] #pack[data-step={step}]{order}')


def open_station(page, station: Station) -> None:
    page.goto(f"/#/pack/{station.code}")
    wait_ready(page, "pack")
    at_step(page, "order")


def open_parcel(page, ui_server, station: Station, order: dict, packaging: str | None = None) -> dict:
    """Scan a verified order at the station, choose the packaging, issue its SF waybill:
    answers the expected weight the service gives for that packaging."""
    assert scan(page, order["number"])["kind"] == "ok", message(page)
    at_step(page, "parcel", order["number"])
    if packaging:
        page.click(f'#packagings button[data-packaging="{packaging}"]')
    want = expected(ui_server, order["number"], packaging)
    page.wait_for_selector(f'#expected-weight[data-grams="{want["expected_grams"]}"]'
                           f'[data-tolerance="{want["tolerance_grams"]}"]')
    page.select_option("#courier", "SF")
    page.click("#issue-waybill")
    page.wait_for_selector("#waybill[data-courier=SF]")
    return want


def sign(page, selector: str) -> None:
    """Sign on a canvas with the finger (mouse events, as signature_pad hears them)."""
    page.locator(selector).scroll_into_view_if_needed()
    box = page.locator(selector).bounding_box()
    assert box and box["width"] > 100 and box["height"] > 40, f"{selector} is too small to sign: {box}"
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 20 + step * (box["width"] - 40) / 11,
                        box["y"] + box["height"] * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()


def shipped_with(ui_server, courier: str) -> str:
    """A parcel shipped over the API with ``courier``'s waybill (weighed by hand): its tracking number."""
    order = picked_order(ui_server, verified=True)
    waybill = post(ui_server, "shipper", f"/shipping/orders/{order['number']}/waybill", {"courier": courier})
    post(ui_server, "shipper", f"/shipping/orders/{order['number']}/ship", {
        "weight": expected(ui_server, order["number"])["expected_grams"], "weight_unit": "g",
        "weight_source": "manual", "shipper_signature": "王", "carrier_signature": "李"})
    return waybill["tracking_number"]


def order_of(ui_server, number: str) -> dict:
    return got(ui_server, "supervisor", f"/shipping/orders/{number}")


# --- the tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size,locale", [("1280", "zh-CN"), ("360", "en")])
def test_s2_a_parcel_is_verified_weighed_shipped_labelled_and_handed_over_on_a_manifest(
        screen_of, ui_server, station, size, locale):
    order = picked_order(ui_server)
    number = order["number"]
    page = screen_of(size, locale)
    open_station(page, station)
    shot(page, f"pack-order-{size}")

    # Verify: every unit scanned, each checked by the service; a wrong item is refused.
    assert scan(page, number)["kind"] == "ok", message(page)
    at_step(page, "verify", number)
    page.wait_for_selector(f'#pack-lines li[data-sku="{order["sku"]}"][data-scanned="0"][data-quantity="2"]')
    assert scan(page, order["sku"])["kind"] == "ok", message(page)
    page.wait_for_selector(f'#pack-lines li[data-sku="{order["sku"]}"][data-scanned="1"]')
    page.wait_for_selector('#pack-remaining[data-remaining="1"]')
    # A reload mid-verify: the order scanned again shows the unit already in the box.
    page.reload()
    wait_ready(page, "pack")
    at_step(page, "order")
    assert scan(page, number)["kind"] == "ok", message(page)
    at_step(page, "verify", number)
    page.wait_for_selector(f'#pack-lines li[data-sku="{order["sku"]}"][data-scanned="1"][data-quantity="2"]')
    page.wait_for_selector('#pack-remaining[data-remaining="1"]')
    shot(page, f"pack-verify-{size}")
    wrong = scan(page, order["other_sku"])
    assert (wrong["kind"], wrong["code"]) == ("error", "verify_wrong_item"), message(page)
    assert message(page)["code"] == "verify_wrong_item"
    assert scan(page, order["sku"])["kind"] == "ok", message(page)
    at_step(page, "parcel", number)
    assert order_of(ui_server, number)["stage"] == "verified"

    # The packaging (named in the user's language), the live weight with its stable flag, the expected weight.
    box_name = page.text_content('#packagings button[data-packaging="BOX-1"]')
    assert ("1号纸箱" if locale == "zh-CN" else "Carton no. 1") in box_name, box_name
    page.click('#packagings button[data-packaging="BOX-1"]')
    want = expected(ui_server, number, "BOX-1")
    page.wait_for_selector(f'#expected-weight[data-grams="{want["expected_grams"]}"]'
                           f'[data-tolerance="{want["tolerance_grams"]}"]')
    station.weigh(want["expected_grams"] + 300, stable=False)  # still swinging on the pan
    page.wait_for_selector(f'#live-weight[data-grams="{want["expected_grams"] + 300}"][data-stable=false]')
    station.weigh(want["expected_grams"])
    page.wait_for_selector(f'#live-weight[data-grams="{want["expected_grams"]}"][data-stable=true]')
    page.select_option("#courier", "SF")
    page.click("#issue-waybill")
    page.wait_for_selector("#waybill[data-courier=SF]")
    tracking = page.get_attribute("#waybill", "data-tracking")
    assert tracking == got(ui_server, "shipper", f"/shipping/orders/{number}/waybill")["tracking_number"]
    shot(page, f"pack-weigh-{size}")

    # One press: weighed by the service on the station's scale, checked, shipped, labelled.
    page.click("#ship")
    at_step(page, "label", number)
    page.wait_for_selector("#label-state[data-state=printed]")
    page.wait_for_selector("#pack-shipped[data-weight-check=passed]")
    shot(page, f"pack-label-{size}")
    [label] = station.printer.wait_for_jobs(1)
    assert tracking.encode() in label and b"13800138000" not in label
    shipped = order_of(ui_server, number)
    assert (shipped["status"], shipped["stage"]) == ("shipped", "deducted")
    handover = shipped["handover"]
    assert (handover["carrier"], handover["tracking_number"], handover["weight_source"],
            handover["weight_grams"], handover["handover_mode"]) == (
        "SF", tracking, "scale", want["expected_grams"], "manifest")

    # The manifest: SF's parcels, this one once; the driver and the shipper sign once.
    page.click("#to-manifest")
    wait_ready(page, "manifest")
    shot(page, f"manifest-courier-{size}")
    page.click("#couriers button[data-courier=SF]")
    page.wait_for_selector("main[data-screen=manifest][data-ready=true] #manifest[data-status=open]")
    manifest = page.get_attribute("#manifest", "data-number")
    assert scan(page, tracking)["kind"] == "ok", message(page)
    page.wait_for_selector(f'#manifest[data-count="1"] #parcels li[data-tracking="{tracking}"]')
    twice = scan(page, tracking)
    assert (twice["kind"], twice["code"]) == ("error", "parcel_already_on_manifest"), message(page)
    assert manifest in message(page)["text"]
    other_courier = scan(page, shipped_with(ui_server, "ZTO"))
    assert (other_courier["kind"], other_courier["code"]) == ("error", "manifest_wrong_courier"), message(page)
    unknown = scan(page, f"SF{uuid.uuid4().int % 10**13:013d}")
    assert unknown["code"] == "parcel_not_shipped", message(page)
    shot(page, f"manifest-open-{size}")
    page.fill("#driver-name", "李师傅" if locale == "zh-CN" else "Driver Li")
    sign(page, "#driver-pad")
    sign(page, "#shipper-pad")
    shot(page, f"manifest-sign-{size}")
    page.click("#close-manifest")
    page.wait_for_selector("#manifest[data-status=closed] #manifest-closed")
    closed = got(ui_server, "shipper", f"/shipping/manifests/{manifest}")
    assert (closed["status"], closed["parcel_count"], closed["courier"]) == ("closed", 1, "SF")
    assert [p["tracking_number"] for p in closed["parcels"]] == [tracking]
    exported = page.request.get(page.get_attribute("#export-csv", "href"))
    assert exported.status == 200 and tracking in exported.body().decode("utf-8-sig")
    workbook = page.request.get(page.get_attribute("#export-xlsx", "href"))
    assert workbook.status == 200 and workbook.body()[:2] == b"PK"  # an XLSX is a zip
    page.fill("#print-station", station.code)
    page.click("#print-manifest")
    page.wait_for_selector("#manifest-print [data-state=printed]")
    assert manifest.encode() in station.printer.wait_for_jobs(2)[1]
    shot(page, f"manifest-closed-{size}")
    assert js_errors(page) == []


@pytest.mark.parametrize("size,locale", [("360", "zh-CN"), ("1280", "en")])
def test_s2_a_unit_missing_from_the_box_is_caught_by_the_weight_check(screen_of, ui_server, station, size, locale):
    order = picked_order(ui_server, verified=True)
    number = order["number"]
    page = screen_of(size, locale)
    open_station(page, station)
    want = open_parcel(page, ui_server, station, order)
    short = want["expected_grams"] - order["unit_grams"]  # one unit fewer in the box
    station.weigh(short)
    page.wait_for_selector(f'#live-weight[data-grams="{short}"][data-stable=true]')
    page.click("#ship")
    page.wait_for_selector(f'#weight-mismatch[data-expected="{want["expected_grams"]}"][data-measured="{short}"]'
                           f'[data-tolerance="{want["tolerance_grams"]}"]')
    shown = message(page)
    assert (shown["kind"], shown["code"]) == ("error", "parcel_weight_mismatch")
    assert str(want["expected_grams"]) in shown["text"] and str(short) in shown["text"]
    assert str(short) in page.text_content("#weight-mismatch")
    at_step(page, "parcel", number)
    shot(page, f"pack-mismatch-{size}")
    refused = order_of(ui_server, number)
    assert (refused["status"], refused["stage"], refused["handover"]) == ("approved", "verified", None)
    assert station.printer.jobs == []

    # The box is right after all (a heavier gift box): a supervisor accepts its weight on
    # their own device, and the station ships it with the next press.
    reason = f"礼盒包装，比内容重 {uuid.uuid4().hex[:4]}"
    post(ui_server, "supervisor", f"/shipping/orders/{number}/weight-override", {"reason": reason})
    page.wait_for_selector("#weight-override")
    supervisor = got(ui_server, "supervisor", "/auth/me")
    told = page.text_content("#weight-override")
    assert reason in told and supervisor["display_name"] in told, told
    assert page.is_enabled("#ship")
    shot(page, f"pack-override-{size}")
    page.click("#ship")
    at_step(page, "label", number)
    page.wait_for_selector("#pack-shipped[data-weight-check=overridden]")
    assert order_of(ui_server, number)["handover"]["weight_grams"] == short
    assert js_errors(page) == []


@pytest.mark.parametrize("size,locale", [("1280", "zh-CN"), ("360", "en")])
def test_s4_a_hold_recorded_between_verify_and_ship_stops_the_parcel_on_screen(
        screen_of, ui_server, station, size, locale):
    order = picked_order(ui_server, verified=True)
    number = order["number"]
    page = screen_of(size, locale)
    open_station(page, station)
    want = open_parcel(page, ui_server, station, order)
    station.weigh(want["expected_grams"])
    page.wait_for_selector(f'#live-weight[data-grams="{want["expected_grams"]}"]')
    assert page.is_enabled("#ship")
    reason = f"客户来电暂停发货 {uuid.uuid4().hex[:4]}"
    hold = post(ui_server, "supervisor", "/shipping/holds",
                {"scope": "order", "order_number": number, "reason": reason})
    page.wait_for_selector("#pack-stopped[data-code=order_on_hold]")
    assert reason in page.text_content("#pack-stopped") and hold["number"] in page.text_content("#pack-stopped")
    assert message(page)["code"] == "order_on_hold"
    assert page.is_disabled("#ship")
    at_step(page, "parcel", number)
    shot(page, f"pack-hold-{size}")
    held = order_of(ui_server, number)
    assert (held["status"], held["stage"], held["holds"]) == ("approved", "verified", [hold["number"]])
    assert station.printer.jobs == []
    assert js_errors(page) == []


@pytest.mark.parametrize("size,locale", [("360", "zh-CN"), ("1280", "en")])
def test_a_label_the_switched_off_printer_missed_is_printed_once_it_is_back(
        screen_of, ui_server, station, size, locale):
    order = picked_order(ui_server, verified=True)
    number = order["number"]
    page = screen_of(size, locale)
    open_station(page, station)
    want = open_parcel(page, ui_server, station, order)
    station.weigh(want["expected_grams"])
    page.wait_for_selector(f'#live-weight[data-grams="{want["expected_grams"]}"][data-stable=true]')
    station.printer.stop()  # switched off mid-flow
    page.click("#ship")
    at_step(page, "label", number)
    page.wait_for_selector("#label-state[data-state=failed]")
    assert message(page)["code"] == "print_failed"
    page.wait_for_selector("#label-waits")
    shot(page, f"pack-label-failed-{size}")
    job_id = int(page.get_attribute("#label-job", "data-job"))
    job = got(ui_server, "shipper", f"/print-jobs/{job_id}")
    assert (job["state"], job["document_number"]) == ("failed", number)
    assert order_of(ui_server, number)["status"] == "shipped"

    # "Print again" while the printer is still off: sent, refused, still failed.
    attempts = got(ui_server, "shipper", f"/print-jobs/{job_id}")["attempts"]
    page.click("#retry-label")
    for _ in range(50):
        if got(ui_server, "shipper", f"/print-jobs/{job_id}")["attempts"] > attempts:
            break
        page.wait_for_timeout(100)
    page.wait_for_selector("#label-state[data-state=failed]")

    # Back on, on the same port: the label prints with nothing pressed, once.
    station.printer.start()
    page.wait_for_selector("#label-state[data-state=printed]")
    [label] = station.printer.wait_for_jobs(1)
    tracking = order_of(ui_server, number)["handover"]["tracking_number"]
    assert tracking.encode() in label
    assert got(ui_server, "shipper", f"/print-jobs/{job_id}")["state"] == "printed"
    shot(page, f"pack-label-reprinted-{size}")
    page.wait_for_timeout(2500)  # the watch's next rounds find nothing left to print
    assert len(station.printer.jobs) == 1
    assert js_errors(page) == []
