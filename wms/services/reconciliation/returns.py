"""Returns with couriers (退货与快递对账, rule L3): a courier's return records for a cycle
against the customer returns we received (R6).

The file (CSV or XLSX) names each return parcel by its tracking number and/or the
original order's number, with the quantity and the condition the courier recorded; the
columns are found by ``RETURNS_COLUMNS`` (a mapping may name other headers). Our side is
every signed customer-return receipt: its delivery note is the return parcel's tracking
number, its document's external reference the original order, its lines' R6
classification the condition we found. ``wms.domain.reconciliation_matching.match_returns``
decides; the findings are stored as a ``returns`` run of the courier and cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.domain.receiving import ReceiptStatus
from wms.domain.reconciliation import ReconcileKind, cycle_bounds
from wms.domain.reconciliation_files import RETURNS_COLUMNS, RETURNS_KEYS, RowProblem, condition_of, text_of
from wms.domain.reconciliation_matching import CourierReturn, ReceivedReturn, match_returns
from wms.domain.sampling import DocumentKind
from wms.extensions import db
from wms.models import InboundDocument, Receipt, ReceiptLine, User
from wms.services.import_files import whole_number
from wms.services.reconciliation.courier_bills import _courier
from wms.services.reconciliation.kinds import Table, read_table, store_run
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import warehouse_zone

_CHUNK = 500


def read_courier_returns(filename: str, content: bytes, mapping: Mapping[str, str] | None = None) -> Table:
    """The courier's return records as ``CourierReturn`` rows; a bad file raises ReconciliationFileRejected."""

    def record(row: int, cell) -> CourierReturn:
        tracking, order = text_of(cell("tracking_number"))[:64], text_of(cell("order_number"))[:64]
        if not tracking and not order:
            raise RowProblem("tracking_number", "neither a tracking number nor an order number")
        quantity = None
        if text_of(cell("quantity")):
            quantity = whole_number(cell("quantity"))
            if quantity is None or quantity <= 0:
                raise RowProblem("quantity", "not a positive whole number")
        return CourierReturn(tracking or None, order or None, quantity, condition_of(cell("condition")), row,
                             text_of(cell("sender_name")) or None, text_of(cell("sender_phone")) or None)

    return read_table(filename, content, RETURNS_COLUMNS, override=mapping, needs=[RETURNS_KEYS],
                      record_of=record, what="return record file")


def reconcile_returns(actor: User, filename: str, content: bytes, *, courier: str, cycle: str,
                      mapping: Mapping[str, str] | None = None) -> dict:
    """Match the courier's return records of ``cycle`` with the returns we received; store the run.

    A rerun of the same courier and cycle keeps the differences still found as they are
    (status, note, history) and resolves those gone (``store_findings``).
    """
    require(actor.role, Permission.RECONCILE)
    code = _courier(courier).code
    cycle = (cycle or "").strip()
    start, end = cycle_bounds(cycle, warehouse_zone())
    table = read_courier_returns(filename, content, mapping)

    def use_case() -> dict:
        ours = received_returns(start, end, table.records)
        findings = match_returns(table.records, ours, courier=code)
        return store_run(actor, ReconcileKind.RETURNS, cycle, code, findings, table=table, courier_code=code,
                         summary={"records": len(table.records), "received": sum(r.in_cycle for r in ours)})

    return run_in_transaction(use_case)


def received_returns(start, end, theirs: Iterable[CourierReturn]) -> list[ReceivedReturn]:
    """Our signed customer returns: those of the cycle, and those outside it the courier's records name."""
    theirs = list(theirs)
    signed = Receipt.status.in_([ReceiptStatus.SUBMITTED.value, ReceiptStatus.POSTED.value])
    base = (sa.select(Receipt.id).join(InboundDocument, InboundDocument.id == Receipt.document_id)
            .where(InboundDocument.kind == DocumentKind.CUSTOMER_RETURN.value, signed))
    ids = set(db.session.execute(base.where(Receipt.submitted_at >= start, Receipt.submitted_at < end)).scalars())
    trackings = sorted({r.tracking_number for r in theirs if r.tracking_number})
    orders = sorted({r.order_number for r in theirs if r.order_number})
    for column, values in ((Receipt.delivery_note, trackings), (InboundDocument.external_ref, orders)):
        for i in range(0, len(values), _CHUNK):
            ids.update(db.session.execute(base.where(column.in_(values[i:i + _CHUNK]))).scalars())
    if not ids:
        return []
    in_cycle = set()
    receipts: dict[int, dict] = {}
    id_list = sorted(ids)
    for i in range(0, len(id_list), _CHUNK):
        chunk = id_list[i:i + _CHUNK]
        rows = db.session.execute(
            sa.select(Receipt.id, Receipt.number, Receipt.delivery_note, Receipt.submitted_at,
                      InboundDocument.number.label("document"), InboundDocument.external_ref,
                      ReceiptLine.quantity, ReceiptLine.resellable, ReceiptLine.damaged, ReceiptLine.missing_parts)
            .join(InboundDocument, InboundDocument.id == Receipt.document_id)
            .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
            .where(Receipt.id.in_(chunk)).order_by(Receipt.id, ReceiptLine.line_no)
        ).all()
        for row in rows:
            seen = receipts.setdefault(row.id, {
                "number": row.number or f"#{row.id}", "document": row.document, "tracking": row.delivery_note,
                "order": row.external_ref, "quantity": 0, "resellable": 0, "damaged": 0, "missing": 0,
                "classified": True})
            if row.submitted_at is not None and start <= row.submitted_at < end:
                in_cycle.add(row.id)
            seen["quantity"] += row.quantity
            if row.resellable is None:
                seen["classified"] = False
            else:
                seen["resellable"] += row.resellable
                seen["damaged"] += row.damaged or 0
                seen["missing"] += row.missing_parts or 0
    return [ReceivedReturn(r["number"], r["document"], r["tracking"] or None, r["order"] or None, r["quantity"],
                           r["resellable"], r["damaged"], r["missing"], r["classified"], rid in in_cycle)
            for rid, r in receipts.items()]
