"""The end-of-day report as files: PDF, XLSX (one sheet per section) and CSV (one section).

Every format renders the same tables (``report_tables``), built once from the report with
typed values: numbers stay numbers, days dates, instants the warehouse's local time. The
report already carries personal data masked (``day_report``); nothing here reads the
database. The PDF is HTML and CSS laid out by WeasyPrint with a CJK font embedded, so its
Chinese text is real, extractable text (``pdf.py``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from wms.errors import InvalidInput
from wms.services.reports.day_report import SECTIONS, DayReport
from wms.services.reports.labels import label, language
from wms.services.spreadsheets import csv_cell, xlsx_append
from wms.services.warehouse_day import warehouse_zone

FORMATS = ("pdf", "xlsx", "csv")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str  # text | int | decimal | date | datetime


@dataclass(frozen=True)
class Table:
    """One section as rows of typed values under titled columns."""

    key: str
    title: str
    columns: list[Column]
    rows: list[list]


def local_time(moment: datetime | None) -> datetime | None:
    """An instant as the warehouse's wall-clock time, without a zone (what a sheet shows)."""
    if moment is None:
        return None
    return moment.astimezone(warehouse_zone()).replace(tzinfo=None, microsecond=0)


def _rate(text: str | None) -> Decimal | None:
    return Decimal(text) if text is not None else None


def report_tables(report: DayReport, lang: str) -> list[Table]:
    """Every section of the report as a table, in the order of ``SECTIONS``."""
    lang = language(lang)

    def cols(*spec: tuple[str, str]) -> list[Column]:
        return [Column(key, label(lang, key), kind) for key, kind in spec]

    def word(prefix: str, code: str) -> str:
        return label(lang, f"{prefix}.{code}")

    tables = {
        "stock": Table("stock", label(lang, "stock"), cols(
            ("item_sku", "text"), ("item_name", "text"), ("owner_code", "text"), ("owner_name", "text"),
            ("opening", "int"), ("in", "int"), ("out", "int"), ("closing", "int")),
            [[s.item_sku, s.item_name, s.owner_code, s.owner_name, s.opening, s.received_in, s.shipped_out,
              s.closing] for s in report.stock]),
        "movements_by_hour": Table("movements_by_hour", label(lang, "movements_by_hour"), cols(
            ("hour", "int"), ("in", "int"), ("out", "int")),
            [[m.hour, m.received_in, m.shipped_out] for m in report.movements_by_hour]),
        "documents": Table("documents", label(lang, "documents"), cols(("type", "text"), ("count", "int")),
                           [[word("doc", d.type), d.count] for d in report.documents]),
        "uncleared": Table("uncleared", label(lang, "uncleared"), cols(
            ("type", "text"), ("number", "text"), ("doc_day", "date"), ("age_days", "int"), ("waiting_for", "text")),
            [[word("doc", u.type), u.number, u.day, u.age_days, word("wait", u.waiting_for_code)]
             for u in report.uncleared]),
        "inspections": Table("inspections", label(lang, "inspections"), cols(
            ("supplier_code", "text"), ("supplier_name", "text"), ("lots", "int"), ("inspected_units", "int"),
            ("defects", "int"), ("defect_rate", "decimal"), ("rejected", "int")),
            [[s.supplier_code, s.supplier_name, s.lots, s.inspected_units, s.defects, _rate(s.defect_rate),
              s.rejected] for s in report.inspections.by_supplier]),
        "switching": Table("switching", label(lang, "switching"), cols(
            ("supplier_code", "text"), ("supplier_name", "text"), ("from_level", "text"), ("to_level", "text"),
            ("at", "datetime")),
            [[s.supplier_code, s.supplier_name, word("level", s.from_level), word("level", s.to_level),
              local_time(s.at)] for s in report.inspections.switching]),
        "holds_issued": Table("holds_issued", label(lang, "holds_issued"), cols(
            ("number", "text"), ("scope", "text"), ("target", "text"), ("reason", "text"), ("issued_at", "datetime"),
            ("issued_by", "text")),
            [[h.number, word("scope", h.scope), h.target, h.reason, local_time(h.issued_at), h.issued_by]
             for h in report.holds.issued]),
        "holds_released": Table("holds_released", label(lang, "holds_released"), cols(
            ("number", "text"), ("release_number", "text"), ("scope", "text"), ("target", "text"),
            ("reason", "text"), ("released_at", "datetime"), ("released_by", "text"), ("confirmed_by", "text")),
            [[h.number, h.release_number, word("scope", h.scope), h.target, h.reason, local_time(h.released_at),
              h.released_by, h.confirmed_by] for h in report.holds.released]),
        "count_differences": Table("count_differences", label(lang, "count_differences"), cols(
            ("task_id", "int"), ("location", "text"), ("item_sku", "text"), ("item_name", "text"), ("book", "int"),
            ("in_totes", "int"), ("bin_card", "int"), ("counted", "int"), ("difference", "int"), ("status", "text"),
            ("counted_at", "datetime")),
            [[c.task_id, c.location, c.item_sku, c.item_name, c.book, c.in_totes, c.bin_card, c.counted,
              c.difference, word("count", c.status), local_time(c.counted_at)] for c in report.count_differences]),
        "reconciliation": Table("reconciliation", label(lang, "reconciliation"), cols(
            ("difference_id", "int"), ("recon_kind", "text"), ("recon_type", "text"), ("courier", "text"),
            ("reference", "text"), ("order_number", "text"), ("amount", "decimal"), ("status", "text"),
            ("age_days", "int")),
            [[r.id, word("recon_kind", r.kind), word("recon_type", r.type), r.courier, r.reference, r.order_number,
              r.amount, word("recon_status", r.status), r.age_days] for r in report.reconciliation]),
    }
    return [tables[key] for key in SECTIONS]


