"""A claim list (索赔清单) per courier: what we ask the courier to credit, with the
evidence, as XLSX or PDF.

A claim holds the courier's differences in status ``claimed``, and those of the
claimable types (``CLAIMABLE_TYPES``: billed but not shipped, billed twice, weight over,
fee mismatch) still open or explained. The recipient of each parcel is shown masked by
the one rule (``wms.domain.masking``): the courier needs to find the parcel, not
to read who it went to. The PDF is laid out on the end-of-day report's page
(``wms.services.reports.pdf``: its CJK font embedded, so the Chinese is text a reader can
search), in both languages as the sheet is.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from wms.domain.masking import mask_address, mask_name, mask_phone, masked_text
from wms.domain.permissions import Permission, require
from wms.domain.reconciliation import CLAIMABLE_TYPES, DifferenceStatus, ReconcileKind, cycle_days
from wms.errors import InvalidInput
from wms.extensions import db
from wms.models import SalesOrder, User
from wms.models.reconciliation import ReconciliationDifference
from wms.services.reconciliation.courier_bills import _courier
from wms.services.reports.labels import label
from wms.services.spreadsheets import xlsx_append

FORMATS = ("xlsx", "pdf")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
#: The columns a PDF right-aligns.
NUMBERS = ("id", "our_weight_kg", "their_weight_kg", "our_fee", "their_fee", "amount")
COLUMNS = (
    ("id", "编号 No."), ("type", "差异类型 Type"), ("key", "运单号 Tracking number"), ("order_number", "订单号 Order"),
    ("recipient", "收件人 Recipient"), ("phone", "电话 Phone"), ("address", "地址 Address"),
    ("our_weight_kg", "我方重量 Our kg"), ("their_weight_kg", "计费重量 Billed kg"),
    ("our_fee", "应收运费 Our fee"), ("their_fee", "账单运费 Billed fee"), ("amount", "索赔金额 Claim"),
    ("rows", "账单行 Bill rows"), ("status", "状态 Status"), ("note", "备注 Note"),
)


def type_name(kind: str) -> str:
    """A difference type in both languages, in the words the day's report uses for it."""
    return f"{label('zh-CN', 'recon_type.' + kind)} {label('en', 'recon_type.' + kind)}"


def claim_rows(actor: User, courier: str, cycle: str | None = None) -> list[dict[str, Any]]:
    """The claim's lines, recipients masked."""
    require(actor.role, Permission.RECONCILE)
    code = _courier(courier).code
    D = ReconciliationDifference
    stmt = sa.select(D).where(
        D.kind == ReconcileKind.COURIER.value, D.courier_code == code,
        sa.or_(D.status == DifferenceStatus.CLAIMED.value,
               sa.and_(D.type.in_([t.value for t in CLAIMABLE_TYPES]),
                       D.status.in_([DifferenceStatus.OPEN.value, DifferenceStatus.EXPLAINED.value]))))
    if cycle:
        cycle_days(cycle)  # a cycle the upload would refuse (2026-13) is refused here too
        stmt = stmt.where(D.cycle == cycle)
    rows = db.session.execute(stmt.order_by(D.type, D.match_key)).scalars().all()
    numbers = sorted({r.order_number for r in rows if r.order_number})
    recipients = {}
    for start in range(0, len(numbers), 1000):
        chunk = numbers[start:start + 1000]
        for o in db.session.execute(sa.select(SalesOrder.number, SalesOrder.recipient_name, SalesOrder.recipient_phone,
                                              SalesOrder.recipient_address).where(SalesOrder.number.in_(chunk))):
            recipients[o.number] = (o.recipient_name, mask_name(o.recipient_name), mask_phone(o.recipient_phone),
                                    mask_address(o.recipient_address))
    out = []
    for r in rows:
        evidence = r.evidence or {}
        full_name, name, phone, address = recipients.get(r.order_number or "", ("", "", "", ""))
        out.append({
            "id": r.id, "type": type_name(r.type), "key": r.match_key,
            "order_number": r.order_number or "", "recipient": name, "phone": phone, "address": address,
            **{k: evidence.get(k) or "" for k in ("our_weight_kg", "their_weight_kg", "our_fee", "their_fee")},
            "amount": None if r.amount is None else Decimal(r.amount),
            "rows": ", ".join(str(n) for n in evidence.get("rows") or []), "status": r.status,
            "note": masked_text(r.note, [full_name]),  # a clerk's note may quote the recipient
        })
    return out


def export_claims(actor: User, courier: str, cycle: str | None, fmt: str = "xlsx") -> tuple[bytes, str, str]:
    """The claim list as a file: (bytes, media type, file name)."""
    if fmt not in FORMATS:
        raise InvalidInput("Export as xlsx or pdf.", field="format", value=fmt, allowed=list(FORMATS))
    rows = claim_rows(actor, courier, cycle)
    code = _courier(courier).code
    name = f"claims-{code}-{cycle or 'all'}"
    total = sum((r["amount"] for r in rows if r["amount"] is not None and r["amount"] > 0), Decimal(0))
    if fmt == "pdf":
        return _pdf(rows, code, cycle, total), PDF, f"{name}.pdf"
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = code
    xlsx_append(sheet, [f"索赔清单 Claim list {code}", cycle or "", len(rows), "", "", "", "", "", "", "",
                  "合计 Total", float(total)])
    xlsx_append(sheet, [title for _, title in COLUMNS])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for r in rows:
        xlsx_append(sheet, [float(r[k]) if k == "amount" and r[k] is not None else r[k] for k, _ in COLUMNS])
    sheet.freeze_panes = "A3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), XLSX, f"{name}.xlsx"


_PDF_TEMPLATE = """
table.claims { font-size: 7.5pt; }
</style></head><body>
<h1>{{ title }}</h1>
<table class="summary">{% for key, value in summary %}
<tr><th>{{ key }}</th><td>{{ value }}</td></tr>{% endfor %}</table>
{% if rows %}
<table class="claims">
<thead><tr>{% for c in columns %}<th class="{{ c.cls }}">{{ c.title }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in rows %}<tr>{% for cell in row %}<td class="{{ cell.cls }}">{{ cell.text }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>
{% else %}<p class="empty">无 None</p>{% endif %}
</body></html>"""


def _pdf(rows: list[dict[str, Any]], code: str, cycle: str | None, total: Decimal) -> bytes:
    from jinja2 import Environment
    from markupsafe import Markup

    from wms.services.reports.pdf import FONT_FAMILIES, PAGE_TEMPLATE, cell_text, page_counter, write_pdf

    columns = [{"title": title, "cls": "num" if key in NUMBERS else ""} for key, title in COLUMNS]
    cells = [[{"text": cell_text(r[key]), "cls": "num" if key in NUMBERS else ""} for key, _ in COLUMNS]
             for r in rows]
    summary = [("快递公司 Courier", code), ("周期 Cycle", cycle or "全部 all"), ("条数 Lines", str(len(rows))),
               ("合计 Total", cell_text(total))]
    html = Environment(autoescape=True).from_string(PAGE_TEMPLATE + _PDF_TEMPLATE).render(
        lang="zh-CN", title=f"索赔清单 Claim list {code}", fonts=Markup(FONT_FAMILIES),
        page_label=Markup(f"{page_counter('zh-CN')} · {page_counter('en')}"),
        footer=f"{code} {cycle or ''}".strip(), summary=summary, columns=columns, rows=cells)
    return write_pdf(html)
