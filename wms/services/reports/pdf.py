"""The end-of-day report as a PDF: an HTML page laid out by WeasyPrint, charts as inline SVG.

The text is set in a CJK font installed from Debian (``make system-deps``: WenQuanYi Micro
Hei, or Noto Sans CJK where present); WeasyPrint embeds the subset used, so Chinese is
real text a reader can search and copy. Pages are A4 landscape, numbered in the footer.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from html import escape

from jinja2 import Environment
from markupsafe import Markup

from wms.services.reports.day_report import DayReport
from wms.services.reports.exports import Table, report_tables, summary_rows
from wms.services.reports.labels import label

#: The CJK fonts tried in order (fontconfig names); the first installed one is used.
FONT_FAMILIES = ('"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", '
                 '"Droid Sans Fallback", sans-serif')
IN_COLOUR, OUT_COLOUR = "#2f6fb0", "#d9822b"

#: The page every PDF of the product is laid out on (the end-of-day report, a courier's claim
#: list): A4 landscape, the CJK font, the footer's page counter (``page_counter``) and
#: ``footer`` text, and the tables' look. A template starts with it and closes ``<style>``.
PAGE_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
@page { size: A4 landscape; margin: 14mm 12mm 16mm 12mm;
  @bottom-center { content: "{{ page_label }}"; font-family: {{ fonts }}; font-size: 8pt; color: #555; }
  @bottom-right { content: "{{ footer }}"; font-family: {{ fonts }}; font-size: 8pt; color: #555; } }
body { font-family: {{ fonts }}; font-size: 9pt; color: #222; }
h1 { font-size: 16pt; margin: 0 0 4pt 0; }
table { border-collapse: collapse; width: 100%; margin-bottom: 4pt; }
th, td { border: 0.5pt solid #bbb; padding: 2pt 4pt; text-align: left; vertical-align: top; }
th { background: #e8eef6; font-weight: bold; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.total td { font-weight: bold; background: #f4f4f4; }
table.summary { width: auto; }
table.summary th { background: none; border: none; padding-right: 10pt; }
table.summary td { border: none; }
p.empty { color: #777; margin: 2pt 0 6pt 0; }
"""

_TEMPLATE = PAGE_TEMPLATE + """
h2 { font-size: 11.5pt; margin: 12pt 0 4pt 0; border-bottom: 1.5pt solid #2f6fb0; padding-bottom: 2pt;
     break-after: avoid; }
table.narrow { width: auto; min-width: 45%; }
table.grid { width: 72%; break-inside: avoid; }
table.grid td { border: none; border-bottom: 0.5pt solid #ddd; }
table.grid td.num { padding-right: 16pt; font-weight: bold; }
td.zero { color: #999; font-weight: normal !important; }
p.figures { margin: 2pt 0 4pt 0; }
.charts { display: flex; gap: 10pt; align-items: flex-start; }
.chart { break-inside: avoid; margin: 4pt 0; }
.chart .caption { font-weight: bold; margin-bottom: 2pt; }
.legend span { display: inline-block; width: 8pt; height: 8pt; margin: 0 3pt 0 8pt; }
.legend .in { background: """ + IN_COLOUR + """; } .legend .out { background: """ + OUT_COLOUR + """; }
</style></head><body>
<h1>{{ title }}</h1>
<table class="summary">{% for key, value in summary %}
<tr><th>{{ key }}</th><td>{{ value }}</td></tr>{% endfor %}</table>
{% for table in tables %}
<h2>{{ table.title }}</h2>
{% if table.key == "inspections" %}<p class="figures">{{ words.inspection_figures }}</p>{% endif %}
{% if table.key == "movements_by_hour" %}
  <div class="chart">
  <div class="legend"><span class="in"></span>{{ words.in }}<span class="out"></span>{{ words.out }}</div>
  {{ charts.hours }}</div>
{% endif %}
{% if table.key == "stock" and charts.top_items %}
  <div class="chart"><div class="caption">{{ words.top_items }}</div>
  <div class="legend"><span class="in"></span>{{ words.in }}<span class="out"></span>{{ words.out }}</div>
  {{ charts.top_items }}</div>
{% endif %}
{% if table.key == "inspections" and charts.defects %}
  <div class="chart"><div class="caption">{{ words.defect_rate_chart }}</div>{{ charts.defects }}</div>
{% endif %}
{% if table.key == "documents" %}
  <table class="grid"><tbody>{% for row in table.grid %}<tr>{% for cell in row %}
  <td class="{{ cell.cls }}">{{ cell.text }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% elif not table.rows %}
  <p class="empty">{{ words.none }}</p>
{% elif table.key != "movements_by_hour" %}
  <table class="{{ 'narrow' if table.columns|length < 4 else '' }}">
  <thead><tr>{% for c in table.columns %}<th class="{{ c.cls }}">{{ c.title }}</th>{% endfor %}</tr></thead>
  <tbody>{% for row in table.rows %}<tr>{% for cell in row %}
  <td class="{{ cell.cls }}">{{ cell.text }}</td>{% endfor %}</tr>{% endfor %}
  {% if table.total %}<tr class="total">{% for cell in table.total %}
  <td class="{{ cell.cls }}">{{ cell.text }}</td>{% endfor %}</tr>{% endif %}
  </tbody></table>
{% endif %}
{% endfor %}
</body></html>"""

