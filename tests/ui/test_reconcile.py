"""The clerk's reconciliation page (L3) in real Chromium against the real server.

Four parcels are shipped with YTO over the API (a courier no other browser test ships
with, as the server is shared) and YTO gets a flat rate table. At a desk (1280x800) a
clerk who speaks Chinese imports a crafted bill in YTO's preset columns for the month:
one parcel billed twice, one billed heavier than our scale weighed it, one at a fee the
rate table does not give, a tracking number we never shipped, and the fourth parcel not
on it. The page lists exactly those five differences; filtered by type it lists only the
one; the clerk resolves the duplicate with a note and sees its status change, and the API
names her and the time in its history; the claim list downloads as XLSX, opens in
openpyxl and shows the recipients only masked. A clerk who speaks English sees the same
list in English. Screenshots at 1280x800 and on a tablet upright (800x1280).
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.ui.helpers import js_errors, login, shot, wait_ready
from tests.ui.test_packing import expected, got, picked_order, post
from tests.ui.test_picking import catalogue, new_user
from tests.ui.test_report import screen_of  # noqa: F401 - the screen_of fixture
from wms.domain.masking import mask_name, mask_phone

pytestmark = pytest.mark.slow

COURIER = "YTO"
#: YTO's preset headers (wms.domain.reconciliation.BILL_PRESETS), as its portal exports them.
HEADER = ["运单号", "订单号", "计费重量(kg)", "运费", "收件省份"]
#: A flat rate: any parcel up to 100 kg costs 10 yuan, so a bill's fee is right or not at a glance.
FEE = Decimal("10.00")
DESK = {"viewport": {"width": 1280, "height": 800}}
TABLET = {"viewport": {"width": 800, "height": 1280}, "has_touch": True}
#: The recipient picked_order gives every order; none of it may leave the server unmasked.
RECIPIENT = ("张三丰", "13800138000", "文三路1号")


def shipped_parcel(ui_server) -> dict:
    """A parcel shipped over the API with a YTO waybill, weighed by hand at its expected
    weight: ``{tracking, order, kg}``."""
    order = picked_order(ui_server, verified=True)
    waybill = post(ui_server, "shipper", f"/shipping/orders/{order['number']}/waybill", {"courier": COURIER})
    grams = expected(ui_server, order["number"])["expected_grams"]
    post(ui_server, "shipper", f"/shipping/orders/{order['number']}/ship", {
        "weight": grams, "weight_unit": "g", "weight_source": "manual",
        "shipper_signature": "王", "carrier_signature": "李"})
    return {"tracking": waybill["tracking_number"], "order": order["number"], "kg": Decimal(grams) / 1000}


def this_month(ui_server) -> str:
    """The cycle the parcels just shipped fall in: this month in the warehouse's time zone."""
    zone = got(ui_server, "supervisor", "/audit", limit=1)["time_zone"]
    return datetime.now(ZoneInfo(zone)).strftime("%Y-%m")


