"""Exports' cells (``wms.services.spreadsheets``): a text that a spreadsheet would run as a
formula stays text, in XLSX as in CSV; numbers are left as numbers."""

from __future__ import annotations

import io
import zipfile

from openpyxl import Workbook, load_workbook

from wms.services.spreadsheets import csv_cell, xlsx_append

FORMULAS = ['=HYPERLINK("http://example.invalid/","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_csv_cell_quotes_every_text_a_spreadsheet_reads_as_a_formula():
    assert [csv_cell(text) for text in FORMULAS] == ["'" + text for text in FORMULAS]


def test_csv_cell_leaves_numbers_and_plain_text_alone():
    assert [csv_cell(v) for v in (-5, 3.5, 0, "SF1234567890", "张三", "", None)] == \
        [-5, 3.5, 0, "SF1234567890", "张三", "", None]


def test_xlsx_append_stores_a_formula_shaped_text_as_text_and_numbers_as_numbers():
    book = Workbook()
    xlsx_append(book.active, [FORMULAS[0], -5, 2.5, "plain"])
    out = io.BytesIO()
    book.save(out)
    assert b"<f>" not in zipfile.ZipFile(io.BytesIO(out.getvalue())).read("xl/worksheets/sheet1.xml")
    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [(c.value, c.data_type) for c in row] == [(FORMULAS[0], "s"), (-5, "n"), (2.5, "n"), ("plain", "s")]