def summary_rows(report: DayReport, lang: str) -> list[tuple[str, object]]:
    """The report's heading as label/value pairs: warehouse, day, closed, generated, stock totals."""
    closed = (label(lang, "closed_at_by", at=f"{local_time(report.closed.at):%Y-%m-%d %H:%M}", by=report.closed.by)
              if report.closed else label(lang, "open_day"))
    return [
        (label(lang, "warehouse"), f"{report.warehouse.code} {report.warehouse.name}"),
        (label(lang, "day"), report.day),
        (label(lang, "time_zone"), report.warehouse.time_zone),
        (label(lang, "closed"), closed),
        (label(lang, "generated_at"), local_time(report.generated_at)),
        (f'{label(lang, "total")} {label(lang, "opening")}', report.totals.opening),
        (f'{label(lang, "total")} {label(lang, "in")}', report.totals.received_in),
        (f'{label(lang, "total")} {label(lang, "out")}', report.totals.shipped_out),
        (f'{label(lang, "total")} {label(lang, "closing")}', report.totals.closing),
    ]


def file_name(report: DayReport, fmt: str, section: str | None = None) -> str:
    """eod-WH1-2026-12-02.pdf, or eod-WH1-2026-12-02-stock.csv for one section."""
    base = f"eod-{report.warehouse.code}-{report.day.isoformat()}"
    return f"{base}-{section}.{fmt}" if section else f"{base}.{fmt}"


def export_report(report: DayReport, fmt: str, lang: str | None = None,
                  section: str | None = None) -> tuple[bytes, str, str]:
    """The report as a file: (bytes, media type, file name). CSV is one section (stock by default)."""
    if fmt not in FORMATS:
        raise InvalidInput("Export as pdf, xlsx or csv.", field="format", value=fmt)
    if section is not None and section not in SECTIONS:
        raise InvalidInput(f"The section is one of {list(SECTIONS)}.", field="section", value=section)
    lang = language(lang)
    if fmt == "csv":
        section = section or "stock"
        return to_csv(report, lang, section), MEDIA_TYPES["csv"], file_name(report, "csv", section)
    if fmt == "xlsx":
        return to_xlsx(report, lang, section), MEDIA_TYPES["xlsx"], file_name(report, "xlsx", section)
    from wms.services.reports.pdf import to_pdf

    return to_pdf(report, lang, section), MEDIA_TYPES["pdf"], file_name(report, "pdf", section)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(report: DayReport, lang: str, section: str = "stock") -> bytes:
    """One section, a header row then its rows; UTF-8 with BOM so Excel reads Chinese."""
    table = next(t for t in report_tables(report, lang) if t.key == section)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.title for c in table.columns])
    writer.writerows([[_text(csv_cell(v)) for v in row] for row in table.rows])
    return out.getvalue().encode("utf-8-sig")


#: Number formats of typed cells.
_NUMBER_FORMATS = {"int": "0", "decimal": "0.00", "date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm:ss"}


def _sheet_title(title: str, taken: set[str]) -> str:
    clean = "".join(" " if ch in '[]:*?/\\' else ch for ch in title)[:31] or "sheet"
    name, n = clean, 2
    while name in taken:
        name = f"{clean[:28]} {n}"
        n += 1
    taken.add(name)
    return name


def to_xlsx(report: DayReport, lang: str, section: str | None = None) -> bytes:
    """A summary sheet, then one sheet per section: a bold frozen header row, typed cells, widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    taken: set[str] = set()
    summary = book.active
    summary.title = _sheet_title(label(lang, "summary"), taken)
    xlsx_append(summary, [label(lang, "title"), ""])
    summary["A1"].font = Font(bold=True)
    for key, value in summary_rows(report, lang):
        xlsx_append(summary, [key, value])
        cell = summary.cell(row=summary.max_row, column=2)
        if isinstance(value, datetime):
            cell.number_format = _NUMBER_FORMATS["datetime"]
        elif isinstance(value, date):
            cell.number_format = _NUMBER_FORMATS["date"]
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 40
    summary.freeze_panes = "A2"
    bold = Font(bold=True)
    for table in report_tables(report, lang):
        if section and table.key != section:
            continue
        sheet = book.create_sheet(_sheet_title(table.title, taken))
        xlsx_append(sheet, [c.title for c in table.columns])
        for cell in sheet[1]:
            cell.font = bold
        for row in table.rows:
            xlsx_append(sheet, row)
        for index, column in enumerate(table.columns, start=1):
            number_format = _NUMBER_FORMATS.get(column.kind)
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                    cell.number_format = number_format
            width = max([_display_width(column.title)] + [_display_width(_text(r[index - 1])) for r in table.rows])
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, width + 2))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _display_width(text: str) -> int:
    """Columns a text takes in a sheet: a CJK character is two."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
