"""Purchase orders imported from ERP exports (CSV, XLSX): all rows good, or nothing (R1)."""

from __future__ import annotations

import io

import openpyxl
import pytest
import sqlalchemy as sa

from tests.factories import GTIN_2
from wms.errors import ImportRejected
from wms.extensions import db
from wms.models import InboundDocument
from wms.services.receiving_import import import_purchase_orders


def csv_bytes(rows: list[list], encoding: str = "utf-8-sig") -> bytes:
    return "\n".join(",".join(str(c) for c in row) for row in rows).encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER_ZH = ["采购单号", "供应商编码", "商品编码", "数量", "预计到货日期"]
GOOD = [HEADER_ZH, ["PO-IMP-1", "SUP-1", "SKU-1", 10, "2026-12-01"],
        ["PO-IMP-1", "SUP-1", GTIN_2, 5, "2026-12-01"], ["PO-IMP-1", "SUP-1", "SKU-1", 2, ""],
        ["PO-IMP-2", "SUP-1", "SKU-2", 7, ""]]


def documents() -> dict[str, dict[str, int]]:
    found = {}
    for document in db.session.execute(sa.select(InboundDocument)).scalars():
        found[document.number] = {line.item.sku: line.ordered for line in document.lines}
    return found


@pytest.mark.parametrize(("filename", "content"), [("po.csv", csv_bytes(GOOD)), ("po.xlsx", xlsx_bytes(GOOD)),
                                                   ("po.csv", csv_bytes(GOOD, "gb18030"))])
def test_r1_purchase_orders_import_from_csv_and_xlsx(ctx, world, filename, content):
    created = import_purchase_orders(world.user("clerk"), filename, content).documents
    assert sorted(d.number for d in created) == ["PO-IMP-1", "PO-IMP-2"]
    # A repeated item is one line with the summed quantity.
    assert documents() == {"PO-IMP-1": {"SKU-1": 12, "SKU-2": 5}, "PO-IMP-2": {"SKU-2": 7}}
    assert all(d.status == "open" and d.kind == "purchase_order" for d in created)


def test_r1_english_headers_are_understood(ctx, world):
    rows = [["po_number", "supplier", "sku", "qty"], ["PO-EN-1", "SUP-1", "SKU-1", "3"]]
    import_purchase_orders(world.user("clerk"), "po.csv", csv_bytes(rows))
    assert documents() == {"PO-EN-1": {"SKU-1": 3}}


def test_r1_bad_rows_are_listed_by_number_and_nothing_is_imported(ctx, world):
    rows = [HEADER_ZH,
            ["PO-BAD-1", "SUP-1", "SKU-1", 10, ""],
            ["PO-BAD-1", "SUP-9", "SKU-1", 10, ""],  # row 3: unknown supplier
            ["PO-BAD-2", "SUP-1", "NOPE", 1, ""],  # row 4: unknown item
            ["PO-BAD-2", "SUP-1", "SKU-2", "1.5", ""],  # row 5: not a whole number
            ["PO-BAD-3", "SUP-1", "SKU-2", 0, "31/31/2026"]]  # row 6: zero, bad date
    with pytest.raises(ImportRejected) as refused:
        import_purchase_orders(world.user("clerk"), "po.xlsx", xlsx_bytes(rows))
    bad = {(e["row"], e["field"]) for e in refused.value.details["rows"]}
    assert bad == {(3, "supplier"), (4, "item"), (5, "quantity"), (6, "quantity"), (6, "expected_date")}
    assert refused.value.code == "import_rejected"
    assert documents() == {}


def test_r1_an_existing_document_number_refuses_the_file(ctx, world):
    import_purchase_orders(world.user("clerk"), "po.csv", csv_bytes(GOOD))
    with pytest.raises(ImportRejected) as refused:
        import_purchase_orders(world.user("clerk"), "po.csv", csv_bytes(GOOD[:2]))
    assert refused.value.details["rows"] == [{"row": 2, "field": "number",
                                              "message": "document PO-IMP-1 already exists"}]


@pytest.mark.parametrize(("filename", "content"), [("po.txt", b"x"), ("po.xlsx", b"not a workbook"),
                                                   ("po.csv", csv_bytes([["a", "b"], [1, 2]]))])
def test_r1_unreadable_files_are_refused(ctx, world, filename, content):
    with pytest.raises(ImportRejected):
        import_purchase_orders(world.user("clerk"), filename, content)
    assert documents() == {}