def bill(rows: list[list]) -> bytes:
    lines = [",".join(HEADER)] + [",".join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def craft(ui_server) -> dict:
    """The parcels, the rate table and the bill: ``{parcels: {role: parcel}, bill, cycle, expected}``."""
    rates = ui_server.as_("clerk").put(
        f"/api/v1/reconciliation/couriers/{COURIER}/rates", headers={"Idempotency-Key": uuid.uuid4().hex},
        json={"rates": [{"province": "*", "first_weight_kg": 100, "first_price": float(FEE), "additional_price": 1}]})
    assert rates.status_code == 200, rates.text
    parcels = {role: shipped_parcel(ui_server) for role in ("twice", "heavy", "fee", "unbilled")}
    ghost = "YT" + str(uuid.uuid4().int)[:13]
    rows = [
        [parcels["twice"]["tracking"], parcels["twice"]["order"], parcels["twice"]["kg"], FEE, "浙江"],
        [parcels["twice"]["tracking"], parcels["twice"]["order"], parcels["twice"]["kg"], FEE, "浙江"],
        [parcels["heavy"]["tracking"], parcels["heavy"]["order"], parcels["heavy"]["kg"] + 2, FEE, "浙江"],
        [parcels["fee"]["tracking"], parcels["fee"]["order"], parcels["fee"]["kg"], FEE + 5, "浙江"],
        [ghost, "", "1.2", FEE, "广东"],
    ]
    return {"parcels": parcels, "bill": bill(rows), "cycle": this_month(ui_server), "expected": {
        ("billed_twice", parcels["twice"]["tracking"]), ("weight_over", parcels["heavy"]["tracking"]),
        ("fee_mismatch", parcels["fee"]["tracking"]), ("billed_not_shipped", ghost),
        ("shipped_not_billed", parcels["unbilled"]["tracking"])}}


@pytest.fixture(scope="module")
def crafted(ui_server) -> dict:
    return craft(ui_server)


# --- the page's side ----------------------------------------------------------------------

READY = "main[data-screen=reconcile][data-ready=true]"


def clerk_at(screen_of, ui_server, locale: str, device: dict):  # noqa: F811
    """A desk or tablet page logged in as a new clerk speaking ``locale``, on #/reconcile: (page, user)."""
    name, password = new_user(ui_server, "clerk", locale)
    page = screen_of(locale, device)
    login(page, name, password)
    page.evaluate("() => { location.hash = '#/reconcile'; }")
    wait_ready(page, "reconcile")
    page.wait_for_selector(READY)
    return page, name


def listed(page) -> dict[tuple[str, str], dict]:
    """The differences on the page: (type, key) -> its id, status, cells' text and evidence shown."""
    page.wait_for_selector(READY)
    return {(row["type"], row["key"]): row for row in page.evaluate("""() =>
        Array.from(document.querySelectorAll('#differences tbody tr[data-difference]')).map((tr) => ({
          id: Number(tr.dataset.difference), type: tr.dataset.type, status: tr.dataset.status,
          key: tr.querySelector('button[data-open]').textContent.trim(), text: tr.textContent,
          evidence: Object.fromEntries(Array.from(tr.querySelectorAll('[data-evidence]'))
            .map((el) => [el.dataset.evidence, el.textContent.trim()])),
          marked: Array.from(tr.querySelectorAll('td.pair.differs')).map((td) => td.dataset.pair)}))""")}


def choose(page, select: str, value: str) -> None:
    """Pick a filter; the list reloads at once (the screen is not ready until it has)."""
    page.select_option(select, value)
    page.wait_for_selector(READY)


def fits(page) -> bool:
    """Nothing wider than the screen, the differences table included."""
    return page.evaluate("""() => {
        const doc = document.documentElement, table = document.querySelector('#differences');
        return doc.scrollWidth <= doc.clientWidth && (!table || table.offsetWidth <= table.parentNode.clientWidth);
    }""")


def claim_list(page, form: str = "xlsx") -> str:
    """The text of the claim list the page downloads: every cell (XLSX), every page (PDF)."""
    with page.expect_download() as download:
        page.click(f"#claims-{form}")
    assert download.value.suggested_filename.endswith(f".{form}")
    content = Path(download.value.path()).read_bytes()
    if form == "pdf":
        return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    sheet = load_workbook(io.BytesIO(content)).active
    return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)


# --- the test -------------------------------------------------------------------------------