_environment = Environment(autoescape=True)


def cell_text(value) -> str:
    """A cell as a PDF shows it: dates ISO, instants to the minute, amounts with two decimals."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _numeric(kind: str) -> bool:
    return kind in ("int", "decimal")


def _view(table: Table, lang: str) -> dict:
    columns = [{"title": c.title, "cls": "num" if _numeric(c.kind) else ""} for c in table.columns]
    rows = [[{"text": cell_text(v), "cls": columns[i]["cls"]} for i, v in enumerate(row)] for row in table.rows]
    total = None
    if table.key == "stock" and table.rows:
        total = [{"text": label(lang, "total"), "cls": ""}] + [{"text": "", "cls": ""}] * 3 + [
            {"text": str(sum(r[i] for r in table.rows)), "cls": "num"} for i in range(4, 8)]
    grid = []
    if table.key == "documents":
        cells = [[{"text": str(kind), "cls": ""}, {"text": str(count), "cls": "num" + (" zero" if not count else "")}]
                 for kind, count in table.rows]
        per_row = 3
        grid = [sum(cells[i:i + per_row], []) for i in range(0, len(cells), per_row)]
    return {"key": table.key, "title": table.title, "columns": columns, "rows": rows, "total": total, "grid": grid}


def _bar_chart_hours(report: DayReport) -> Markup:
    """Units in and out per hour: 24 pairs of bars with the hours below."""
    width, height, left, bottom, top = 1000, 150, 34, 18, 8
    peak = max([max(m.received_in, m.shipped_out) for m in report.movements_by_hour] + [1])
    slot = (width - left) / 24
    bar = slot * 0.36
    plot = height - bottom - top
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="9">']
    for fraction in (0, 0.5, 1):
        y = top + plot * (1 - fraction)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#ddd" stroke-width="0.6"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 3:.1f}" text-anchor="end" fill="#555">'
                     f'{round(peak * fraction)}</text>')
    for m in report.movements_by_hour:
        x = left + m.hour * slot + slot * 0.12
        for offset, value, colour in ((0, m.received_in, IN_COLOUR), (bar, m.shipped_out, OUT_COLOUR)):
            h = plot * value / peak
            if value:
                parts.append(f'<rect x="{x + offset:.1f}" y="{top + plot - h:.1f}" width="{bar:.1f}" '
                             f'height="{max(h, 0.8):.1f}" fill="{colour}"/>')
        parts.append(f'<text x="{left + m.hour * slot + slot / 2:.1f}" y="{height - 5}" text-anchor="middle" '
                     f'fill="#555">{m.hour}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _horizontal_bars(rows: list[tuple[str, list[tuple[float, str, str]]]]) -> Markup:
    """One row per label, one bar per (value, colour, value as shown), the value after its bar."""
    if not rows:
        return Markup("")
    label_width, width, row_height = 240, 1000, 12
    bars_per_row = max(len(values) for _, values in rows)
    peak = max([v for _, values in rows for v, _, _ in values] + [1])
    span = width - label_width - 60
    height = len(rows) * row_height * bars_per_row + 6
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="9">']
    y = 3
    for text, values in rows:
        block = row_height * bars_per_row + 3
        parts.append(f'<text x="{label_width - 6}" y="{y + block / 2 + 3:.1f}" text-anchor="end">'
                     f'{escape(text[:34])}</text>')
        for index, (value, colour, shown) in enumerate(values):
            by = y + index * row_height + 2
            w = span * value / peak
            parts.append(f'<rect x="{label_width}" y="{by:.1f}" width="{max(w, 0.8):.1f}" '
                         f'height="{row_height - 3}" fill="{colour}"/>')
            parts.append(f'<text x="{label_width + w + 4:.1f}" y="{by + row_height - 4:.1f}" fill="#333">'
                         f'{escape(shown)}</text>')
        y += block
    parts.append("</svg>")
    return Markup("".join(parts))


def _top_items(report: DayReport, limit: int = 10) -> Markup:
    moving = [s for s in report.stock if s.received_in or s.shipped_out]
    moving.sort(key=lambda s: (-(s.received_in + s.shipped_out), s.item_sku))
    return _horizontal_bars([(f"{s.item_sku} {s.item_name} ({s.owner_code})",
                              [(s.received_in, IN_COLOUR, str(s.received_in)),
                               (s.shipped_out, OUT_COLOUR, str(s.shipped_out))]) for s in moving[:limit]])


def _defect_rates(report: DayReport) -> Markup:
    rows = [(f"{s.supplier_code} {s.supplier_name}", [(float(s.defect_rate), "#b03a2e", f"{s.defect_rate}%")])
            for s in report.inspections.by_supplier if s.defect_rate is not None]
    return _horizontal_bars(rows)


def to_html(report: DayReport, lang: str, section: str | None = None) -> str:
    """The report's page as HTML (what the PDF is laid out from)."""
    tables = [_view(t, lang) for t in report_tables(report, lang) if not section or t.key == section]
    words = {key: label(lang, key) for key in ("in", "out", "top_items", "defect_rate_chart", "none")}
    words["inspection_figures"] = label(lang, "inspection_figures", lots=report.inspections.lots,
                                        accepted=report.inspections.accepted,
                                        rejected=report.inspections.rejected)
    page_label = page_counter(lang)
    summary = [(key, cell_text(value)) for key, value in summary_rows(report, lang)]
    return _environment.from_string(_TEMPLATE).render(
        lang=lang, title=label(lang, "title"), fonts=Markup(FONT_FAMILIES), page_label=page_label,
        footer=f"{report.warehouse.code} {report.day.isoformat()}", summary=summary, tables=tables, words=words,
        charts={"hours": _bar_chart_hours(report), "top_items": _top_items(report),
                "defects": _defect_rates(report)},
    )


def page_counter(lang: str) -> Markup:
    """The footer's "page n of m" in ``lang``, as CSS content (counters between quoted text)."""
    return Markup(label(lang, "page", page='" counter(page) "', pages='" counter(pages) "'))


def write_pdf(html: str) -> bytes:
    """A page laid out from ``PAGE_TEMPLATE`` as a PDF, the subset of its fonts embedded."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def to_pdf(report: DayReport, lang: str, section: str | None = None) -> bytes:
    """The report as a PDF with its fonts embedded."""
    return write_pdf(to_html(report, lang, section))
