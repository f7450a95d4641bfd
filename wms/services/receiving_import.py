"""Import purchase orders from the CSV/XLSX files sellers' ERPs export.

One row per order line; rows with the same order number form one document. Headers
are matched in Chinese or English (``采购单号``/``po_number`` ...). Every row is checked
first; if any is bad the whole file is refused with the row numbers and what is wrong,
and nothing is created (one transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial

import sqlalchemy as sa
from flask import current_app

from wms.domain.permissions import Permission, require
from wms.domain.sampling import DocumentKind
from wms.errors import ImportRejected
from wms.extensions import db
from wms.models import Supplier
from wms.models.receiving import InboundDocument
from wms.models.users import User
from wms.services.import_files import ImportLimits, read_rows, whole_number
from wms.services.receiving import create_document
from wms.services.stock import resolve_item_ids
from wms.services.uow import run_in_transaction

#: Accepted header spellings per field (compared lower-case, spaces stripped).
HEADERS = {
    "number": ("po_number", "po", "number", "采购单号", "采购订单号", "订单号", "单号"),
    "supplier": ("supplier", "supplier_code", "供应商编码", "供应商代码", "供应商"),
    "item": ("item", "sku", "barcode", "gtin", "商品编码", "商品条码", "条码", "货号"),
    "quantity": ("quantity", "qty", "数量", "采购数量", "订购数量"),
    "expected_date": ("expected_date", "eta", "预计到货日期", "到货日期"),
    "external_ref": ("external_ref", "erp_ref", "外部单号", "erp单号"),
}
REQUIRED = ("number", "supplier", "item", "quantity")
NUMBER_LENGTH = InboundDocument.__table__.c.number.type.length


@dataclass(frozen=True)
class PurchaseOrderImport:
    """The purchase orders a file created, and how many lines they have."""

    documents: list[InboundDocument]
    lines: int


def _columns(header: list) -> dict[str, int]:
    normalised = [str(h or "").strip().lower().replace(" ", "") for h in header]
    found = {}
    for field, names in HEADERS.items():
        for index, text in enumerate(normalised):
            if text in names:
                found[field] = index
                break
    return found


def _cells(row: list, columns: dict[str, int]):
    def cell(field: str):
        index = columns.get(field)
        return row[index] if index is not None and index < len(row) else None

    return cell


def _shown(value) -> str:
    """A cell as quoted in a message: long ones cut, so a refusal stays small."""
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-")
    return date.fromisoformat(text)


def import_purchase_orders(actor: User, filename: str, content: bytes) -> PurchaseOrderImport:
    """Create the purchase orders of a file, all or nothing; bad rows are listed by number."""
    require(actor.role, Permission.INBOUND_DOCUMENT_WRITE)
    limits = ImportLimits.from_config(current_app.config, "PURCHASE_ORDER_IMPORT_MAX_ROWS")
    rows = read_rows(filename, content, limits, refuse=partial(ImportRejected, rows=[]))
    header_row, header = next(rows)  # the reader refuses a file without rows
    columns = _columns(header)
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        raise ImportRejected("The header row lacks columns: " + ", ".join(missing) + ".",
                             rows=[{"row": header_row, "field": f, "message": "missing column"} for f in missing])
    lines = list(rows)  # read whole before the transaction; the reader stops at the row limit

    def use_case() -> PurchaseOrderImport:
        errors: list[dict] = []
        orders: dict[str, dict] = {}
        suppliers = dict(db.session.execute(sa.select(Supplier.code, Supplier.id)).all())
        items = resolve_item_ids((str(_cells(row, columns)("item") or "") for _, row in lines), must_exist=False)
        for row_number, row in lines:
            cell = _cells(row, columns)
            number = str(cell("number") or "").strip()
            supplier = str(cell("supplier") or "").strip()
            item_code = str(cell("item") or "").strip()
            quantity = whole_number(cell("quantity"))
            problems = []
            if not number:
                problems.append(("number", "order number is empty"))
            elif len(number) > NUMBER_LENGTH:
                problems.append(("number", f"order number is longer than {NUMBER_LENGTH} characters"))
            if supplier not in suppliers:
                problems.append(("supplier", f"unknown supplier '{_shown(supplier)}'"))
            if quantity is None or quantity < 1:
                problems.append(("quantity", f"quantity '{_shown(cell('quantity'))}' is not a positive whole number"))
            item_id = items.get(item_code)
            if item_id is None:
                problems.append(("item", f"unknown item '{_shown(item_code)}'"))
            try:
                expected = _date(cell("expected_date"))
            except ValueError:
                expected = None
                problems.append(("expected_date", f"'{_shown(cell('expected_date'))}' is not a date (YYYY-MM-DD)"))
            order = orders.setdefault(number, {"supplier": supplier, "lines": {}, "expected_date": expected,
                                               "external_ref": cell("external_ref"), "first_row": row_number})
            if number and order["supplier"] != supplier:
                problems.append(("supplier", f"order {_shown(number)} has another supplier on row "
                                             f"{order['first_row']}"))
            errors.extend({"row": row_number, "field": f, "message": m} for f, m in problems)
            if not problems:
                # ERP exports repeat an item on several lines; the order is their sum.
                order["lines"][item_id] = order["lines"].get(item_id, 0) + quantity
        taken = set(db.session.execute(
            sa.select(InboundDocument.number).where(InboundDocument.number.in_(set(orders)))
        ).scalars())
        for number in sorted(taken):
            errors.append({"row": orders[number]["first_row"], "field": "number",
                           "message": f"document {number} already exists"})
        if errors:
            errors.sort(key=lambda e: e["row"])
            raise ImportRejected(f"{len({e['row'] for e in errors})} bad row(s); nothing was imported.",
                                 rows=errors[:500])
        if not orders:
            raise ImportRejected("The file has no order lines.", rows=[])
        created = []
        for number, order in orders.items():
            ref = order["external_ref"]
            created.append(create_document(
                actor, number=number, kind=DocumentKind.PURCHASE_ORDER.value, supplier=order["supplier"],
                lines=[{"item_id": i, "quantity": q} for i, q in order["lines"].items()],
                expected_date=order["expected_date"], external_ref=str(ref)[:64] if ref else None,
            ))
        return PurchaseOrderImport(created, sum(len(d.lines) for d in created))

    return run_in_transaction(use_case)
