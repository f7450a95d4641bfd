"""Outbound reconciliation (出库/发货对账, rule L3): shipments against the ledger's deductions,
and against the shop's orders.

From the database alone, for a cycle: every parcel handed over in it (S2 step 3) has
exactly one ship movement in the ledger (step 4) taking out the units its lines ship,
and no ship movement of the cycle belongs to a document never handed over. A reversed
ship movement no longer counts. These are the run of party ``ledger``.

With the shop's order export of the cycle (the order import's format, ``shipping_import``,
with an optional amount column), each shop order is shipped once: ordered but not
shipped, shipped twice, shipped but not ordered. These are the run of party ``shop``, so
a ledger-only rerun never closes them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.domain.reconciliation import ReconcileKind, cycle_bounds
from wms.domain.reconciliation_files import SHOP_ORDER_AMOUNT_HEADERS, RowProblem, money, text_of
from wms.domain.reconciliation_matching import (
    Deduction,
    OutboundShipment,
    ShopOrder,
    match_deductions,
    match_shop_orders,
)
from wms.domain.shipping import DocumentType
from wms.extensions import db
from wms.models import Handover, Item, LedgerEntry, MovementKind, SalesOrder, SalesOrderLine, User
from wms.services.import_files import whole_number
from wms.services.reconciliation.kinds import Table, read_table, store_run
from wms.services.shipping_import import HEADER_ALIASES
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import warehouse_zone

LEDGER_PARTY = "ledger"
SHOP_PARTY = "shop"
_CHUNK = 500

#: The shop export's fields: the order import's order number, item and quantity, and an amount.
SHOP_ORDER_COLUMNS = {"order_number": HEADER_ALIASES["order_number"], "item": HEADER_ALIASES["item"],
                      "quantity": HEADER_ALIASES["quantity"], "amount": SHOP_ORDER_AMOUNT_HEADERS}


def read_shop_orders(filename: str, content: bytes, mapping: Mapping[str, str] | None = None) -> Table:
    """The shop's order export as one ``ShopOrder`` per order number (rows of an order merged)."""
    amounts: dict[str, object] = {}

    def record(row: int, cell) -> tuple[int, str, str, int, object]:
        number = text_of(cell("order_number"))
        if not number:
            raise RowProblem("order_number", "missing")
        if len(number) > 64:
            raise RowProblem("order_number", "longer than 64 characters")
        quantity = 0
        if text_of(cell("quantity")):
            quantity = whole_number(cell("quantity"))
            if quantity is None or quantity <= 0:
                raise RowProblem("quantity", "not a positive whole number")
        amount = money(cell("amount"))
        # The amount is the order's: given on several rows of one order, it is the same on each.
        if number in amounts and amount is not None and amounts[number] is not None and amounts[number] != amount:
            raise RowProblem("amount", "differs from the order's first row")
        amounts.setdefault(number, amount)
        return row, number, text_of(cell("item")), quantity, amount

    table = read_table(filename, content, SHOP_ORDER_COLUMNS, override=mapping, needs=[("order_number",)],
                       record_of=record, what="shop order export")
    orders: dict[str, dict] = {}
    for row, number, item, quantity, amount in table.records:
        order = orders.setdefault(number, {"units": defaultdict(int), "amount": None, "row": row})
        if item and quantity:
            order["units"][item] += quantity
        if amount is not None:
            order["amount"] = amount
    records = [ShopOrder(number, dict(o["units"]), o["amount"], o["row"]) for number, o in orders.items()]
    return Table(table.file_name, table.sha256, table.rows_read, records)


def reconcile_outbound(actor: User, *, cycle: str, orders_file: tuple[str, bytes] | None = None,
                       mapping: Mapping[str, str] | None = None) -> dict:
    """The cycle's shipments against the ledger (always) and the shop's orders (with ``orders_file``)."""
    require(actor.role, Permission.RECONCILE)
    cycle = (cycle or "").strip()
    start, end = cycle_bounds(cycle, warehouse_zone())
    shop = read_shop_orders(*orders_file, mapping) if orders_file else None

    def use_case() -> dict:
        shipments = cycle_shipments(start, end)
        deductions = cycle_deductions(start, end, [s.order_number for s in shipments])
        result = {"ledger": store_run(actor, ReconcileKind.OUTBOUND, cycle, LEDGER_PARTY,
                                      match_deductions(shipments, deductions), rows_read=len(shipments),
                                      summary={"shipments": len(shipments)})}
        if shop is not None:
            elsewhen = shipped_outside(start, end, [o.order_number for o in shop.records])
            result["shop"] = store_run(actor, ReconcileKind.OUTBOUND, cycle, SHOP_PARTY,
                                       match_shop_orders(shop.records, shipments, elsewhen), table=shop,
                                       summary={"shop_orders": len(shop.records), "shipments": len(shipments)})
        return result

    return run_in_transaction(use_case)


