"""Reconciliation (对账, rule L3) rules that need no database: the difference model's
kinds, types and states, cycles, rate tables and the matching of a courier's bill
against our shipments (the bills' columns and the couriers' presets are in
``wms.domain.reconciliation_files``).

**The difference model** (shared by every kind of reconciliation: courier bills,
returns, outbound, payments). A run (``reconciliation_run``) reads one file or one
source for one ``kind``, ``cycle`` and ``party`` (the courier's code or the platform's
name, '' when neither) and yields *findings*: (``type``, ``match_key``) pairs with their
evidence. Each finding is one ``reconciliation_difference`` row, unique by
(kind, cycle, party, type, match_key). Its ``status`` moves only through ``DIFFERENCE``:

    open --explain--> explained --claim--> claimed --resolve--> resolved
    (open may also claim or resolve directly; explained, claimed and resolved may reopen)

and every change is a ``reconciliation_event`` row (from, to, action, note,
who, when; no user when a re-run did it). A re-run of the same kind, cycle and party
(``plan_rerun``) keeps every difference still found as it is (status, note, history:
only its evidence and amount follow the newest run), adds the new ones as open, and
resolves those no longer found with the note ``AUTO_RESOLVED_NOTE`` (marked
``auto_resolved``); such a difference found again later is reopened. A difference a
person resolved stays resolved when found again. Amounts are yuan (two decimals).

The services of each kind build their findings with these types and hand them to
``wms.services.reconciliation.store_findings``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from wms.domain.transitions import TransitionTable
from wms.errors import InvalidInput

CENT = Decimal("0.01")


class ReconcileKind(StrEnum):
    """What is reconciled against what."""

    COURIER = "courier"  # a courier's bill against our shipments
    RETURNS = "returns"  # a courier's return records against the returns we received
    OUTBOUND = "outbound"  # shipments against ledger deductions and the shops' orders
    PAYMENTS = "payments"  # a platform's settlement statement against shipped orders


class DifferenceType(StrEnum):
    """The courier bill's differences (other kinds add theirs to ``OTHER_TYPES``)."""

    BILLED_NOT_SHIPPED = "billed_not_shipped"
    SHIPPED_NOT_BILLED = "shipped_not_billed"
    BILLED_TWICE = "billed_twice"
    WEIGHT_OVER = "weight_over"
    FEE_MISMATCH = "fee_mismatch"


#: The types a claim to a courier is made of: what it billed and should not have.
CLAIMABLE_TYPES = (DifferenceType.BILLED_NOT_SHIPPED, DifferenceType.BILLED_TWICE,
                   DifferenceType.WEIGHT_OVER, DifferenceType.FEE_MISMATCH)


#: What each type disputes of the evidence's pairs (ours against theirs): a page marks only
#: those, so a pair that differs within the tolerance is not shown as a difference.
DISPUTED = {DifferenceType.WEIGHT_OVER: ("weight",), DifferenceType.FEE_MISMATCH: ("fee",)}


def disputed(kind: str) -> list[str]:
    """The pairs of the evidence (``weight``, ``fee``) a difference of type ``kind`` disputes."""
    return list(DISPUTED.get(kind, ()))


class DifferenceStatus(StrEnum):
    OPEN = "open"
    EXPLAINED = "explained"
    CLAIMED = "claimed"
    RESOLVED = "resolved"


class DifferenceAction(StrEnum):
    EXPLAIN = "explain"
    CLAIM = "claim"
    RESOLVE = "resolve"
    REOPEN = "reopen"


DIFFERENCE = TransitionTable("reconciliation_difference", {
    (DifferenceStatus.OPEN, DifferenceAction.EXPLAIN): DifferenceStatus.EXPLAINED,
    (DifferenceStatus.OPEN, DifferenceAction.CLAIM): DifferenceStatus.CLAIMED,
    (DifferenceStatus.OPEN, DifferenceAction.RESOLVE): DifferenceStatus.RESOLVED,
    (DifferenceStatus.EXPLAINED, DifferenceAction.CLAIM): DifferenceStatus.CLAIMED,
    (DifferenceStatus.EXPLAINED, DifferenceAction.RESOLVE): DifferenceStatus.RESOLVED,
    (DifferenceStatus.EXPLAINED, DifferenceAction.REOPEN): DifferenceStatus.OPEN,
    (DifferenceStatus.CLAIMED, DifferenceAction.RESOLVE): DifferenceStatus.RESOLVED,
    (DifferenceStatus.CLAIMED, DifferenceAction.REOPEN): DifferenceStatus.OPEN,
    (DifferenceStatus.RESOLVED, DifferenceAction.REOPEN): DifferenceStatus.OPEN,
})

