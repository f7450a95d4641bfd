"""Matching for returns, outbound and payment reconciliation (rule L3): pure rules, no database.

Each ``match_*`` function takes what the warehouse recorded and what the other side
(a courier's return records, the shop's order export, a platform's settlement
statement) says, both already read into plain records (``wms.domain.reconciliation_files``
reads the files' columns and cells), and answers the differences it finds as ``Finding``
rows (``wms.domain.reconciliation``): a type, a stable key (what a rerun of the same cycle
finds again, so a resolution stays attached to it) and the evidence a clerk reads. A
matched record that agrees yields nothing. Personal data never reaches the evidence
unmasked (``wms.domain.masking`` holds the one masking rule).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from wms.domain.masking import mask_name, mask_phone
from wms.domain.reconciliation import Finding, cents
from wms.domain.reconciliation_files import Condition, SettlementKind

# --- what can differ ---------------------------------------------------------------------


class ReturnsDifferenceType(StrEnum):
    """A courier's return record against the customer returns we received (R6)."""

    RETURNED_NOT_RECEIVED = "returned_not_received"  # on their record, never received here
    RECEIVED_NOT_RECORDED = "received_not_recorded"  # received here, not on their record
    QUANTITY_MISMATCH = "quantity_mismatch"
    CONDITION_MISMATCH = "condition_mismatch"


class OutboundDifferenceType(StrEnum):
    """Shipments against the ledger's deductions, and against the shop's orders."""

    DEDUCTION_MISMATCH = "deduction_mismatch"  # the ship entries do not sum to the shipped units
    DEDUCTED_WITHOUT_HANDOVER = "deducted_without_handover"
    ORDERED_NOT_SHIPPED = "ordered_not_shipped"
    SHIPPED_TWICE = "shipped_twice"
    SHIPPED_NOT_ORDERED = "shipped_not_ordered"


class PaymentDifferenceType(StrEnum):
    """A platform's settlement statement (回款) against the orders we shipped."""

    REFUNDED = "refunded"
    SHORT_PAID = "short_paid"  # settled below the order's amount (only where the amount is known)
    NOT_SETTLED_AFTER_DAYS = "not_settled_after_days"
    SETTLED_NOT_SHIPPED = "settled_not_shipped"


#: A difference's stable key holds at most this many characters (the difference table's column).
KEY_LENGTH = 64


# --- returns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CourierReturn:
    """One return parcel as the courier recorded it (rows of one parcel already summed)."""

    tracking_number: str | None
    order_number: str | None
    quantity: int | None
    condition: Condition | None
    row: int
    sender_name: str | None = None
    sender_phone: str | None = None


@dataclass(frozen=True)
class ReceivedReturn:
    """One customer return received here (R6): its receipt, units and what we found."""

    receipt_number: str
    document_number: str
    tracking_number: str | None  # the receipt's delivery note: the return parcel's waybill
    order_number: str | None  # the return document's external reference: the original order
    quantity: int
    resellable: int
    damaged: int
    missing_parts: int
    classified: bool  # every line's units classified (R6); until then the condition is not compared
    in_cycle: bool = True

    @property
    def condition(self) -> Condition:
        """The worst state found: any damaged unit, else any with missing parts, else intact."""
        if self.damaged:
            return Condition.DAMAGED
        if self.missing_parts:
            return Condition.MISSING_PARTS
        return Condition.INTACT


def merge_courier_returns(records: Iterable[CourierReturn]) -> list[CourierReturn]:
    """One record per parcel: rows with the same tracking (or, without one, order) number summed."""
    merged: dict[str, CourierReturn] = {}
    worst = [Condition.INTACT, Condition.MISSING_PARTS, Condition.DAMAGED]
    for record in records:
        key = _return_key(record.tracking_number, record.order_number)
        seen = merged.get(key)
        if seen is None:
            merged[key] = record
            continue
        quantity = None if seen.quantity is None or record.quantity is None else seen.quantity + record.quantity
        conditions = [c for c in (seen.condition, record.condition) if c is not None]
        condition = max(conditions, key=worst.index) if conditions else None
        merged[key] = CourierReturn(seen.tracking_number or record.tracking_number,
                                    seen.order_number or record.order_number, quantity, condition, seen.row,
                                    seen.sender_name, seen.sender_phone)
    return list(merged.values())


