"""The end-of-day report (rule L2): one warehouse's day, section by section, read-only.

Each section comes from its own source, in the warehouse's own day
(``wms.services.warehouse_day``): the stock per item and owner from the ledger
(``wms.services.reports.stock``), the day's documents from their tables, the documents
not cleared the same day from the queries behind ``/receipts/unposted`` (R8) and
``/shipping/open-documents`` (S7), inspections and the suppliers' switching changes (R5),
holds issued and released (S4), count differences (R8), and reconciliation (L3). The
drill-down from a figure to its ledger entries is ``wms.services.reports.entries``.

The report is a plain structure of dataclasses; the API, the exports and the night job's
command all render the same one. Customers' and recipients' names are masked here by the
product's one rule (``wms.domain.masking``), so no rendering can leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa

from wms.domain.masking import mask_name, masked_text
from wms.domain.permissions import Permission, require
from wms.domain.receiving import defect_rate_percent
from wms.domain.reports import age_in_days, shipping_waiting_for
from wms.domain.sampling import Outcome, switching_state
from wms.domain.shipping import HoldScope
from wms.extensions import db
from wms.models import (
    Customer,
    ExchangeNotice,
    HoldNotice,
    InboundDocument,
    Inspection,
    Item,
    LedgerEntry,
    Location,
    MovementKind,
    Receipt,
    ReceiptLine,
    ReleaseNotice,
    SalesOrder,
    ShippingManifest,
    Supplier,
    User,
    Warehouse,
    Wave,
)
from wms.models.types import utcnow
from wms.services.receiving.inspection import sampling_rules, supplier_decisions
from wms.services.receiving.posting import unposted_receipts_of_day
from wms.services.shipping_documents import resolve_warehouse
from wms.services.warehouse_day import day_bounds, warehouse_today, warehouse_zone

# --- the report's structure ------------------------------------------------------------


@dataclass(frozen=True)
class WarehouseInfo:
    id: int
    code: str
    name: str
    time_zone: str


@dataclass(frozen=True)
class ClosedInfo:
    """When and by whom the day was closed (None while it is open)."""

    at: datetime
    by: str


@dataclass(frozen=True)
class StockLine:
    """One item and owner: opening, in, out and closing of the day, from the ledger alone."""

    item_sku: str
    item_name: str
    owner_code: str
    owner_name: str
    opening: int
    received_in: int
    shipped_out: int
    closing: int


@dataclass(frozen=True)
class Totals:
    opening: int = 0
    received_in: int = 0
    shipped_out: int = 0
    closing: int = 0


@dataclass(frozen=True)
class HourMovement:
    """Units in and out during one hour (0-23) of the warehouse's day."""

    hour: int
    received_in: int
    shipped_out: int


@dataclass(frozen=True)
class DocumentCount:
    type: str
    count: int


@dataclass(frozen=True)
class UnclearedDocument:
    """A document not cleared the same day (R8, S7), how old it is and what it waits for."""

    type: str
    number: str
    day: date
    age_days: int
    waiting_for_code: str


@dataclass(frozen=True)
class SupplierInspections:
    supplier_code: str
    supplier_name: str
    lots: int
    inspected_units: int
    defects: int
    defect_rate: str | None
    rejected: int


@dataclass(frozen=True)
class SwitchingChange:
    """A supplier's sampling state changed (R5) with a lot decided that day."""

    supplier_code: str
    supplier_name: str
    from_level: str
    to_level: str
    at: datetime


@dataclass(frozen=True)
class Inspections:
    lots: int = 0
    accepted: int = 0
    rejected: int = 0
    by_supplier: list[SupplierInspections] = field(default_factory=list)
    switching: list[SwitchingChange] = field(default_factory=list)


@dataclass(frozen=True)
class HoldIssued:
    number: str
    scope: str
    target: str
    reason: str
    issued_at: datetime
    issued_by: str


@dataclass(frozen=True)
class HoldReleased:
    number: str
    release_number: str
    scope: str
    target: str
    reason: str
    released_at: datetime
    released_by: str
    confirmed_by: str


