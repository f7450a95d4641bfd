"""Import of shop order exports (CSV or XLSX): one row per order line.

Headers may be in Chinese or English (订单号/order_number, 收件人/recipient_name,
电话/recipient_phone, 地址/recipient_address, 商品编码/item, 数量/quantity,
客户编码/customer_code). Every row is checked first; if any row is bad the import is
refused with the row numbers and nothing is created.
"""

from __future__ import annotations

import csv
import io
from collections import OrderedDict

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.errors import DomainError, InvalidInput, OrderImportRejected
from wms.extensions import db
from wms.models import Customer, SalesOrder, User
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
MAX_ROWS = 50_000


def read_rows(filename: str, content: bytes) -> list[tuple[int, dict]]:
    """The file's data rows as (row number, {field: text}); row 1 is the header."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif name.endswith(".csv") or name.endswith(".txt"):
        table = _csv_rows(content)
    else:
        raise InvalidInput("Import a .csv or .xlsx file.", filename=filename)
    if not table:
        raise OrderImportRejected("The file is empty.", rows=[])
    header = [_field_of(cell) for cell in table[0]]
    missing = [f for f in REQUIRED if f not in header]
    if missing:
        raise OrderImportRejected("The header lacks required columns.", rows=[{"row": 1, "missing": missing}])
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        record = {}
        for field, cell in zip(header, cells, strict=False):
            if field:
                record[field] = "" if cell is None else str(cell).strip()
        rows.append((number, record))
    if len(rows) > MAX_ROWS:
        raise OrderImportRejected(f"At most {MAX_ROWS} rows per file.", rows=[])
    return rows


def _field_of(header_cell) -> str | None:
    text = "" if header_cell is None else str(header_cell).strip().lower()
    for field, aliases in HEADER_ALIASES.items():
        if text in aliases:
            return field
    return None


def _csv_rows(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "gb18030"):  # shop exports from Chinese Excel are often GBK
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise OrderImportRejected("The file is neither UTF-8 nor GB18030 text.", rows=[])
    return [row for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a broken file
        raise OrderImportRejected("The file is not a readable XLSX workbook.", rows=[],
                                  reason=str(exc)) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def import_orders(
    actor: User, filename: str, content: bytes, *, approve: bool = False, warehouse_code: str | None = None,
) -> dict:
    """Create the file's orders as drafts (or approved), all or none."""
    require(actor.role, Permission.OUTBOUND_DOCUMENT_WRITE)
    if approve:
        require(actor.role, Permission.OUTBOUND_APPROVE)
    rows = read_rows(filename, content)

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
        quantity = None
        if record.get("quantity"):
            quantity = _whole_number(record["quantity"])
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


def _whole_number(text: str) -> int | None:
    text = text.strip()
    if text.endswith(".0"):  # spreadsheets write 3 as 3.0
        text = text[:-2]
    return int(text) if text.isdigit() else None