def test_L3_a_clerk_imports_a_courier_bill_finds_its_differences_resolves_one_and_exports_the_claims(
        screen_of, ui_server, crafted):  # noqa: F811
    parcels, cycle = crafted["parcels"], crafted["cycle"]
    page, clerk = clerk_at(screen_of, ui_server, "zh-CN", DESK)
    words = catalogue(ui_server, "zh-CN")

    page.select_option("#upload-kind", "courier")
    page.select_option("#upload-courier", COURIER)
    page.wait_for_selector("#upload-mapping summary[data-source=preset]")
    assert "运单号" in page.text_content("#upload-mapping dd[data-field=tracking_number]")  # YTO's preset
    page.fill("#upload-cycle", cycle)
    page.set_input_files("#upload-file", files=[{"name": "yto-bill.csv", "mimeType": "text/csv",
                                                 "buffer": crafted["bill"]}])
    page.click("#upload-send")
    page.wait_for_selector("#upload-result [data-run]")
    found = {el.get_attribute("data-found") for el in page.query_selector_all("#upload-result [data-found]")}
    assert found == {kind for kind, _ in crafted["expected"]}
    choose(page, "#filter-courier", COURIER)
    shown = listed(page)
    assert set(shown) == crafted["expected"], sorted(shown)
    assert {row["status"] for row in shown.values()} == {"open"}
    heavy = shown[("weight_over", parcels["heavy"]["tracking"])]
    assert heavy["evidence"]["their_weight_kg"] == f"{parcels['heavy']['kg'] + 2:.3f} kg"
    assert heavy["evidence"]["our_weight_kg"] == f"{parcels['heavy']['kg']:.3f} kg"
    assert heavy["marked"] == ["weight_kg"]  # only what its type disputes, as the service says
    assert all(row["marked"] == {"weight_over": ["weight_kg"], "fee_mismatch": ["fee"]}.get(kind, [])
               for (kind, _), row in shown.items())
    assert shown[("fee_mismatch", parcels["fee"]["tracking"])]["evidence"]["their_fee"] == f"\u00a5{FEE + 5}"
    assert words["recon_type.billed_twice"] in shown[("billed_twice", parcels["twice"]["tracking"])]["text"]
    assert fits(page)
    shot(page, "reconcile-desk-zh-CN")

    choose(page, "#filter-type", "weight_over")
    assert set(listed(page)) == {("weight_over", parcels["heavy"]["tracking"])}
    assert page.get_attribute("#recon-total", "data-total") == "1"
    choose(page, "#filter-type", "")

    twice = shown[("billed_twice", parcels["twice"]["tracking"])]
    page.click(f"#differences button[data-open='{twice['id']}']")
    page.wait_for_selector(f"{READY} #recon-detail[data-difference='{twice['id']}']")
    note = "圆通重复计费，已核对面单 " + uuid.uuid4().hex[:6]
    page.fill("#recon-note", note)
    page.click("#recon-detail button[data-action=resolve]")
    page.wait_for_selector(f"{READY} #recon-detail h2 .tag[data-status=resolved]")
    assert note in page.text_content("#recon-history")
    assert ("billed_twice", parcels["twice"]["tracking"]) not in listed(page)  # the list shows the open ones
    choose(page, "#filter-status", "resolved")
    resolved = listed(page)[("billed_twice", parcels["twice"]["tracking"])]
    assert resolved["status"] == "resolved" and note in resolved["text"]
    shot(page, "reconcile-resolved-zh-CN")
    after = got(ui_server, "clerk", f"/reconciliation/differences/{twice['id']}")
    assert (after["status"], after["note"], after["changed_by"]) == ("resolved", note, clerk)
    last = next(e for e in after["history"] if e["to_status"] == "resolved")
    assert (last["from_status"], last["to_status"], last["by"], last["note"]) == ("open", "resolved", clerk, note)
    at = datetime.fromisoformat(last["at"])
    assert abs(datetime.now(timezone.utc) - at) < timedelta(minutes=5)

    for form in ("xlsx", "pdf"):
        claims = claim_list(page, form)
        assert parcels["heavy"]["tracking"] in claims and parcels["fee"]["tracking"] in claims, form
        assert parcels["twice"]["tracking"] not in claims  # resolved: no longer claimed
        assert parcels["unbilled"]["tracking"] not in claims  # shipped but not billed is no claim to the courier
        assert mask_name(RECIPIENT[0]) in claims and mask_phone(RECIPIENT[1]) in claims, form
        assert all(secret not in claims for secret in RECIPIENT), form
    assert js_errors(page) == []

    for locale, device, name in (("en", DESK, "reconcile-desk-en"), ("en", TABLET, "reconcile-tablet-en"),
                                 ("zh-CN", TABLET, "reconcile-tablet-zh-CN")):
        other, _ = clerk_at(screen_of, ui_server, locale, device)
        choose(other, "#filter-courier", COURIER)
        other.fill("#filter-cycle", cycle)
        other.press("#filter-cycle", "Tab")
        other.wait_for_selector(f"{READY} #recon-total[data-total='4']")
        rows = listed(other)
        assert set(rows) == crafted["expected"] - {("billed_twice", parcels["twice"]["tracking"])}
        assert catalogue(ui_server, locale)["recon_type.weight_over"] in rows[
            ("weight_over", parcels["heavy"]["tracking"])]["text"]
        other.click(f"#differences button[data-open='{heavy['id']}']")
        other.wait_for_selector(f"{READY} #recon-detail[data-difference='{heavy['id']}']")
        assert fits(other), name
        other.evaluate("() => { document.querySelector('main').scrollTop = 0; }")
        shot(other, name)
        assert js_errors(other) == []