def cycle_shipments(start: datetime, end: datetime) -> list[OutboundShipment]:
    """The documents handed over in [start, end): courier, tracking number, units per item."""
    rows = db.session.execute(
        sa.select(SalesOrder.number, SalesOrder.kind, Handover.carrier, Handover.tracking_number, Handover.shipped_at,
                  Item.sku, sa.func.sum(SalesOrderLine.quantity))
        .join(Handover, Handover.order_id == SalesOrder.id)
        .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
        .join(Item, Item.id == SalesOrderLine.item_id)
        .where(Handover.shipped_at >= start, Handover.shipped_at < end)
        .group_by(SalesOrder.number, SalesOrder.kind, Handover.carrier, Handover.tracking_number,
                  Handover.shipped_at, Item.sku)
    ).all()
    zone = start.tzinfo
    shipped: dict[str, dict] = {}
    for number, kind, carrier, tracking, at, sku, quantity in rows:
        s = shipped.setdefault(number, {"kind": kind, "courier": carrier, "tracking": tracking,
                                        "on": at.astimezone(zone).date(), "units": {}})
        s["units"][sku] = int(quantity)
    return [OutboundShipment(n, s["kind"], s["courier"], s["tracking"], s["on"], s["units"])
            for n, s in sorted(shipped.items())]


def cycle_deductions(start: datetime, end: datetime, shipped: Iterable[str]) -> list[Deduction]:
    """The ship movements still in force (not reversed) of the shipped documents and of the cycle."""
    shipped = set(shipped)
    ship = sa.and_(LedgerEntry.kind == MovementKind.SHIP,
                   LedgerEntry.document_type == DocumentType.SALES_ORDER.value)
    numbers = set(db.session.execute(
        sa.select(LedgerEntry.document_id).where(ship, LedgerEntry.created_at >= start, LedgerEntry.created_at < end)
        .distinct()).scalars())
    numbers.update(shipped)
    numbers.discard(None)
    ordered = sorted(numbers)
    zone = start.tzinfo
    taken: dict[str, dict] = {}
    for i in range(0, len(ordered), _CHUNK):
        chunk = ordered[i:i + _CHUNK]
        reversed_ids = set(db.session.execute(
            sa.select(LedgerEntry.reverses_entry_id).where(
                LedgerEntry.kind == MovementKind.REVERSAL, LedgerEntry.document_id.in_(chunk),
                LedgerEntry.reverses_entry_id.is_not(None))).scalars())
        rows = db.session.execute(
            sa.select(LedgerEntry.id, LedgerEntry.document_id, LedgerEntry.movement_id, LedgerEntry.created_at,
                      LedgerEntry.quantity, Item.sku)
            .join(Item, Item.id == LedgerEntry.item_id)
            .where(ship, LedgerEntry.document_id.in_(chunk), LedgerEntry.quantity < 0)
            .order_by(LedgerEntry.id)
        ).all()
        for entry_id, number, movement, at, quantity, sku in rows:
            if entry_id in reversed_ids:
                continue
            d = taken.setdefault(number, {"movements": [], "units": defaultdict(int), "on": at.astimezone(zone).date()})
            if movement not in d["movements"]:
                d["movements"].append(movement)
            d["units"][sku] -= quantity
    # A document deducted in the cycle but handed over just outside it has its handover.
    handed_over = _with_handover(sorted(set(taken) - set(shipped)))
    return [Deduction(n, tuple(d["movements"]), dict(d["units"]), d["on"])
            for n, d in sorted(taken.items()) if n not in handed_over]


def _with_handover(numbers: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(numbers), _CHUNK):
        found.update(db.session.execute(
            sa.select(SalesOrder.number).join(Handover, Handover.order_id == SalesOrder.id)
            .where(SalesOrder.number.in_(numbers[i:i + _CHUNK]))).scalars())
    return found


def shipped_outside(start: datetime, end: datetime, numbers: Iterable[str]) -> dict[str, int]:
    """How many parcels of each of these shop orders were handed over outside [start, end)."""
    numbers = sorted(set(numbers))
    counts: dict[str, int] = {}
    for i in range(0, len(numbers), _CHUNK):
        rows = db.session.execute(
            sa.select(SalesOrder.number, sa.func.count(Handover.id))
            .join(Handover, Handover.order_id == SalesOrder.id)
            .where(SalesOrder.number.in_(numbers[i:i + _CHUNK]), SalesOrder.kind != "exchange",
                   sa.or_(Handover.shipped_at < start, Handover.shipped_at >= end))
            .group_by(SalesOrder.number)).all()
        counts.update({n: int(c) for n, c in rows})
    return counts