def _return_key(tracking: str | None, order: str | None) -> str:
    return (tracking or order or "")[:KEY_LENGTH]


def match_returns(theirs: Iterable[CourierReturn], ours: Iterable[ReceivedReturn],
                  courier: str | None = None) -> list[Finding]:
    """The courier's return records against ours: by the parcel's tracking number, then the order's.

    Ours may include returns received outside the cycle (``in_cycle`` false): a parcel the
    courier recorded at the cycle's end and we received after it matches, but a return
    received outside the cycle is never reported as missing from their records.
    """
    ours = list(ours)
    by_tracking = {r.tracking_number: r for r in ours if r.tracking_number}
    by_order: dict[str, list[ReceivedReturn]] = defaultdict(list)
    for r in ours:
        if r.order_number:
            by_order[r.order_number].append(r)
    used: set[str] = set()
    found: list[Finding] = []

    def add(kind: str, key: str, evidence: dict, order: str | None) -> None:
        found.append(Finding(kind, key, evidence, order_number=order, courier_code=courier))

    for record in merge_courier_returns(theirs):
        key = _return_key(record.tracking_number, record.order_number)
        receipt = by_tracking.get(record.tracking_number) if record.tracking_number else None
        if receipt is None and record.order_number:
            receipt = next((r for r in by_order.get(record.order_number, ())
                            if r.receipt_number not in used), None)
        base = {"their_tracking_number": record.tracking_number, "their_order_number": record.order_number,
                "their_quantity": record.quantity, "their_condition": record.condition and record.condition.value,
                "rows": [record.row]}
        if record.sender_name:
            base["sender_name"] = mask_name(record.sender_name)
        if record.sender_phone:
            base["sender_phone"] = mask_phone(record.sender_phone)
        if receipt is None:
            add(ReturnsDifferenceType.RETURNED_NOT_RECEIVED, key, base, record.order_number)
            continue
        used.add(receipt.receipt_number)
        evidence = {**base, **_our_return(receipt)}
        order = record.order_number or receipt.order_number
        if record.quantity is not None and record.quantity != receipt.quantity:
            add(ReturnsDifferenceType.QUANTITY_MISMATCH, key, evidence, order)
        if record.condition is not None and receipt.classified and record.condition != receipt.condition:
            add(ReturnsDifferenceType.CONDITION_MISMATCH, key, evidence, order)
    for receipt in ours:
        if receipt.receipt_number in used or not receipt.in_cycle:
            continue
        key = _return_key(receipt.tracking_number, receipt.order_number or receipt.receipt_number)
        add(ReturnsDifferenceType.RECEIVED_NOT_RECORDED, key, _our_return(receipt), receipt.order_number)
    return found


def _our_return(r: ReceivedReturn) -> dict:
    return {"receipt": r.receipt_number, "document": r.document_number, "our_tracking_number": r.tracking_number,
            "our_order_number": r.order_number, "our_quantity": r.quantity,
            "our_condition": r.condition.value if r.classified else None,
            "resellable": r.resellable, "damaged": r.damaged, "missing_parts": r.missing_parts}


# --- outbound -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundShipment:
    """One shipped document: its handover and what its lines ship, per item code."""

    order_number: str
    kind: str  # sale or exchange (an exchange ships again for an order already shipped, S6)
    courier: str
    tracking_number: str
    shipped_on: date
    units: Mapping[str, int]


@dataclass(frozen=True)
class Deduction:
    """The ledger's ship entries of one document: units taken out of stock per item, by movement."""

    order_number: str
    movements: tuple[str, ...]
    units: Mapping[str, int]
    first_on: date


def _order_key(number: str) -> str:
    return number[:KEY_LENGTH]


