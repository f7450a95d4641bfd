"""Hostile files sent to both imports over HTTP: a typed 4xx in the one error format, and
nothing imported. Honest files in every accepted encoding import the same way."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.wms import spreadsheets as files
from wms.extensions import db
from wms.models import InboundDocument, SalesOrder

PURCHASE_ORDERS = [["采购单号", "供应商编码", "商品编码", "数量"], ["PO-F-1", "SUP-1", "SKU-1", 3],
                   ["PO-F-1", "SUP-1", "SKU-2", 2]]
SALES_ORDERS = [["订单号", "收件人", "商品编码", "数量"], ["TB-F-1", "李四", "SKU-1", 2],
                ["TB-F-1", "李四", "SKU-2", 1]]


class Import:
    def __init__(self, path: str, code: str, document, rows: list[list]) -> None:
        self.path, self.code, self.document, self.rows = path, code, document, rows


IMPORTS = {
    "purchase-orders": Import("/api/v1/inbound-documents/import", "import_rejected", InboundDocument,
                              PURCHASE_ORDERS),
    "sales-orders": Import("/api/v1/shipping/orders/import", "order_import_rejected", SalesOrder, SALES_ORDERS),
}


@pytest.fixture(params=list(IMPORTS))
def target(request) -> Import:
    return IMPORTS[request.param]


def upload(api, target: Import, filename: str, content: bytes, key: str | None = None):
    # Encoded here, in memory: the test client spools a large body to a file it never closes.
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename)})
    return api.as_("clerk").post(target.path, key=key, data=body,
                                 content_type=f"multipart/form-data; boundary={boundary}")


def imported(app, target: Import) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(target.document))


def refused(response, status: int, code: str) -> dict:
    body = response.get_json()
    assert (response.status_code, body["code"], body["status"]) == (status, code, status), body
    assert set(body) == {"code", "status", "message", "errors"}
    return body["errors"]


def _long_field(header: list) -> bytes:
    return files.csv_bytes([header]) + b"TB1,x,SKU-1," + b"9" * 131_073 + b"\r\n"


#: case: (file name, build(header row), the reason in the refusal's errors or None)
HOSTILE = {
    "csv-field-of-131073": ("orders.csv", _long_field, "field_too_long"),
    "xlsx-declaring-a1-xfd1048576": ("orders.xlsx", lambda header: files.huge_dimension(), None),  # one cell
    "xlsx-of-a-million-rows": ("orders.xlsx", lambda header: files.million_rows(), "too_many_rows"),
    "xlsx-row-a-billion": ("orders.xlsx", lambda header: files.far_row(tuple(header)), "too_many_rows"),
    "zip-bomb": ("orders.xlsx", lambda header: files.zip_bomb(), "compression_ratio"),
    "zip-lying-about-sizes": ("orders.xlsx", lambda header: files.lying_sizes(files.zip_bomb(),
                                                                               "xl/media/padding.bin"), "corrupt"),
    "corrupt-zip": ("orders.xlsx", lambda header: files.corrupt(files.xlsx_bytes([header] * 500)), "corrupt"),
    "not-a-zip": ("orders.xlsx", lambda header: files.csv_bytes([header]), "not_xlsx"),
    "password-protected": ("orders.xlsx", lambda header: files.password_protected(), "password_protected"),
    "xlsx-named-csv": ("orders.csv", lambda header: files.xlsx_bytes([header]), "not_text"),
    "txt": ("orders.txt", lambda header: files.csv_bytes([header]), "file_type"),
    "xls": ("orders.xls", lambda header: files.password_protected(), "file_type"),
    "utf-16-csv": ("orders.csv", lambda header: files.csv_bytes([header], "utf-16"), "encoding"),
    "empty-csv": ("orders.csv", lambda header: b"", "empty"),
    "empty-xlsx": ("orders.xlsx", lambda header: b"", "empty"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_gets_a_typed_422_and_imports_nothing(api, app, target, case):
    filename, build, reason = HOSTILE[case]
    errors = refused(upload(api, target, filename, build(target.rows[0])), 422, target.code)
    if reason is not None:
        assert errors["reason"] == reason
    assert imported(app, target) == 0


@pytest.mark.parametrize("key", [None, "big-1"], ids=["without-key", "with-key"])
def test_an_upload_over_the_byte_limit_gets_413_before_it_is_read(api, app, target, key):
    app.config["IMPORT_MAX_BYTES"] = 4096
    content = files.csv_bytes(target.rows + [target.rows[1]] * 400)
    assert len(content) > 4096
    refused(upload(api, target, "orders.csv", content, key=key), 413, "payload_too_large")
    assert imported(app, target) == 0
    small = files.csv_bytes(target.rows)
    assert upload(api, target, "orders.csv", small).status_code == 201


@pytest.mark.parametrize(("filename", "encode"), [
    ("orders.csv", lambda rows: files.csv_bytes(rows, "utf-8")),
    ("orders.csv", lambda rows: files.csv_bytes(rows, "utf-8-sig")),
    ("orders.csv", lambda rows: files.csv_bytes(rows, "gb18030")),
    ("orders.xlsx", files.xlsx_bytes),
    ("orders.xlsx", lambda rows: files.xlsx_bytes(rows, dimension="A1:XFD1048576")),
], ids=["utf-8", "utf-8-bom", "gb18030", "xlsx", "xlsx-lying-dimension"])
def test_honest_files_import_alike(api, app, target, filename, encode):
    response = upload(api, target, filename, encode(target.rows))
    assert response.status_code == 201, response.get_json()
    assert imported(app, target) == 1


def test_the_row_limit_is_a_setting(api, app, target):
    key = "PURCHASE_ORDER_IMPORT_MAX_ROWS" if target.document is InboundDocument else "SALES_ORDER_IMPORT_MAX_ROWS"
    app.config[key] = 1
    errors = refused(upload(api, target, "orders.csv", files.csv_bytes(target.rows)), 422, target.code)
    assert (errors["reason"], errors["row"], errors["limit"]) == ("too_many_rows", 3, 1)
    assert imported(app, target) == 0


def test_a_value_longer_than_its_column_is_a_bad_row(api, app, target):
    rows = [target.rows[0], [target.rows[1][0] + "9" * 70, *target.rows[1][1:]]]
    errors = refused(upload(api, target, "orders.csv", files.csv_bytes(rows)), 422, target.code)
    assert [entry["row"] for entry in errors["rows"]] == [2]
    assert imported(app, target) == 0


@pytest.mark.parametrize("quantity", ["²", "9" * 5000, "10000000000", "-1"])
def test_a_quantity_that_is_no_whole_number_is_a_bad_row(api, app, target, quantity):
    rows = [target.rows[0], [*target.rows[1][:3], quantity]]
    errors = refused(upload(api, target, "orders.csv", files.csv_bytes(rows)), 422, target.code)
    assert [entry["row"] for entry in errors["rows"]] == [2]
    assert imported(app, target) == 0
