"""Handover manifests (交接单): one courier's shipped parcels signed for once by its driver.

A manifest (MF-000001) opens for a courier, takes SHIPPED parcels of that courier while
open (open -> closed through MANIFEST), refuses a parcel of another courier, a parcel
already on a manifest and a tracking number no shipped parcel has; it closes with the
driver's and the shipper's signatures; what it shows, exports and prints is masked.
"""

from __future__ import annotations

import base64
import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.factories import stock_in
from wms.domain.shipping import MANIFEST, ManifestAction, ManifestStatus
from wms.errors import (
    HandoverIncomplete,
    IllegalTransition,
    InvalidReference,
    ManifestNotFound,
    ManifestWrongCourier,
    ParcelAlreadyOnManifest,
    ParcelNotShipped,
    PermissionDenied,
)
from wms.extensions import db
from wms.models import Courier, ShippingManifest
from wms.services import shipping_manifests as manifests
from wms.services.uow import transaction

BASE = "/api/v1/shipping"
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode()
FULL_PHONE, FULL_NAME = "13800138000", "张三丰"


@pytest.fixture
def couriers(ctx, world):
    """SF and ZTO as master data (the presets, when the world has not made them)."""
    with transaction():
        for code, name in (("SF", "顺丰速运"), ("ZTO", "中通快递")):
            if db.session.execute(sa.select(Courier.id).where(Courier.code == code)).first() is None:
                db.session.add(Courier(code=code, name_zh=name, name_en=code, tracking_pattern=r"^.+$"))


def _shipped(out, world, number: str, carrier: str = "SF", tracking: str | None = None) -> str:
    stock_in(world, "SKU-1", 1, "A-01-01")
    out.order(number, [("SKU-1", 1)])
    out.ready_to_ship(number)
    tracking = tracking or f"SF{abs(hash(number)) % 10**13:013d}"
    out.ship(number, carrier=carrier, tracking_number=tracking)
    return tracking


def _shipper(out):
    return out.actor("shipper")


def test_a_manifest_opens_for_a_courier_with_a_running_number(out, couriers):
    first = manifests.open_manifest(_shipper(out), "SF")
    second = manifests.open_manifest(_shipper(out), " zto ")  # a code in any case, as at the ship step
    assert (first.number, first.status, first.courier, first.created_by) == ("MF-000001", "open", "SF", "shipper")
    assert (second.number, second.courier, second.parcels) == ("MF-000002", "ZTO", [])


def test_a_manifest_for_an_unknown_courier_is_refused(out, couriers):
    with pytest.raises(InvalidReference):
        manifests.open_manifest(_shipper(out), "NOPE")


def test_a_picker_may_not_open_a_manifest(out, couriers):
    with pytest.raises(PermissionDenied):
        manifests.open_manifest(out.actor("picker"), "SF")


def test_a_shipped_parcel_of_the_courier_goes_on_the_manifest_masked(out, world, couriers):
    tracking = _shipped(out, world, "SO-1")
    number = manifests.open_manifest(_shipper(out), "SF").number
    view = manifests.add_parcel(_shipper(out), number, tracking)
    [parcel] = view.parcels
    assert (parcel.tracking_number, parcel.order_number, parcel.recipient_name, parcel.recipient_phone) == (
        tracking, "SO-1", "张**", "138****8000")
    assert view.parcel_count == 1 and view.total_weight_grams == 1250


def test_a_parcel_of_another_courier_is_refused(out, world, couriers):
    tracking = _shipped(out, world, "SO-1", carrier="ZTO", tracking="731234567890")
    number = manifests.open_manifest(_shipper(out), "SF").number
    with pytest.raises(ManifestWrongCourier) as refused:
        manifests.add_parcel(_shipper(out), number, tracking)
    assert refused.value.details["courier"] == "ZTO"


def test_a_parcel_already_on_this_or_another_manifest_is_refused(out, world, couriers):
    tracking = _shipped(out, world, "SO-1")
    first = manifests.open_manifest(_shipper(out), "SF").number
    second = manifests.open_manifest(_shipper(out), "SF").number
    manifests.add_parcel(_shipper(out), first, tracking)
    for number in (first, second):
        with pytest.raises(ParcelAlreadyOnManifest) as refused:
            manifests.add_parcel(_shipper(out), number, tracking)
        assert refused.value.details["manifest"] == first


def test_a_parcel_not_shipped_or_unknown_is_refused(out, world, couriers):
    stock_in(world, "SKU-1", 1, "A-01-01")
    out.order("SO-1", [("SKU-1", 1)])
    number = manifests.open_manifest(_shipper(out), "SF").number
    with pytest.raises(ParcelNotShipped):
        manifests.add_parcel(_shipper(out), number, "SF0000000000999")
    with pytest.raises(ManifestNotFound):
        manifests.add_parcel(_shipper(out), "MF-999999", "SF0000000000999")


def test_a_manifest_closes_once_with_both_signatures_and_then_takes_no_parcel(out, world, couriers):
    first, late = _shipped(out, world, "SO-1"), _shipped(out, world, "SO-2")
    number = manifests.open_manifest(_shipper(out), "SF").number
    manifests.add_parcel(_shipper(out), number, first)
    with pytest.raises(HandoverIncomplete):
        manifests.close_manifest(_shipper(out), number, driver_name="刘师傅", driver_signature="not a png",
                                 shipper_signature=PNG)
    closed = manifests.close_manifest(_shipper(out), number, driver_name="刘师傅", driver_signature=PNG,
                                      shipper_signature=PNG)
    assert (closed.status, closed.driver_name, closed.closed_by) == ("closed", "刘师傅", "shipper")
    row = db.session.execute(sa.select(ShippingManifest)).scalar_one()
    assert row.driver_signature == row.shipper_signature == PNG and row.closed_at is not None
    with pytest.raises(IllegalTransition):
        manifests.add_parcel(_shipper(out), number, late)
    with pytest.raises(IllegalTransition):
        manifests.close_manifest(_shipper(out), number, driver_name="x", driver_signature=PNG,
                                 shipper_signature=PNG)