#: The action that leads to each target status (what ``POST .../status {status}`` asks for).
ACTION_TO = {
    DifferenceStatus.EXPLAINED: DifferenceAction.EXPLAIN,
    DifferenceStatus.CLAIMED: DifferenceAction.CLAIM,
    DifferenceStatus.RESOLVED: DifferenceAction.RESOLVE,
    DifferenceStatus.OPEN: DifferenceAction.REOPEN,
}

AUTO_RESOLVED_NOTE = "no longer found by the re-run"
REOPENED_NOTE = "found again by the re-run"


def action_for(target: str) -> DifferenceAction:
    """The action that moves a difference to ``target``; InvalidInput for an unknown status."""
    try:
        return ACTION_TO[DifferenceStatus(target)]
    except ValueError:
        raise InvalidInput("Unknown status.", field="status", value=target,
                           allowed=[s.value for s in DifferenceStatus]) from None


# --- findings and re-runs -----------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One difference a run found: its type, the key it is matched by, and the evidence."""

    type: str
    match_key: str
    evidence: Mapping[str, Any] = field(default_factory=dict)
    amount: Decimal | None = None
    order_number: str | None = None
    courier_code: str | None = None


@dataclass(frozen=True)
class Existing:
    """A stored difference as a re-run sees it."""

    id: int
    type: str
    match_key: str
    status: str
    auto_resolved: bool


@dataclass
class RerunPlan:
    """What a run changes: new findings, kept ones (id, finding), closed ids, reopened ids."""

    new: list[Finding] = field(default_factory=list)
    kept: list[tuple[int, Finding]] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)


def plan_rerun(findings: Iterable[Finding], existing: Iterable[Existing]) -> RerunPlan:
    """Split a run's findings against the differences stored for its kind, cycle and party."""
    plan = RerunPlan()
    stored = {(e.type, e.match_key): e for e in existing}
    seen: set[tuple[str, str]] = set()
    for finding in findings:
        key = (finding.type, finding.match_key)
        if key in seen:
            continue
        seen.add(key)
        old = stored.get(key)
        if old is None:
            plan.new.append(finding)
            continue
        plan.kept.append((old.id, finding))
        if old.status == DifferenceStatus.RESOLVED and old.auto_resolved:
            plan.reopened.append(old.id)
    for key, old in stored.items():
        if key not in seen and old.status != DifferenceStatus.RESOLVED:
            plan.closed.append(old.id)
    return plan


# --- cycles -------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def cycle_days(cycle: str) -> tuple[date, date]:
    """The first day and the day after the last of a cycle: ``2026-11`` (a month),
    ``2026-W48`` (an ISO week) or ``2026-11-30`` (a day)."""
    text = (cycle or "").strip()
    try:
        if found := _MONTH.match(text):
            first = date(int(found[1]), int(found[2]), 1)
            after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
            return first, after
        if found := _WEEK.match(text):
            first = date.fromisocalendar(int(found[1]), int(found[2]), 1)
            return first, first + timedelta(days=7)
        if found := _DAY.match(text):
            first = date(int(found[1]), int(found[2]), int(found[3]))
            return first, first + timedelta(days=1)
    except ValueError:
        pass
    raise InvalidInput("A cycle is a month (2026-11), an ISO week (2026-W48) or a day (2026-11-30).",
                       field="cycle", value=cycle)


def cycle_bounds(cycle: str, tz: tzinfo) -> tuple[datetime, datetime]:
    """The cycle as [start, end) instants in the warehouse's time zone."""
    first, after = cycle_days(cycle)
    return datetime.combine(first, time(), tz), datetime.combine(after, time(), tz)


# --- numbers ------------------------------------------------------------------------


_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,12}(\.[0-9]{1,8})?")