@dataclass(frozen=True)
class Holds:
    issued: list[HoldIssued] = field(default_factory=list)
    released: list[HoldReleased] = field(default_factory=list)


@dataclass(frozen=True)
class CountDifference:
    """A bin counted that day (R8), as ``wms.services.counts.count_differences`` reports it:
    the book (on-hand), the units of it in totes, the bin card (the ledger's sum), the
    physical count, the difference and where the count stands."""

    task_id: int
    location: str
    item_sku: str
    item_name: str
    book: int
    in_totes: int
    bin_card: int
    counted: int
    difference: int
    status: str
    counted_at: datetime


@dataclass(frozen=True)
class ReconciliationDifference:
    """A reconciliation difference (L3) not resolved at the day's end, its age in days then."""

    id: int
    kind: str
    type: str
    courier: str
    reference: str  # the tracking number, or the order number the difference is keyed on
    order_number: str
    amount: Decimal | None
    status: str
    age_days: int


@dataclass(frozen=True)
class DayReport:
    warehouse: WarehouseInfo
    day: date
    closed: ClosedInfo | None
    generated_at: datetime
    stock: list[StockLine]
    totals: Totals
    movements_by_hour: list[HourMovement]
    documents: list[DocumentCount]
    uncleared: list[UnclearedDocument]
    inspections: Inspections
    holds: Holds
    count_differences: list[CountDifference]
    reconciliation: list[ReconciliationDifference]


#: The sections a report has, in the order the exports show them.
SECTIONS = ("stock", "movements_by_hour", "documents", "uncleared", "inspections", "switching",
            "holds_issued", "holds_released", "count_differences", "reconciliation")


# --- use cases -------------------------------------------------------------------------


def day_report_for(actor: User, warehouse_code: str | None, day: date | None) -> DayReport:
    """The report of a warehouse's day for a clerk or supervisor (warehouse optional when only
    one, today when no day is named)."""
    require(actor.role, Permission.REPORT_READ)
    return day_report(resolve_warehouse(warehouse_code).id, day or warehouse_today())


def day_report(warehouse_id: int, day: date) -> DayReport:
    """Every section of one warehouse's day (the night job calls this without a user)."""
    warehouse = db.session.get(Warehouse, warehouse_id)
    stock = stock_section(warehouse_id, day)
    return DayReport(
        warehouse=WarehouseInfo(warehouse.id, warehouse.code, warehouse.name, str(warehouse_zone())),
        day=day,
        closed=closed_info(warehouse_id, day),
        generated_at=utcnow(),
        stock=stock,
        totals=totals_of(stock),
        movements_by_hour=movements_by_hour(warehouse_id, day),
        documents=documents_of_day(warehouse_id, day),
        uncleared=uncleared_documents(warehouse_id, day),
        inspections=inspections_of_day(warehouse_id, day),
        holds=holds_of_day(warehouse_id, day),
        count_differences=count_differences(warehouse_id, day),
        reconciliation=reconciliation_differences(warehouse_id, day),
    )


# --- sections --------------------------------------------------------------------------


def closed_info(warehouse_id: int, day: date) -> ClosedInfo | None:
    """When and by whom the day was closed (``wms.services.days``); None while it is open."""
    from wms.services.days import _status

    status = _status(db.session.get(Warehouse, warehouse_id), day)
    if not status.closed or status.closed_at is None:
        return None
    return ClosedInfo(status.closed_at, status.closed_by or "")


def stock_section(warehouse_id: int, day: date) -> list[StockLine]:
    """Per item and owner: opening, in, out, closing (``wms.services.reports.stock``)."""
    from wms.services.reports.stock import stock_rows

    return [StockLine(r.item_sku, r.item_name, r.owner_code, r.owner_name, r.opening, r.received_in,
                      r.shipped_out, r.closing)
            for r in stock_rows(warehouse_id, day)]


def totals_of(stock: list[StockLine]) -> Totals:
    """The stock section's column sums."""
    return Totals(sum(s.opening for s in stock), sum(s.received_in for s in stock),
                  sum(s.shipped_out for s in stock), sum(s.closing for s in stock))