def test_the_manifest_table_allows_only_adding_while_open_and_closing_once():
    assert MANIFEST.illegal_steps() == [(ManifestStatus.CLOSED, ManifestAction.ADD_PARCEL),
                                        (ManifestStatus.CLOSED, ManifestAction.CLOSE)]


def _filled(out, world) -> str:
    number = manifests.open_manifest(_shipper(out), "SF").number
    for order in ("SO-1", "SO-2"):
        manifests.add_parcel(_shipper(out), number, _shipped(out, world, order))
    return number


def test_the_csv_export_is_utf8_with_bom_and_masked(out, world, couriers):
    number = _filled(out, world)
    body, media_type, filename = manifests.export_manifest(_shipper(out), number, "csv")
    assert body.startswith(b"\xef\xbb\xbf") and media_type.startswith("text/csv") and filename == f"{number}.csv"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == f"交接单 {number}" and len(rows) == 4
    assert {r[2] for r in rows[2:]} == {"张**"} and {r[3] for r in rows[2:]} == {"138****8000"}
    assert FULL_PHONE.encode() not in body and FULL_NAME.encode() not in body


def test_the_xlsx_export_opens_in_openpyxl_and_holds_no_unmasked_phone(out, world, couriers):
    number = _filled(out, world)
    body, media_type, _ = manifests.export_manifest(_shipper(out), number, "xlsx")
    assert media_type.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(body)).active
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert sheet.title == number and "138****8000" in cells and "张**" in cells
    assert not any(FULL_PHONE in c or FULL_NAME in c for c in cells)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][3] == 2 and isinstance(rows[0][4], float)  # parcels and kilograms are numbers to add up
    assert all(isinstance(r[5], float) and r[5] > 0 for r in rows[2:])


# --- over HTTP ----------------------------------------------------------------------------


def test_the_manifest_over_http_with_its_refusals_export_and_print(api, app, world, out, couriers):
    with app.app_context():
        tracking = _shipped(out, world, "SO-1")
        other = _shipped(out, world, "SO-2", carrier="ZTO", tracking="731234567891")
    shipper = api.as_("shipper")
    opened = shipper.post(f"{BASE}/manifests", json={"courier": "SF"})
    assert opened.status_code == 201 and opened.get_json()["number"] == "MF-000001"
    url = f"{BASE}/manifests/MF-000001"
    added = shipper.post(f"{url}/parcels", json={"tracking_number": tracking})
    assert added.status_code == 200 and added.get_json()["parcels"][0]["recipient_phone"] == "138****8000"
    for tracking_number, status, code in [(tracking, 409, "parcel_already_on_manifest"),
                                          (other, 409, "manifest_wrong_courier"),
                                          ("SF0000000000404", 409, "parcel_not_shipped")]:
        refused = shipper.post(f"{url}/parcels", json={"tracking_number": tracking_number})
        assert (refused.status_code, refused.get_json()["code"]) == (status, code)
    assert api.as_("picker").post(f"{BASE}/manifests", json={"courier": "SF"}).status_code == 403
    exported = shipper.get(f"{url}/export?format=xlsx")
    assert exported.status_code == 200 and "MF-000001.xlsx" in exported.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(exported.data)).active.max_row == 3
    assert shipper.get(f"{url}/export?format=csv").data.startswith(b"\xef\xbb\xbf")
    closed = shipper.post(f"{url}/close", json={"driver_name": "刘师傅", "driver_signature": PNG,
                                                 "shipper_signature": PNG})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    shown = shipper.get(url).get_json()
    assert (shown["parcel_count"], shown["driver_name"], shown["closed_by"]) == (1, "刘师傅", "shipper")
    assert "driver_signature" not in shown
    assert shipper.get(f"{BASE}/manifests/MF-000404").status_code == 404


def test_a_parcel_scanned_onto_several_manifests_at_once_lands_on_one(app, world):
    """Real threads on the real database: one manifest gets the parcel, the others are refused."""
    import threading

    from tests.wms.shipping.conftest import Outbound

    shippers = 6
    with app.app_context():
        out = Outbound(world)
        with transaction():
            if db.session.execute(sa.select(Courier.id).where(Courier.code == "SF")).first() is None:
                db.session.add(Courier(code="SF", name_zh="顺丰速运", name_en="SF", tracking_pattern=r"^.+$"))
        tracking = _shipped(out, world, "SO-1")
        numbers = [manifests.open_manifest(_shipper(out), "SF").number for _ in range(shippers)]
        db.session.remove()
    start = threading.Barrier(shippers, timeout=60)
    outcomes: list[str] = []

    def shipper(number: str) -> None:
        with app.app_context():
            user = world.user("shipper")
            db.session.close()
            start.wait()
            try:
                manifests.add_parcel(user, number, tracking)
                outcomes.append("added")
            except ParcelAlreadyOnManifest:
                outcomes.append("refused")
            except Exception as exc:  # noqa: BLE001 - reported below, fails the test
                outcomes.append(repr(exc))
            db.session.remove()

    threads = [threading.Thread(target=shipper, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["added"] + ["refused"] * (shippers - 1), outcomes