def parse_decimal(value) -> Decimal | None:
    """A bill's number: 1.25, '1.25', '¥12.50', '1,234.50', '12.5元'; None when blank or not a number."""
    if type(value) is str and _PLAIN_NUMBER.fullmatch(value):
        return Decimal(value)  # the usual cell, read once
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    text = str(value).strip().replace(",", "").replace("¥", "").replace("￥", "").removesuffix("元")
    text = text.removesuffix("kg").removesuffix("KG").strip()
    if not text or not _PLAIN_NUMBER.fullmatch(text):
        return None
    return Decimal(text)


def round_up(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded up to a multiple of ``step`` (1.01 kg by 0.1 -> 1.1; by 1 -> 2)."""
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def grams_to_kg(grams: int | None) -> Decimal | None:
    return None if grams is None else Decimal(grams) / 1000


# --- provinces and rate tables ------------------------------------------------------

_PROVINCE_SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "特别行政区", "自治区", "省", "市")
ANY_PROVINCE = "*"
#: China's 34 province-level divisions as ``normalise_province`` names them: a rate table's
#: row names one of these (or ``*``), so that a typo cannot leave a province unpriced.
PROVINCES = frozenset((
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门"))


def normalise_province(name: str | None) -> str:
    """广东省 / 广东 -> 广东, 广西壮族自治区 -> 广西, 上海市 -> 上海; '' when blank."""
    text = (name or "").strip()
    for suffix in _PROVINCE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def province_of_address(address: str | None) -> str:
    """The province an address starts with (``wms.domain.couriers.split_address``), normalised."""
    from wms.domain.couriers import split_address

    return normalise_province(split_address(address or "").province)


@dataclass(frozen=True, eq=False)  # compared by identity: the fee cache keys on it
class Rate:
    """One courier's price to one province (``*``: every province without its own row).

    The billed weight is first rounded up to ``weight_step_kg`` (whole kilograms: 1; a
    tenth: 0.1); up to ``first_weight_kg`` costs ``first_price``; each started
    ``additional_unit_kg`` above it costs ``additional_price``; the total less
    ``discount_percent`` is the expected fee, rounded half up to the cent.
    """

    province: str
    first_weight_kg: Decimal
    first_price: Decimal
    additional_price: Decimal
    additional_unit_kg: Decimal = Decimal(1)
    discount_percent: Decimal = Decimal(0)
    weight_step_kg: Decimal = Decimal(1)

    def billable_weight(self, kg: Decimal) -> Decimal:
        return round_up(kg, self.weight_step_kg)

    def fee(self, kg: Decimal) -> Decimal:
        return _fee(self, kg)

    def _fee(self, kg: Decimal) -> Decimal:
        weight = self.billable_weight(kg)
        price = self.first_price
        if weight > self.first_weight_kg:
            units = round_up(weight - self.first_weight_kg, self.additional_unit_kg) / self.additional_unit_kg
            price += units * self.additional_price
        return cents(price * (100 - self.discount_percent) / 100)


@lru_cache(maxsize=65_536)
def _fee(rate: Rate, kg: Decimal) -> Decimal:
    """A rate's fee for a weight: bills repeat the same few weights, so it is computed once each."""
    return rate._fee(kg)


@lru_cache(maxsize=65_536)
def _billable(kg: Decimal, step: Decimal) -> Decimal:
    return round_up(kg, step)


def find_rate(rates: Mapping[str, Rate], province: str) -> Rate | None:
    return rates.get(province) or rates.get(ANY_PROVINCE)


#: A piece_type cell naming a return-receipt (签回单) line, or a sub-waybill (子件).
RETURN_RECEIPT_WORDS = ("签回单", "签单返还", "回单")
SUB_PIECE_WORDS = ("子件", "子单")


# --- bill lines and shipments -------------------------------------------------------


class BillLine(NamedTuple):
    """One line of a courier's bill, as read (a tuple: a bill has 100,000 of them)."""

    row: int
    tracking_number: str
    weight_kg: Decimal
    fee: Decimal
    order_number: str = ""
    parent_number: str = ""
    piece_type: str = ""
    destination: str = ""

    @property
    def is_return_receipt(self) -> bool:
        return bool(self.piece_type) and any(word in self.piece_type for word in RETURN_RECEIPT_WORDS)

    @property
    def is_sub_piece(self) -> bool:
        if not (self.parent_number or self.piece_type) or self.is_return_receipt:
            return False
        return (bool(self.parent_number) and self.parent_number != self.tracking_number) or any(
            word in self.piece_type for word in SUB_PIECE_WORDS)


class Shipment(NamedTuple):
    """A parcel we handed to the courier: its tracking number, order, measured weight."""

    tracking_number: str
    order_number: str
    weight_grams: int
    in_cycle: bool
    province: str = ""


@dataclass(frozen=True)
class MatchRules:
    """Tolerances: billed weight may exceed ours (rounded up as the courier rounds) by
    ``max(weight_tolerance_kg, our weight * weight_tolerance_percent / 100)``; the fee may
    differ from the rate table's by ``fee_tolerance`` yuan."""

    weight_tolerance_kg: Decimal = Decimal("0.1")
    weight_tolerance_percent: Decimal = Decimal(0)
    fee_tolerance: Decimal = CENT
    weight_step_kg: Decimal = Decimal(1)
    keys_on_order_number: bool = False


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(cents(value))


def _kg(value: Decimal | None) -> str | None:
    return None if value is None else str(value.quantize(Decimal("0.001")))


def match_courier_bill(lines: list[BillLine], shipments: Iterable[Shipment], rates: Mapping[str, Rate],
                       rules: MatchRules, courier: str) -> list[Finding]:
    """A courier's bill against our shipments with that courier: every difference, once.

    A line matches a shipment by its tracking number; else, where the courier keys on
    the order number (SF), by its order number; else by its parent number (母单号). A
    sub-waybill (子件) of a multi-piece shipment and a return-receipt (签回单) line belong to
    their shipment and are never unknown; the parent line carries the shipment's fee, so
    only the main lines are counted, weighed and priced. ``shipped_not_billed`` is only
    said of shipments in the cycle (``Shipment.in_cycle``); a bill may also hold parcels
    shipped just before it.
    """
    by_tracking: dict[str, Shipment] = {}
    by_order: dict[str, Shipment] = {}
    for shipment in shipments:
        by_tracking[shipment.tracking_number] = shipment
        if shipment.order_number:
            by_order[shipment.order_number] = shipment

    # A bill has 100,000 lines: the usual one (its own tracking number, no parent, no piece
    # type) is told apart with one lookup; only the others go through ``_shipment_of``.
    first_line: dict[str, BillLine] = {}  # a shipment's first main line
    again: dict[str, list[BillLine]] = {}  # a shipment's main lines when billed more than once
    unknown: dict[str, list[BillLine]] = {}
    find = by_tracking.get
    for line in lines:
        shipment = find(line.tracking_number)
        if line.parent_number or line.piece_type or shipment is None:
            shipment = _shipment_of(line, shipment, by_tracking, by_order, rules.keys_on_order_number)
            if shipment is None:
                unknown.setdefault(line.tracking_number, []).append(line)
                continue
            if line.is_sub_piece or line.is_return_receipt:
                continue
        number = shipment.tracking_number
        seen = first_line.get(number)
        if seen is None:
            first_line[number] = line
        elif number in again:
            again[number].append(line)
        else:
            again[number] = [seen, line]

    findings: list[Finding] = []
    for number, found in unknown.items():
        fee = sum((line.fee for line in found), Decimal(0))
        findings.append(Finding(
            DifferenceType.BILLED_NOT_SHIPPED, number, amount=cents(fee), courier_code=courier,
            order_number=found[0].order_number or None,
            evidence={"rows": [line.row for line in found], "their_weight_kg": _kg(found[0].weight_kg),
                      "their_fee": _money(fee), "order_number": found[0].order_number or None}))
    judge = _LineJudge(rates, rules, courier)
    for shipment in by_tracking.values():
        first = first_line.get(shipment.tracking_number)
        if first is None:
            if shipment.in_cycle:
                findings.append(Finding(
                    DifferenceType.SHIPPED_NOT_BILLED, shipment.tracking_number, courier_code=courier,
                    order_number=shipment.order_number,
                    evidence={"our_weight_kg": _kg(grams_to_kg(shipment.weight_grams))}))
            continue
        findings.extend(judge(shipment, first, again.get(shipment.tracking_number)))
    return findings


def _shipment_of(line: BillLine, by_number: Shipment | None, by_tracking: Mapping[str, Shipment],
                 by_order: Mapping[str, Shipment], keys_on_order_number: bool) -> Shipment | None:
    found = by_number
    if found is None and line.order_number and keys_on_order_number:
        found = by_order.get(line.order_number)
    if found is None and line.parent_number:
        found = by_tracking.get(line.parent_number)
    if found is None and line.order_number and not keys_on_order_number and (
            line.is_sub_piece or line.is_return_receipt):
        found = by_order.get(line.order_number)
    return found


class _LineJudge:
    """A shipment's main bill lines against its weight and the rate table: billed twice,
    weight over, fee mismatch.

    What depends on the shipment alone (its rate, our billable weight and the most the
    courier may bill) is worked out once per (weight, province): a bill repeats the same
    few hundred of them.
    """

    def __init__(self, rates: Mapping[str, Rate], rules: MatchRules, courier: str) -> None:
        self.rates, self.rules, self.courier = rates, rules, courier
        self._limits: dict[tuple[int, str], tuple[Rate | None, Decimal, Decimal, Decimal]] = {}

    def _limit(self, grams: int, province: str) -> tuple[Rate | None, Decimal, Decimal, Decimal]:
        """(rate, our kg, our billable kg, tolerance kg) for a shipment's weight and province."""
        key = (grams, province)
        known = self._limits.get(key)
        if known is None:
            rules = self.rules
            rate = find_rate(self.rates, province) if self.rates else None
            our_kg = Decimal(grams) / 1000
            our_billable = _billable(our_kg, rate.weight_step_kg if rate else rules.weight_step_kg)
            tolerance = rules.weight_tolerance_kg
            if rules.weight_tolerance_percent:
                tolerance = max(tolerance, our_kg * rules.weight_tolerance_percent / 100)
            known = self._limits[key] = (rate, our_kg, our_billable, tolerance)
        return known

    def __call__(self, shipment: Shipment, first: BillLine, found: list[BillLine] | None) -> list[Finding]:
        province = shipment.province or normalise_province(first.destination)
        rate, our_kg, our_billable, tolerance = self._limit(shipment.weight_grams, province)
        over = first.weight_kg > our_billable + tolerance
        expected = _fee(rate, first.weight_kg) if rate is not None else None
        mismatch = expected is not None and abs(first.fee - expected) > self.rules.fee_tolerance
        if found is None and not over and not mismatch:
            return []  # the usual line: nothing to say, no evidence built
        found = found or [first]
        courier, number, order = self.courier, shipment.tracking_number, shipment.order_number
        findings = []
        base = {"rows": [line.row for line in found], "order_number": order,
                "our_weight_kg": _kg(our_kg), "their_weight_kg": _kg(first.weight_kg),
                "their_fee": _money(first.fee), "province": province or None}
        if len(found) > 1:
            extra = sum((line.fee for line in found[1:]), Decimal(0))
            findings.append(Finding(
                DifferenceType.BILLED_TWICE, number, amount=cents(extra), courier_code=courier, order_number=order,
                evidence={**base, "times": len(found), "fees": [_money(line.fee) for line in found]}))
        if over:
            our_fee = _fee(rate, our_kg) if rate is not None else None
            # With a fee off the rate too, each claims its own part: the weight the rate's price
            # of their weight over ours, the fee mismatch the rest; together the whole overcharge.
            billed = expected if mismatch else first.fee
            findings.append(Finding(
                DifferenceType.WEIGHT_OVER, number, courier_code=courier, order_number=order,
                amount=cents(billed - our_fee) if our_fee is not None else None,
                evidence={**base, "our_billable_weight_kg": _kg(our_billable), "tolerance_kg": _kg(tolerance),
                          "our_fee": _money(our_fee)}))
        if mismatch:
            findings.append(Finding(
                DifferenceType.FEE_MISMATCH, number, courier_code=courier, order_number=order,
                amount=cents(first.fee - expected), evidence={**base, "our_fee": _money(expected),
                                                              "rate_province": rate.province}))
        return findings
