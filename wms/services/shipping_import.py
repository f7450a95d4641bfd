"""Import of shop order exports (CSV or XLSX): one row per order line.

Headers may be in Chinese or English (订单号/order_number, 收件人/recipient_name,
电话/recipient_phone, 地址/recipient_address, 商品编码/item, 数量/quantity,
客户编码/customer_code). Every row is checked first; if any row is bad the import is
refused with the row numbers and nothing is created.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import partial

import sqlalchemy as sa
from flask import current_app

from wms.domain.permissions import Permission, require
from wms.errors import DomainError, OrderImportRejected
from wms.extensions import db
from wms.models import Customer, SalesOrder, User
from wms.services.import_files import ImportLimits, read_rows, whole_number
from wms.services.shipping import OrderLineInput, approve_order, build_order
from wms.services.stock import resolve_item_id
from wms.services.uow import run_in_transaction

HEADER_ALIASES = {
    "order_number": ("order_number", "order", "订单号", "订单编号", "平台单号"),
    "recipient_name": ("recipient_name", "recipient", "收件人", "收货人", "收件人姓名"),
    "recipient_phone": ("recipient_phone", "phone", "电话", "手机", "联系电话", "收件人电话"),
    "recipient_address": ("recipient_address", "address", "地址", "收货地址", "详细地址"),
    "item": ("item", "sku", "barcode", "商品编码", "商家编码", "条码", "货号"),
    "quantity": ("quantity", "qty", "数量", "购买数量"),
    "customer_code": ("customer_code", "customer", "客户编码", "客户"),
}
REQUIRED = ("order_number", "recipient_name", "item", "quantity")
#: The longest text each field may have: the shipping document's column sizes.
LENGTHS = {field: SalesOrder.__table__.c[field].type.length
           for field in ("recipient_name", "recipient_phone", "recipient_address")}
LENGTHS["order_number"] = SalesOrder.__table__.c.number.type.length


def read_order_rows(filename: str, content: bytes) -> list[tuple[int, dict]]:
    """The file's data rows as (row number, {field: text}); the header is the first row."""
    limits = ImportLimits.from_config(current_app.config, "SALES_ORDER_IMPORT_MAX_ROWS")
    rows = read_rows(filename, content, limits, refuse=partial(OrderImportRejected, rows=[]))
    header_row, cells = next(rows)  # the reader refuses a file without rows
    header = [_field_of(cell) for cell in cells]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise OrderImportRejected("The header lacks required columns.",
                                  rows=[{"row": header_row, "missing": missing}])
    records = []
    for number, cells in rows:
        record = {}
        for field, cell in zip(header, cells, strict=False):
            if field:
                record[field] = "" if cell is None else str(cell).strip()
        records.append((number, record))
    return records


def _field_of(header_cell) -> str | None:
    text = "" if header_cell is None else str(header_cell).strip().lower()
    for field, aliases in HEADER_ALIASES.items():
        if text in aliases:
            return field
    return None


def import_orders(
    actor: User, filename: str, content: bytes, *, approve: bool = False, warehouse_code: str | None = None,
) -> dict:
    """Create the file's orders as drafts (or approved), all or none."""
    require(actor.role, Permission.OUTBOUND_DOCUMENT_WRITE)
    if approve:
        require(actor.role, Permission.OUTBOUND_APPROVE)
    rows = read_order_rows(filename, content)

    def use_case() -> dict:
        orders, problems = _group_and_check(rows)
        if problems:
            raise OrderImportRejected(rows=problems)
        created = []
        for number, order in orders.items():
            build_order(
                actor, number=number, lines=order["lines"], recipient_name=order["recipient_name"],
                recipient_phone=order["recipient_phone"] or None,
                recipient_address=order["recipient_address"] or None,
                customer_code=order["customer_code"] or None, warehouse_code=warehouse_code,
            )
            if approve:
                approve_order(actor, number)
            created.append(number)
        lines = sum(len(o["lines"]) for o in orders.values())
        return {"created": created, "orders": len(created), "lines": lines}

    return run_in_transaction(use_case)


def _group_and_check(rows: list[tuple[int, dict]]) -> tuple[OrderedDict, list[dict]]:
    orders: OrderedDict[str, dict] = OrderedDict()
    problems: list[dict] = []
    customers: dict[str, bool] = {}
    for row_no, record in rows:
        errors = {}
        for field in REQUIRED:
            if not record.get(field):
                errors[field] = "missing"
        for field, length in LENGTHS.items():
            if len(record.get(field, "")) > length:
                errors[field] = f"longer than {length} characters"
        quantity = None
        if record.get("quantity"):
            quantity = whole_number(record["quantity"])
            if quantity is None or quantity <= 0:
                errors["quantity"] = "not a positive whole number"
        if record.get("item"):
            try:
                resolve_item_id(record["item"])
            except DomainError:
                errors["item"] = "unknown item"
        code = record.get("customer_code") or ""
        if code:
            if code not in customers:
                customers[code] = db.session.execute(
                    sa.select(Customer.id).where(Customer.code == code)
                ).first() is not None
            if not customers[code]:
                errors["customer_code"] = "unknown customer"
        number = record.get("order_number", "")
        if number and number not in orders:
            if db.session.execute(sa.select(SalesOrder.id).where(SalesOrder.number == number)).first():
                errors["order_number"] = "already exists"
        recipient = (record.get("recipient_name", ""), record.get("recipient_phone", ""),
                     record.get("recipient_address", ""), code)
        if number in orders and orders[number]["recipient"] != recipient:
            errors["recipient_name"] = "differs from the order's first row"
        if errors:
            problems.append({"row": row_no, "errors": errors})
            continue
        order = orders.setdefault(number, {
            "recipient": recipient, "recipient_name": recipient[0], "recipient_phone": recipient[1],
            "recipient_address": recipient[2], "customer_code": code, "lines": [],
        })
        order["lines"].append(OrderLineInput(record["item"], quantity))
    return orders, problems
