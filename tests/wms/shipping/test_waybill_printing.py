"""An order with an electronic waybill prints the waybill layout (电子面单) through the print
queue, with the courier's name, its sorting code and recipient and sender masked by the
domain's one rule; a handover manifest prints as a list at a station.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from devices.simulators.printer import PrinterSimulator
from tests.devices import tspl_render
from tests.factories import stock_in
from wms.extensions import db
from wms.models import Courier, PrintJob, SalesOrder, Warehouse, Waybill
from wms.models.types import utcnow
from wms.services import print_queue, shipping, shipping_manifests, stations
from wms.services.uow import transaction

TRACKING = "SF1234567890123"


def _station(world, code: str, printer: PrinterSimulator, language: str) -> None:
    stations.save_station(code, {"name": "打包台", "kind": "packing", "warehouse_id": world.warehouse_id,
                                 "printer_url": printer.url, "printer_language": language,
                                 "printer_options": {"timeout": 8}})


def _with_waybill(out, world, number: str, label_size: str | None = None) -> None:
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order(number, [("SKU-1", 1)])
    out.ready_to_ship(number)
    with transaction():
        courier = db.session.execute(sa.select(Courier).where(Courier.code == "SF")).scalar_one_or_none()
        if courier is None:
            courier = Courier(code="SF", name_zh="顺丰速运", name_en="SF Express", tracking_pattern=r"^SF\d{13}$")
            db.session.add(courier)
        if label_size:
            courier.waybill_settings = {**(courier.waybill_settings or {}), "label_size": label_size}
        db.session.flush()
        order = db.session.execute(sa.select(SalesOrder).where(SalesOrder.number == number)).scalar_one()
        db.session.add(Waybill(order_id=order.id, courier_id=courier.id, tracking_number=TRACKING, provider="local",
                               sorting_code="755W-010", issued_by=world.users["shipper"], issued_at=utcnow()))
        warehouse = db.session.get(Warehouse, world.warehouse_id)
        warehouse.sender_name, warehouse.sender_phone = "王小明", "13912345678"
        warehouse.sender_address = "浙江省杭州市余杭区仓前街道1号"


@pytest.mark.parametrize("language,size", [("zpl", "100x150"), ("tspl", "100x180")])
def test_an_order_with_a_waybill_prints_the_waybill_layout_masked(out, world, language, size):
    printer = PrinterSimulator(language, "tcp", answer_delay=0).start()
    try:
        _with_waybill(out, world, "SO-1", None if size == "100x150" else size)
        _station(world, "PACK-1", printer, language)
        shipped = out.ship("SO-1", carrier="SF", tracking_number=TRACKING, label_station="PACK-1")
        print_queue.deliver("PACK-1")
        job = printer.wait_for_jobs(1)[0]
        encoding = "utf-8" if language == "zpl" else "gbk"
        for text in ("顺丰速运", "755W-010", "张**", "138****8000", "王**", "139****5678", "浙江省杭州市****"):
            assert text.encode(encoding) in job
        for secret in ("13800138000", "张三丰", "文三路", "13912345678", "王小明", "仓前街道"):
            assert secret.encode(encoding) not in job
        height = size[4:]
        assert (f"^LL{round(int(height) * 203 / 25.4)}" if language == "zpl" else f"SIZE 100 mm,{height} mm"
                ).encode() in job
        stored = db.session.get(PrintJob, shipped.label_job.id)
        assert stored.data["waybill_size"] == size and stored.data["sender_phone"] == "139****5678"
        if language == "tspl":
            from devices.scanners.camera import decode_image

            assert {f.scan.text for f in decode_image(tspl_render.render(job))} == {TRACKING}
    finally:
        printer.stop()


def test_a_reprint_of_an_order_with_a_waybill_is_the_waybill_again(out, world):
    printer = PrinterSimulator("zpl", "tcp", answer_delay=0).start()
    try:
        _with_waybill(out, world, "SO-1")
        _station(world, "PACK-1", printer, "zpl")
        out.ship("SO-1", carrier="SF", tracking_number=TRACKING)
        shipping.print_shipping_label(out.actor("shipper"), "SO-1", "PACK-1")
        print_queue.deliver("PACK-1")
        assert b"755W-010" in printer.wait_for_jobs(1)[0]
    finally:
        printer.stop()


def test_a_manifest_prints_as_a_list_at_a_station(out, world):
    printer = PrinterSimulator("zpl", "tcp", answer_delay=0).start()
    try:
        _with_waybill(out, world, "SO-1")
        _station(world, "PACK-1", printer, "zpl")
        out.ship("SO-1", carrier="SF", tracking_number=TRACKING)
        number = shipping_manifests.open_manifest(out.actor("shipper"), "SF").number
        shipping_manifests.add_parcel(out.actor("shipper"), number, TRACKING)
        job = shipping_manifests.print_manifest(out.actor("shipper"), number, "PACK-1")
        assert (job.label, job.document_type, job.document_number) == ("manifest", "shipping_manifest", number)
        print_queue.deliver("PACK-1")
        printed = printer.wait_for_jobs(1)[0].decode()
        assert f"交接单 {number}" in printed and TRACKING in printed and "张**" in printed
        assert "13800138000" not in printed and "张三丰" not in printed
    finally:
        printer.stop()