def match_deductions(shipments: Iterable[OutboundShipment], deductions: Iterable[Deduction]) -> list[Finding]:
    """Every shipped parcel has exactly its deduction (S2 step 4), and nothing is deducted without one.

    A parcel's deduction is one ship movement whose units per item equal the units its
    lines ship; none, two, or other units is a ``deduction_mismatch``. Ship entries of a
    document that was never handed over are ``deducted_without_handover``.
    """
    shipped = {s.order_number: s for s in shipments}
    deducted = {d.order_number: d for d in deductions}
    found: list[Finding] = []
    for number, shipment in shipped.items():
        deduction = deducted.get(number)
        units = _positive(deduction.units) if deduction else {}
        movements = list(deduction.movements) if deduction else []
        if units != _positive(shipment.units) or len(movements) != 1:
            found.append(Finding(OutboundDifferenceType.DEDUCTION_MISMATCH, _order_key(number), {
                "courier": shipment.courier, "tracking_number": shipment.tracking_number,
                "shipped_on": shipment.shipped_on.isoformat(), "shipped_units": dict(shipment.units),
                "deducted_units": units, "movements": movements,
            }, order_number=number, courier_code=shipment.courier))
    for number, deduction in deducted.items():
        if number not in shipped and _positive(deduction.units):
            found.append(Finding(OutboundDifferenceType.DEDUCTED_WITHOUT_HANDOVER, _order_key(number), {
                "deducted_units": _positive(deduction.units), "movements": list(deduction.movements),
                "deducted_on": deduction.first_on.isoformat(),
            }, order_number=number))
    return found


def _positive(units: Mapping[str, int]) -> dict[str, int]:
    return {item: qty for item, qty in sorted(units.items()) if qty}


@dataclass(frozen=True)
class ShopOrder:
    """One order of the shop's export: its units per item code and, where the export has it, its amount."""

    order_number: str
    units: Mapping[str, int]
    amount: Decimal | None = None
    first_row: int = 0


def match_shop_orders(shop_orders: Iterable[ShopOrder], shipments: Iterable[OutboundShipment],
                      shipped_elsewhen: Mapping[str, int] | None = None) -> list[Finding]:
    """The shop's orders against what we shipped: ordered not shipped, shipped twice, shipped not ordered.

    ``shipments`` are the cycle's; ``shipped_elsewhen`` counts the parcels a shop order had
    outside the cycle (an order of the export shipped before the cycle is shipped; shipped
    again in it, it is shipped twice). A document numbered ``<shop order>-<n>`` is a further
    parcel of that shop order (``shop_order_of``): the one way a shop order reaches two
    documents, since document numbers are unique. An exchange ships for its original order
    (S6) and is neither a second parcel nor an unordered one.
    """
    shipped_elsewhen = shipped_elsewhen or {}
    shop_orders = list(shop_orders)
    ordered = {order.order_number for order in shop_orders}
    parcels: dict[str, list[OutboundShipment]] = defaultdict(list)
    for s in shipments:
        if s.kind != "exchange":
            parcels[shop_order_of(s.order_number, ordered)].append(s)
    found: list[Finding] = []
    for order in shop_orders:
        mine = parcels.get(order.order_number, [])
        elsewhen = int(shipped_elsewhen.get(order.order_number, 0))
        evidence = {"ordered_units": dict(order.units), "rows": [order.first_row],
                    "parcels": [{"courier": s.courier, "tracking_number": s.tracking_number,
                                 "shipped_on": s.shipped_on.isoformat()} for s in mine],
                    "parcels_outside_cycle": elsewhen}
        if order.amount is not None:
            evidence["order_amount"] = str(order.amount)
        count = len(mine) + elsewhen
        if count == 0:
            found.append(Finding(OutboundDifferenceType.ORDERED_NOT_SHIPPED, _order_key(order.order_number),
                                 evidence, order_number=order.order_number))
        elif count > 1:
            found.append(Finding(OutboundDifferenceType.SHIPPED_TWICE, _order_key(order.order_number), evidence,
                                 order_number=order.order_number, courier_code=mine[0].courier if mine else None))
    for number, mine in parcels.items():
        if number in ordered:
            continue
        for s in mine:
            found.append(Finding(OutboundDifferenceType.SHIPPED_NOT_ORDERED,
                                 _order_key(number), {
                                     "courier": s.courier, "tracking_number": s.tracking_number,
                                     "shipped_on": s.shipped_on.isoformat(), "shipped_units": dict(s.units),
                                 }, order_number=number, courier_code=s.courier))
    return found


_FURTHER_PARCEL = re.compile(r"^(.+)-(\d{1,3})$")


def shop_order_of(document_number: str, shop_numbers: set[str]) -> str:
    """The shop order a document ships: its own number, or ``SO-1`` for ``SO-1-2`` when the
    export has ``SO-1`` and not ``SO-1-2`` (a document made again, or split, for that order)."""
    if document_number in shop_numbers:
        return document_number
    further = _FURTHER_PARCEL.match(document_number)
    if further and further.group(1) in shop_numbers:
        return further.group(1)
    return document_number