def movements_by_hour(warehouse_id: int, day: date) -> list[HourMovement]:
    """Units in and out per hour of the day, all 24 hours (``wms.services.reports.stock``)."""
    from wms.services.reports.stock import hourly_movements

    found = {}
    for row in hourly_movements(warehouse_id, day):
        hour, received_in, shipped_out = _hour_row(row)
        found[hour] = HourMovement(hour, received_in, shipped_out)
    return [found.get(hour, HourMovement(hour, 0, 0)) for hour in range(24)]


def _hour_row(row) -> tuple[int, int, int]:
    hour, received_in, shipped_out = row
    return int(hour), int(received_in or 0), int(shipped_out or 0)


def _within(column, start: datetime, end: datetime):
    return sa.and_(column >= start, column < end)


def _count(stmt) -> int:
    return int(db.session.execute(stmt).scalar_one() or 0)


def documents_of_day(warehouse_id: int, day: date) -> list[DocumentCount]:
    """How many documents of each type the day saw, each counted in its own table.

    Receipts and shipping documents are counted as created and again as posted or closed;
    stock adjustments, count differences and reversals are the ledger's movements of that
    kind touching the warehouse's locations, dated into the day (``business_day``, as the
    stock section counts them). Manifests and hold notices name no warehouse: every
    warehouse's report counts them.
    """
    start, end = day_bounds(day)
    count = sa.func.count
    inbound = sa.select(InboundDocument.id).where(InboundDocument.warehouse_id == warehouse_id)
    orders = sa.select(SalesOrder.id).where(SalesOrder.warehouse_id == warehouse_id)
    figures = [
        ("inbound_document", sa.select(count()).where(InboundDocument.warehouse_id == warehouse_id,
                                                      _within(InboundDocument.created_at, start, end))),
        ("receipt", sa.select(count()).where(Receipt.document_id.in_(inbound),
                                             _within(Receipt.created_at, start, end))),
        ("receipt_posted", sa.select(count()).where(Receipt.document_id.in_(inbound),
                                                    _within(Receipt.posted_at, start, end))),
        ("sales_order", sa.select(count()).where(SalesOrder.warehouse_id == warehouse_id,
                                                 _within(SalesOrder.created_at, start, end))),
        ("sales_order_closed", sa.select(count()).where(SalesOrder.warehouse_id == warehouse_id,
                                                        _within(SalesOrder.closed_at, start, end))),
        ("wave", sa.select(count()).where(Wave.warehouse_id == warehouse_id, _within(Wave.created_at, start, end))),
        ("manifest", sa.select(count()).where(_within(ShippingManifest.created_at, start, end))),
        ("hold_notice", sa.select(count()).where(_within(HoldNotice.issued_at, start, end))),
        ("release_notice", sa.select(count()).where(_within(ReleaseNotice.confirmed_at, start, end))),
        ("exchange_notice", sa.select(count()).where(ExchangeNotice.original_order_id.in_(orders),
                                                     _within(ExchangeNotice.issued_at, start, end))),
    ]
    result = [DocumentCount(kind, _count(stmt)) for kind, stmt in figures]
    here = sa.select(Location.id).where(Location.warehouse_id == warehouse_id)
    kinds = (MovementKind.ADJUSTMENT, MovementKind.COUNT_DIFFERENCE, MovementKind.REVERSAL)
    movements = dict(db.session.execute(
        sa.select(LedgerEntry.kind, sa.func.count(sa.distinct(LedgerEntry.movement_id)))
        .where(LedgerEntry.business_day == day, LedgerEntry.location_id.in_(here), LedgerEntry.kind.in_(kinds))
        .group_by(LedgerEntry.kind)
    ).all())
    result += [DocumentCount(kind, int(movements.get(kind, 0))) for kind in kinds]
    return result


def _local_day(moment: datetime) -> date:
    return moment.astimezone(warehouse_zone()).date()


