"""The one reader of uploaded CSV and XLSX files: the same files accepted by every import,
hostile ones refused with a reason before they cost memory, rows streamed to a limit."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from functools import partial

import openpyxl
import pytest

from tests.wms import spreadsheets as files
from wms.errors import ImportRejected, OrderImportRejected
from wms.services.import_files import ImportLimits, read_rows, upload_limit, whole_number

LIMITS = ImportLimits(max_rows=1000)
ROWS = [["订单号", "收件人", "数量"], ["TB1", "李四", "2"], ["TB2", "王五", "3"]]
MiB = 1024 * 1024


def read(filename: str, content: bytes, limits: ImportLimits = LIMITS) -> list[tuple[int, list]]:
    return list(read_rows(filename, content, limits, ImportRejected))


def refusal(filename: str, content: bytes, limits: ImportLimits = LIMITS) -> dict:
    with pytest.raises(ImportRejected) as refused:
        read(filename, content, limits)
    return refused.value.details


def peak_memory(work) -> int:
    """The most bytes Python held while ``work`` ran."""
    tracemalloc.start()
    try:
        work()
    except ImportRejected:
        pass
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


# --- what is accepted -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_utf8_with_or_without_bom_and_gb18030_reads_the_same(encoding):
    assert read("orders.csv", files.csv_bytes(ROWS, encoding)) == [(1, ROWS[0]), (2, ROWS[1]), (3, ROWS[2])]


def test_csv_and_xlsx_and_xlsm_give_the_same_rows():
    book = openpyxl.Workbook()
    for row in ROWS:
        book.active.append(row)
    saved = io.BytesIO()
    book.save(saved)
    expected = read("orders.csv", files.csv_bytes(ROWS))
    assert read("orders.xlsx", saved.getvalue()) == expected
    assert read("orders.xlsm", files.xlsx_bytes(ROWS)) == expected
    assert read("ORDERS.XLSX", files.xlsx_bytes(ROWS)) == expected


def test_blank_rows_are_skipped_and_keep_their_numbers():
    content = files.csv_bytes([ROWS[0], [], ["", " ", ""], ROWS[1]])
    assert read("orders.csv", content) == [(1, ROWS[0]), (4, ROWS[1])]
    sheet = files.xlsx_bytes([ROWS[0], ["", ""], ROWS[1]])
    assert read("orders.xlsx", sheet) == [(1, ROWS[0]), (3, ROWS[1])]


def test_the_declared_dimension_is_not_trusted():
    hostile = files.huge_dimension()
    assert len(hostile) < 2000
    assert read("orders.xlsx", hostile) == [(1, ["x"])]
    assert peak_memory(lambda: read("orders.xlsx", hostile)) < 4 * MiB
    # a stale dimension smaller than the data hides nothing either
    assert read("orders.xlsx", files.xlsx_bytes(ROWS, dimension="A1:A1")) == read("o.csv", files.csv_bytes(ROWS))


def test_limits_come_from_the_settings(app):
    app.config.update(SALES_ORDER_IMPORT_MAX_ROWS=7, IMPORT_MAX_COLUMNS=9, IMPORT_MAX_BYTES=1234)
    with app.app_context():
        assert upload_limit() == 1234
    limits = ImportLimits.from_config(app.config, "SALES_ORDER_IMPORT_MAX_ROWS")
    assert (limits.max_rows, limits.max_columns, limits.max_bytes) == (7, 9, 1234)
    assert limits.max_field_chars == app.config["IMPORT_MAX_FIELD_CHARS"] == 32_767


# --- the row limit ---------------------------------------------------------------------


def test_a_million_row_csv_stops_at_the_row_limit():
    content = b"order,qty\n" + b"TB1,1\n" * 1_000_000
    seen = []

    def work():
        for row in read_rows("orders.csv", content, LIMITS, ImportRejected):
            seen.append(row[0])

    peak = peak_memory(work)
    assert seen == list(range(1, LIMITS.max_rows + 2))  # the header and 1000 rows, then the refusal
    assert peak < 4 * MiB
    assert refusal("orders.csv", content) == {"reason": "too_many_rows", "row": 1002, "limit": 1000}


@pytest.mark.parametrize("dimension", [True, False], ids=["declared", "undeclared"])
def test_a_million_row_workbook_stops_at_the_row_limit(monkeypatch, dimension):
    content = files.million_rows(dimension=dimension)
    inflated = []
    original = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original(self, n)
        inflated.append(len(data))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    seen = []

    def work():
        for row in read_rows("orders.xlsx", content, LIMITS, ImportRejected):
            seen.append(row)

    peak = peak_memory(work)
    # Refused from the first megabyte of a 40 MB sheet: openpyxl never parsed it.
    assert seen == []
    assert sum(inflated) < 2 * MiB
    assert peak < 16 * MiB
    assert refusal("orders.xlsx", content) == {"reason": "too_many_rows", "limit": 1000}


def test_rows_numbered_past_the_limit_stop_the_reader():
    """A row numbered a billion: openpyxl fills the rows before it as blank; they count."""
    seen = []

    def work():
        for row in read_rows("orders.xlsx", files.far_row(), LIMITS, ImportRejected):
            seen.append(row[0])

    assert peak_memory(work) < 4 * MiB
    assert seen == [1]
    assert refusal("orders.xlsx", files.far_row()) == {"reason": "too_many_rows", "row": 1002, "limit": 1000}


# --- fields and columns -----------------------------------------------------------------


def test_a_csv_field_over_the_csv_modules_limit_is_refused():
    content = b"order,note\nTB1," + b"x" * 131_073 + b"\n"
    assert refusal("orders.csv", content) == {"reason": "field_too_long", "row": 2, "limit": 32_767}


@pytest.mark.parametrize("filename", ["orders.csv", "orders.xlsx"])
def test_a_field_over_the_limit_is_refused_with_its_row_and_column(filename):
    rows = [["order", "note"], ["TB1", "ok"], ["TB2", "x" * 32_768]]
    content = files.csv_bytes(rows) if filename.endswith(".csv") else files.xlsx_bytes(rows)
    assert refusal(filename, content) == {"reason": "field_too_long", "row": 3, "column": 2, "limit": 32_767}
    assert read(filename, content, ImportLimits(max_rows=10, max_field_chars=40_000))[2][1][1] == "x" * 32_768


def test_an_unterminated_quote_is_refused_at_the_field_limit():
    content = b'order,note\nTB1,"' + b"x" * 200_000
    assert refusal("orders.csv", content)["reason"] == "field_too_long"


def test_too_many_columns_are_refused():
    assert refusal("orders.csv", b"," * 300 + b"x\n") == {
        "reason": "too_many_columns", "row": 1, "column": 301, "limit": 256}
    far_cell = files.workbook(f'<worksheet xmlns="{files.MAIN_NS}"><sheetData>'
                              '<row r="1"><c r="XFD1"><v>1</v></c></row></sheetData></worksheet>')
    assert refusal("orders.xlsx", far_cell) == {"reason": "too_many_columns", "row": 1, "column": 16384,
                                                "limit": 256}


def test_a_row_of_a_million_cells_is_refused_before_openpyxl_builds_it():
    cells = "".join(f"<c><v>{i}</v></c>" for i in range(1_000_000))
    fat = files.workbook(f'<worksheet xmlns="{files.MAIN_NS}"><sheetData><row r="1">{cells}</row>'
                         "</sheetData></worksheet>")
    details = {}

    def work():
        details.update(refusal("orders.xlsx", fat))

    assert peak_memory(work) < 16 * MiB
    assert details == {"reason": "too_many_columns", "limit": 256}


# --- zips that are not workbooks -------------------------------------------------------


def test_a_zip_bomb_is_refused_before_it_inflates():
    bomb = files.zip_bomb()
    assert len(bomb) < 64 * 1024
    details = {}
    assert peak_memory(lambda: details.update(refusal("orders.xlsx", bomb))) < MiB
    assert details == {"reason": "compression_ratio", "limit": 100}


def test_a_part_that_inflates_past_its_declared_size_is_cut_there():
    liar = files.lying_sizes(files.zip_bomb(), "xl/media/padding.bin", size=100)
    details = {}
    assert peak_memory(lambda: details.update(refusal("orders.xlsx", liar))) < 4 * MiB
    assert details == {"reason": "corrupt"}


def test_a_workbook_unpacking_past_the_limit_is_refused():
    rows = [["order", "note"]] + [[f"TB{i}", f"note {i}"] for i in range(3000)]
    content = files.xlsx_bytes(rows)  # about 300 KB of sheet XML
    assert read("orders.xlsx", content, ImportLimits(max_rows=3000))[-1][1] == ["TB2999", "note 2999"]
    assert refusal("orders.xlsx", content, ImportLimits(max_rows=3000, max_unpacked_bytes=128 * 1024)) == {
        "reason": "unpacked_too_large", "limit": 128 * 1024}


@pytest.mark.parametrize("content", [
    b"PK\x03\x04" + b"\0" * 200,  # a zip's first bytes, nothing more
    files.xlsx_bytes(ROWS)[:-200],  # cut short: no directory
    files.corrupt(files.xlsx_bytes(ROWS * 200)),  # a changed byte in the sheet
    files.workbook(b"<worksheet><sheetData><row>"),  # XML cut short
    files.workbook(f'<worksheet xmlns="{files.MAIN_NS}"/>', parts={}).replace(b"xl/workbook.xml", b"xl/workbook.xmX"),
], ids=["header-only", "truncated", "bad-crc", "bad-xml", "no-workbook"])
def test_a_corrupt_workbook_is_refused(content):
    assert refusal("orders.xlsx", content)["reason"] == "corrupt"


def test_entity_declarations_are_refused():
    laughs = ('<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
              '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              f'<worksheet xmlns="{files.MAIN_NS}"><sheetData><row><c t="inlineStr"><is><t>&b;</t></is></c>'
              "</row></sheetData></worksheet>")
    assert refusal("orders.xlsx", files.workbook(laughs)) == {"reason": "corrupt"}


def test_a_utf16_sheet_is_scanned_as_it_would_be_parsed():
    rows = "".join(f'<row r="{i}"/>' for i in range(1, 2000))
    sheet = f'<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="{files.MAIN_NS}"><sheetData>{rows}' \
            "</sheetData></worksheet>"
    assert refusal("orders.xlsx", files.workbook(sheet.encode("utf-16"))) == {"reason": "too_many_rows",
                                                                                "limit": 1000}


@pytest.mark.parametrize("content", [files.password_protected(), files.zip_encrypted(ROWS)], ids=["ole", "zip"])
def test_a_password_protected_workbook_is_refused(content):
    assert refusal("orders.xlsx", content)["reason"] == "password_protected"


# --- names, encodings, empty files ------------------------------------------------------


@pytest.mark.parametrize(("filename", "content", "reason"), [
    ("orders.txt", files.csv_bytes(ROWS), "file_type"),
    ("orders.xls", files.password_protected(), "file_type"),
    ("orders", files.csv_bytes(ROWS), "file_type"),
    ("", files.csv_bytes(ROWS), "file_type"),
    ("orders.csv.exe", files.csv_bytes(ROWS), "file_type"),
    ("orders.csv", files.xlsx_bytes(ROWS), "not_text"),
    ("orders.csv", b"order,qty\nTB1,\x00\n", "not_text"),
    ("orders.xlsx", files.csv_bytes(ROWS), "not_xlsx"),
    ("orders.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000), "not_xlsx"),
    ("orders.csv", files.csv_bytes(ROWS, "utf-16"), "encoding"),
    ("orders.csv", b"order,qty\nTB1,\x80\n", "encoding"),
], ids=["txt", "xls", "no-suffix", "no-name", "exe", "xlsx-as-csv", "nul", "csv-as-xlsx", "old-xls",
        "utf16", "not-utf8-nor-gb18030"])
def test_a_file_of_the_wrong_kind_is_refused(filename, content, reason):
    assert refusal(filename, content)["reason"] == reason


@pytest.mark.parametrize(("filename", "content"), [
    ("orders.csv", b""), ("orders.xlsx", b""), ("orders.csv", b"\r\n\r\n , \r\n"), ("orders.csv", b"\xef\xbb\xbf"),
    ("orders.xlsx", files.workbook(f'<worksheet xmlns="{files.MAIN_NS}"><sheetData/></worksheet>')),
], ids=["csv", "xlsx", "blank-lines", "bom-only", "empty-sheet"])
def test_an_empty_file_is_refused(filename, content):
    assert refusal(filename, content)["reason"] == "empty"


def test_a_file_over_the_byte_limit_is_refused():
    content = files.csv_bytes(ROWS)
    assert refusal("orders.csv", content, ImportLimits(max_rows=10, max_bytes=10)) == {
        "reason": "file_too_large", "limit": 10}


def test_the_refusal_is_the_callers_typed_error():
    refuse = partial(OrderImportRejected, rows=[])
    with pytest.raises(OrderImportRejected) as refused:
        list(read_rows("orders.xlsx", files.zip_bomb(), LIMITS, refuse))
    assert refused.value.to_dict() == {
        "code": "order_import_rejected", "status": 422, "message": refused.value.message,
        "errors": {"rows": [], "reason": "compression_ratio", "limit": 100}}


@pytest.mark.parametrize(("cell", "number"), [
    (3, 3), (3.0, 3), ("3", 3), (" 12 ", 12), ("3.0", 3), (0, 0), (999_999_999, 999_999_999),
    (1_000_000_000, None), ("1000000000", None), (-1, None), ("-1", None), (1.5, None), ("1.5", None),
    ("²", None), ("", None), (None, None), (True, None), ("3e2", None),
])
def test_every_import_reads_a_quantity_cell_the_same_way(cell, number):
    assert whole_number(cell) == number