# --- payments -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SettlementLine:
    """One line of a settlement statement: money in or back for one order, on one day."""

    order_number: str
    kind: SettlementKind
    amount: Decimal  # positive yuan; the kind says which way
    on: date | None
    row: int


@dataclass(frozen=True)
class ShippedOrder:
    """A shipped order the platform should pay for, and its amount where the shop's export gave it."""

    order_number: str
    shipped_on: date
    amount: Decimal | None = None
    in_cycle: bool = True


@dataclass
class PaymentTally:
    """How the shipped orders stand: the run's summary."""

    paid: int = 0
    refunded: int = 0
    short_paid: int = 0
    not_settled_after_days: int = 0
    settled_not_shipped: int = 0
    pending: int = 0  # shipped within the last N days: not settled yet, and not late either
    amounts_known: int = 0  # orders whose amount was known, so short payment could be checked

    def as_dict(self) -> dict:
        return dict(vars(self))


def match_payments(lines: Iterable[SettlementLine], shipped: Iterable[ShippedOrder], *,
                   as_of: date, settle_days: int) -> tuple[list[Finding], PaymentTally]:
    """Settlement lines against shipped orders: paid, refunded, short paid, not settled after N days.

    An order is paid when its income reaches its amount (or, its amount unknown, when it
    has a line at all: then only presence is matched); any refund line makes it
    refunded; income below a known amount is short paid (the platform's fees are shown,
    not counted against the income). An order of the cycle with no
    line, shipped more than ``settle_days`` before ``as_of``, is not settled after the
    days; one shipped since is pending. A line for an order never shipped is settled
    but not shipped.
    """
    by_order: dict[str, list[SettlementLine]] = defaultdict(list)
    for line in lines:
        by_order[line.order_number].append(line)
    tally = PaymentTally()
    found: list[Finding] = []
    shipped = {s.order_number: s for s in shipped}
    for number, order in shipped.items():
        mine = by_order.get(number)
        if order.amount is not None:
            tally.amounts_known += 1
        if not mine:
            if not order.in_cycle:
                continue
            days = (as_of - order.shipped_on).days
            if days > settle_days:
                tally.not_settled_after_days += 1
                found.append(Finding(PaymentDifferenceType.NOT_SETTLED_AFTER_DAYS, _order_key(number), {
                    "shipped_on": order.shipped_on.isoformat(), "days": days, "settle_days": settle_days,
                    "order_amount": _yuan(order.amount)}, amount=order.amount, order_number=number))
            else:
                tally.pending += 1
            continue
        evidence = _settled(mine)
        evidence.update({"shipped_on": order.shipped_on.isoformat(), "order_amount": _yuan(order.amount)})
        income = Decimal(evidence["income"])
        if evidence["refund"] != "0.00":
            tally.refunded += 1
            found.append(Finding(PaymentDifferenceType.REFUNDED, _order_key(number), evidence,
                                 amount=Decimal(evidence["refund"]), order_number=number))
        elif order.amount is not None and income < order.amount:
            tally.short_paid += 1
            evidence["short"] = _yuan(order.amount - income)
            found.append(Finding(PaymentDifferenceType.SHORT_PAID, _order_key(number), evidence,
                                 amount=order.amount - income, order_number=number))
        else:
            tally.paid += 1
    for number, mine in by_order.items():
        if number in shipped:
            continue
        tally.settled_not_shipped += 1
        evidence = _settled(mine)
        found.append(Finding(PaymentDifferenceType.SETTLED_NOT_SHIPPED, _order_key(number), evidence,
                             amount=Decimal(evidence["net"]), order_number=number))
    return found, tally


def _settled(lines: list[SettlementLine]) -> dict:
    def total(kind: SettlementKind) -> Decimal:
        return sum((line.amount for line in lines if line.kind == kind), Decimal(0))

    income, refund, fee = total(SettlementKind.INCOME), total(SettlementKind.REFUND), total(SettlementKind.FEE)
    days = [line.on for line in lines if line.on]
    return {"income": _yuan(income), "refund": _yuan(refund), "fee": _yuan(fee), "net": _yuan(income - refund - fee),
            "rows": sorted(line.row for line in lines),
            "settled_on": max(days).isoformat() if days else None}


def _yuan(value: Decimal | None) -> str | None:
    return None if value is None else str(cents(value))