def uncleared_documents(warehouse_id: int, day: date) -> list[UnclearedDocument]:
    """R8 receipts of the day not posted and S7 shipping documents open at the day's end.

    The lists are the ones the clerk's screens show (the same queries); here each carries
    its own day, its age in days and what it waits for.
    """
    result = [
        UnclearedDocument("receipt", r.number or f"#{r.id}", _local_day(r.created_at),
                          age_in_days(day, _local_day(r.created_at)), r.waiting_for_code)
        for r in unposted_receipts_of_day(day, warehouse_id=warehouse_id)
    ]
    from wms.services.shipping_documents import open_documents_of_day

    result += [
        UnclearedDocument("sales_order", o.number, _local_day(o.created_at),
                          age_in_days(day, _local_day(o.created_at)),
                          shipping_waiting_for(o.status, o.stage, o.holds).value)
        for o in open_documents_of_day(day, warehouse_id=warehouse_id)
    ]
    return sorted(result, key=lambda u: (-u.age_days, u.type, u.number))


def inspections_of_day(warehouse_id: int, day: date) -> Inspections:
    """Lots decided that day (accepted or rejected), per supplier, and switching changes (R5)."""
    start, end = day_bounds(day)
    decided = (
        sa.select(Inspection.supplier_id, Inspection.outcome, Inspection.units_inspected, Inspection.defects)
        .join(ReceiptLine, ReceiptLine.id == Inspection.receipt_line_id)
        .join(Receipt, Receipt.id == ReceiptLine.receipt_id)
        .join(InboundDocument, InboundDocument.id == Receipt.document_id)
        .where(InboundDocument.warehouse_id == warehouse_id, Inspection.outcome != Outcome.PENDING.value,
               _within(Inspection.decided_at, start, end))
    ).subquery()
    rows = db.session.execute(
        sa.select(decided.c.supplier_id, Supplier.code, Supplier.name,
                  sa.func.count().label("lots"),
                  sa.func.sum(sa.case((decided.c.outcome == Outcome.ACCEPTED.value, 1), else_=0)).label("accepted"),
                  sa.func.sum(sa.case((decided.c.outcome == Outcome.REJECTED.value, 1), else_=0)).label("rejected"),
                  sa.func.sum(decided.c.units_inspected).label("units"),
                  sa.func.sum(decided.c.defects).label("defects"))
        .select_from(decided)
        .outerjoin(Supplier, Supplier.id == decided.c.supplier_id)
        .group_by(decided.c.supplier_id, Supplier.code, Supplier.name)
        .order_by(Supplier.code)
    ).all()
    by_supplier = [
        SupplierInspections(r.code or "", r.name or "", int(r.lots), int(r.units or 0), int(r.defects or 0),
                            defect_rate_percent(int(r.defects or 0), int(r.units or 0)), int(r.rejected or 0))
        for r in rows
    ]
    switching: list[SwitchingChange] = []
    for r in rows:
        if r.supplier_id is not None:
            switching += _switching_changes(r.supplier_id, r.code, r.name, start, end)
    return Inspections(
        lots=sum(int(r.lots) for r in rows), accepted=sum(int(r.accepted or 0) for r in rows),
        rejected=sum(int(r.rejected or 0) for r in rows), by_supplier=by_supplier,
        switching=sorted(switching, key=lambda s: (s.at, s.supplier_code)),
    )


def _switching_changes(supplier_id: int, code: str, name: str, start: datetime, end: datetime) -> list[SwitchingChange]:
    """Replay the supplier's history through the switching rules and keep the day's changes."""
    rules = sampling_rules()
    decisions = supplier_decisions(supplier_id)
    history = [result for result, _ in decisions]
    changes = []
    before = None
    for index, (_, decided_at) in enumerate(decisions):
        if decided_at is None or decided_at >= end:
            break
        if decided_at < start:
            continue
        if before is None:
            before = switching_state(history[:index], rules).state
        after = switching_state(history[:index + 1], rules).state
        if after != before:
            changes.append(SwitchingChange(code, name, before.value, after.value, decided_at))
        before = after
    return changes


def _user_names(ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(
        sa.select(User.id, sa.func.coalesce(User.display_name, User.username)).where(User.id.in_(ids))
    ).all())


