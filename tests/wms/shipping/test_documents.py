"""Shipping documents: validity (S3), no IOUs (S5), exchanges (S6), same-day clearing
(S7), the order import and the label data."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from tests.factories import GTIN_1, stock_in
from wms.errors import (
    ExchangeNoticeInvalid,
    ExchangeOriginalNotShipped,
    ExchangeQuantityExceeded,
    InvalidMovement,
    OrderCancelled,
    OrderImportRejected,
    OrderNotFound,
    OrderNumberTaken,
    OrderStateInvalid,
    PermissionDenied,
)
from wms.extensions import db
from wms.models import LedgerEntry, SalesOrder
from wms.services import shipping
from wms.services.shipping_exchange import cancel_exchange_notice, issue_exchange_notice
from wms.services.shipping_import import import_orders
from wms.services.stock import move_by_scan, verify_ledger

# --- S3 -----------------------------------------------------------------------------


def test_s3_validity_names_the_reason(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    shipper = out.actor("shipper")
    out.order("SO-DRAFT", approve=False)
    assert shipping.validity(shipper, "SO-DRAFT").code == "order_not_approved"
    out.order("SO-OK")
    assert shipping.validity(shipper, "SO-OK").valid is True
    out.order("SO-GONE")
    shipping.cancel_order(out.actor("supervisor"), "SO-GONE", "duplicate")
    assert shipping.validity(shipper, "SO-GONE").code == "order_cancelled"
    out.order("SO-DONE", [("SKU-1", 1)])
    out.ready_to_ship("SO-DONE")
    out.ship("SO-DONE")
    assert shipping.validity(shipper, "SO-DONE").code == "order_already_shipped"
    with pytest.raises(OrderNotFound):
        shipping.validity(shipper, "SO-NONE")


def test_s3_a_document_cancelled_after_verify_does_not_ship(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    shipping.cancel_order(out.actor("supervisor"), "SO-1", "customer cancelled")
    with pytest.raises(OrderCancelled):
        out.ship("SO-1")
    assert verify_ledger().ok


def test_s3_documents_are_unique_and_approved_by_the_right_role(out, world):
    out.order("SO-1", approve=False)
    with pytest.raises(OrderNumberTaken):
        out.order("SO-1", approve=False)
    with pytest.raises(PermissionDenied):
        shipping.approve_order(out.actor("clerk"), "SO-1")
    shipping.approve_order(out.actor("supervisor"), "SO-1")
    with pytest.raises(OrderStateInvalid):
        shipping.approve_order(out.actor("supervisor"), "SO-1")


# --- S5 -----------------------------------------------------------------------------


def test_s5_nothing_leaves_without_a_document(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    with pytest.raises(OrderNotFound):
        out.ship("NO-SUCH-ORDER")
    # a handheld move cannot send stock to the customer location either
    with pytest.raises(InvalidMovement):
        move_by_scan(out.actor("admin"), item_code=GTIN_1, from_location="A-01-01", to_location="CUS",
                     quantity=1)
    out.order("SO-1", [("SKU-1", 2)])
    out.ready_to_ship("SO-1")
    out.ship("SO-1")
    ship_entries = db.session.execute(
        sa.select(LedgerEntry).where(LedgerEntry.kind == "ship")
    ).scalars().all()
    assert ship_entries and all(
        (e.document_type, e.document_id) == ("sales_order", "SO-1") for e in ship_entries
    )


# --- S6 -----------------------------------------------------------------------------


def _shipped(out, world, number="SO-1", quantity=2):
    stock_in(world, "SKU-1", 10, "A-01-01")
    out.order(number, [("SKU-1", quantity)])
    out.ready_to_ship(number)
    out.ship(number)
    return number


def test_s6_exchange_goods_ship_against_a_system_issued_notice(out, world):
    _shipped(out, world)
    notice = issue_exchange_notice(out.actor("clerk"), original_order="SO-1", reason="颜色发错",
                                   lines=[{"item": "SKU-1", "quantity": 1}])
    assert notice.number == "EXN-000001" and notice.return_reference == "EXN-000001"
    exchange = notice.exchange_order
    order = db.session.execute(sa.select(SalesOrder).where(SalesOrder.number == exchange)).scalar_one()
    assert (order.kind, order.status, order.recipient_name) == ("exchange", "draft", "张三丰")
    shipping.approve_order(out.actor("supervisor"), exchange)
    out.ready_to_ship(exchange)
    assert out.ship(exchange).status == "shipped"
    from wms.models import ExchangeNotice

    assert db.session.execute(sa.select(ExchangeNotice.status)).scalar_one() == "used"


def test_s6_a_withdrawn_notice_stops_the_exchange(out, world):
    _shipped(out, world)
    notice = issue_exchange_notice(out.actor("clerk"), original_order="SO-1", reason="破损",
                                   lines=[{"item": "SKU-1", "quantity": 1}])
    exchange = notice.exchange_order
    shipping.approve_order(out.actor("supervisor"), exchange)
    out.ready_to_ship(exchange)
    # the notice is invalidated behind the document's back: the ship step re-checks it
    from wms.models import ExchangeNotice
    from wms.services.uow import transaction

    with transaction():
        db.session.execute(sa.update(ExchangeNotice).values(status="cancelled"))
    with pytest.raises(ExchangeNoticeInvalid):
        out.ship(exchange)


def test_s6_cancelling_a_notice_cancels_its_document(out, world):
    _shipped(out, world)
    notice = issue_exchange_notice(out.actor("clerk"), original_order="SO-1", reason="破损",
                                   lines=[{"item": "SKU-1", "quantity": 1}])
    cancelled = cancel_exchange_notice(out.actor("supervisor"), notice.number, "customer kept it")
    assert cancelled.status == "cancelled"
    assert shipping.validity(out.actor("shipper"), notice.exchange_order).code == "order_cancelled"


def test_s6_only_shipped_goods_can_be_exchanged(out, world):
    out.order("SO-OPEN")
    with pytest.raises(ExchangeOriginalNotShipped):
        issue_exchange_notice(out.actor("clerk"), original_order="SO-OPEN", reason="x",
                              lines=[{"item": "SKU-1", "quantity": 1}])
    _shipped(out, world, quantity=2)
    issue_exchange_notice(out.actor("clerk"), original_order="SO-1", reason="x",
                          lines=[{"item": "SKU-1", "quantity": 2}])
    with pytest.raises(ExchangeQuantityExceeded):
        issue_exchange_notice(out.actor("clerk"), original_order="SO-1", reason="again",
                              lines=[{"item": "SKU-1", "quantity": 1}])
    with pytest.raises(ExchangeQuantityExceeded):
        issue_exchange_notice(out.actor("clerk"), original_order="SO-1", reason="other item",
                              lines=[{"item": "SKU-2", "quantity": 1}])


# --- S7 -----------------------------------------------------------------------------


def test_s7_open_documents_of_the_day_are_listed(out, world):
    stock_in(world, "SKU-1", 10, "A-01-01")
    out.order("SO-OPEN")
    out.order("SO-DRAFT", approve=False)
    out.order("SO-SHIPPED", [("SKU-1", 1)])
    out.ready_to_ship("SO-SHIPPED")
    out.ship("SO-SHIPPED")
    out.order("SO-CANCELLED")
    shipping.cancel_order(out.actor("supervisor"), "SO-CANCELLED", "x")
    today = shipping.warehouse_today()
    rows = shipping.open_shipping_documents(out.actor("clerk"), today)
    assert {r.number: r.status for r in rows} == {"SO-OPEN": "approved", "SO-DRAFT": "draft"}
    assert all("*" in r.recipient_name for r in rows)  # personal data masked in the report
    # yesterday's report does not contain today's documents
    assert shipping.open_shipping_documents(out.actor("clerk"), today - timedelta(days=1)) == []
    with pytest.raises(PermissionDenied):
        shipping.open_shipping_documents(out.actor("picker"), today)


# --- import -------------------------------------------------------------------------


CSV_EXPORT = (
    "订单号,收件人,电话,地址,商品编码,数量\n"
    "TB1001,李四,13912345678,上海市浦东新区世纪大道100号,SKU-1,2\n"
    f"TB1001,李四,13912345678,上海市浦东新区世纪大道100号,{GTIN_1},1\n"
    "TB1002,王五,13700000000,北京市朝阳区建国路1号,SKU-2,3\n"
)


def test_import_csv_creates_one_order_per_number(out, world):
    result = import_orders(out.actor("clerk"), "orders.csv", CSV_EXPORT.encode("utf-8"))
    assert (result["created"], result["lines"]) == (["TB1001", "TB1002"], 3)
    view = shipping.order_view(out.actor("clerk"), "TB1001")
    assert [(line.sku, line.quantity) for line in view.lines] == [("SKU-1", 2), ("SKU-1", 1)]
    assert (view.status, view.recipient_name) == ("draft", "李四")


def test_import_gbk_csv_and_approve(out, world):
    result = import_orders(out.actor("supervisor"), "orders.csv", CSV_EXPORT.encode("gb18030"), approve=True)
    assert result["orders"] == 2
    assert shipping.validity(out.actor("shipper"), "TB1002").valid


def test_import_xlsx(out, world):
    book = Workbook()
    sheet = book.active
    sheet.append(["order_number", "recipient_name", "recipient_phone", "recipient_address", "sku", "qty"])
    sheet.append(["JD-1", "赵六", 13600000000, "广东省深圳市南山区科技园", "SKU-2", 4])
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_orders(out.actor("clerk"), "export.xlsx", buffer.getvalue())
    assert result["created"] == ["JD-1"]
    assert shipping.order_view(out.actor("clerk"), "JD-1").recipient_phone == "13600000000"


def test_import_bad_rows_are_listed_and_nothing_is_created(out, world):
    out.order("TB0001", approve=False)
    bad = (
        "订单号,收件人,商品编码,数量\n"
        "TB2001,李四,SKU-1,2\n"
        "TB2001,李四,NO-SUCH-SKU,1\n"
        "TB2002,,SKU-2,x\n"
        "TB0001,王五,SKU-2,1\n"
    )
    with pytest.raises(OrderImportRejected) as refused:
        import_orders(out.actor("clerk"), "orders.csv", bad.encode())
    rows = {r["row"]: r["errors"] for r in refused.value.details["rows"]}
    assert rows == {
        3: {"item": "unknown item"},
        4: {"recipient_name": "missing", "quantity": "not a positive whole number"},
        5: {"order_number": "already exists"},
    }
    numbers = db.session.execute(sa.select(SalesOrder.number)).scalars().all()
    assert numbers == ["TB0001"]


# --- labels -------------------------------------------------------------------------


def test_label_data_masks_the_recipient(out, world):
    stock_in(world, "SKU-1", 5, "A-01-01")
    out.order("SO-1", [("SKU-1", 1)])
    out.ready_to_ship("SO-1")
    with pytest.raises(OrderStateInvalid):
        shipping.shipping_label(out.actor("shipper"), "SO-1")
    out.ship("SO-1", tracking_number="SF9000000000001", weight="0.5", weight_unit="kg", weight_source="manual")
    label = shipping.shipping_label(out.actor("shipper"), "SO-1")
    assert label.tracking_number == "SF9000000000001" and label.carrier == "SF"
    assert (label.weight.grams, label.weight.kg, label.weight.unit) == (500, "0.500", "kg")
    assert (label.recipient_name, label.recipient_phone) == ("张**", "138****8000")
    assert "文三路" not in label.recipient_address
    assert label.weight_source == "manual"