def _hold_targets(holds: list[HoldNotice]) -> dict[int, tuple[str, list[str]]]:
    """What each hold stops, in words a report prints (the order, the customer masked, the item),
    and the personal names its free-text reason may quote (the customer's, the recipient's)."""
    orders = {row.id: row for row in db.session.execute(
        sa.select(SalesOrder.id, SalesOrder.number, SalesOrder.recipient_name, Customer.name.label("customer"))
        .outerjoin(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.id.in_({h.order_id for h in holds if h.order_id})))}
    customers = dict(db.session.execute(sa.select(Customer.id, Customer.name).where(
        Customer.id.in_({h.customer_id for h in holds if h.customer_id}))).all())
    items = dict(db.session.execute(sa.select(Item.id, Item.sku).where(
        Item.id.in_({h.item_id for h in holds if h.item_id}))).all())
    targets = {}
    for hold in holds:
        if hold.scope == HoldScope.ORDER and hold.order_id in orders:
            order = orders[hold.order_id]
            targets[hold.id] = (order.number, [n for n in (order.recipient_name, order.customer) if n])
        elif hold.scope == HoldScope.CUSTOMER:
            name = customers.get(hold.customer_id) or ""
            targets[hold.id] = (mask_name(name), [name] if name else [])
        elif hold.scope == HoldScope.ITEM:
            targets[hold.id] = (items.get(hold.item_id, ""), [])
        else:
            targets[hold.id] = ("", [])
    return targets


def holds_of_day(warehouse_id: int, day: date) -> Holds:
    """Hold notices issued that day, and holds released that day (their release confirmed, S4).

    Hold notices belong to no one warehouse (a customer or item hold stops every
    warehouse), so every warehouse's report lists them.
    """
    start, end = day_bounds(day)
    issued = db.session.execute(
        sa.select(HoldNotice).where(_within(HoldNotice.issued_at, start, end))
        .order_by(HoldNotice.issued_at, HoldNotice.id)
    ).scalars().all()
    releases = db.session.execute(
        sa.select(ReleaseNotice, HoldNotice).join(HoldNotice, HoldNotice.id == ReleaseNotice.hold_id)
        .where(_within(ReleaseNotice.confirmed_at, start, end))
        .order_by(ReleaseNotice.confirmed_at, ReleaseNotice.id)
    ).all()
    names = _user_names([h.issued_by for h in issued] + [r.issued_by for r, _ in releases]
                        + [r.confirmed_by for r, _ in releases])
    targets = _hold_targets(list(issued) + [h for _, h in releases])
    return Holds(
        issued=[HoldIssued(h.number, h.scope, targets[h.id][0], masked_text(h.reason, targets[h.id][1]),
                           h.issued_at, names.get(h.issued_by, ""))
                for h in issued],
        released=[HoldReleased(h.number, r.number, h.scope, targets[h.id][0], masked_text(r.reason, targets[h.id][1]),
                               r.confirmed_at, names.get(r.issued_by, ""), names.get(r.confirmed_by, ""))
                  for r, h in releases],
    )


def count_differences(warehouse_id: int, day: date) -> list[CountDifference]:
    """Cycle counts (R8) counted that day in the warehouse's bins, from the difference report
    (``wms.services.counts.count_differences``, the one place that says what a count's
    difference is): book, bin card, physical, difference and status."""
    from wms.services import counts

    return [CountDifference(r.task_id, r.location, r.item_sku or "", r.item_name or "", r.book, r.in_totes,
                            r.bin_card, r.counted, r.difference, r.status, r.counted_at)
            for r in counts.count_differences(warehouse_id, day)]


def reconciliation_differences(warehouse_id: int, day: date) -> list[ReconciliationDifference]:
    """Reconciliation differences (对账差异, L3) found by the day's end and not resolved (open,
    explained or claimed), oldest first (``wms.services.reconciliation.open_differences``).

    A difference belongs to a courier's or a platform's account, not to a warehouse, so
    every warehouse's report lists them. The rows carry no personal data: the evidence
    (where masked names may be) is left on the reconciliation screen.
    """
    from wms.services.reconciliation import open_differences

    return [ReconciliationDifference(d["id"], d["kind"], d["type"], d["courier"] or d["party"] or "", d["key"],
                                     d["order_number"] or "", d["amount"], d["status"], d["age_days"])
            for d in open_differences(day)]
