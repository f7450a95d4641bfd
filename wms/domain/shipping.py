"""Shipping rules that need no database: the four-step state machine (S2), document
validity (S3), the removal order of FIFO/FEFO allocation (S1) and weights (personal data's
masking is ``wms.domain.masking``).

Pure functions and tables only; the services feed them rows and act on the answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from wms.domain.transitions import TransitionTable
from wms.errors import (
    InvalidWeight,
    OrderAlreadyShipped,
    OrderCancelled,
    OrderNotApproved,
    OrderOnHold,
    OrderStateInvalid,
    StepOutOfOrder,
)

# --- the document's own life: draft -> approved -> shipped | cancelled ---------------


class OrderStatus(StrEnum):
    """Where a shipping document is in its life (S3 reads it)."""

    DRAFT = "draft"
    APPROVED = "approved"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class OrderAction(StrEnum):
    """What can be done to a document as a whole."""

    APPROVE = "approve"
    CANCEL = "cancel"
    SHIP = "ship"


ORDER = TransitionTable("sales_order", {
    (OrderStatus.DRAFT, OrderAction.APPROVE): OrderStatus.APPROVED,
    (OrderStatus.DRAFT, OrderAction.CANCEL): OrderStatus.CANCELLED,
    (OrderStatus.APPROVED, OrderAction.CANCEL): OrderStatus.CANCELLED,
    (OrderStatus.APPROVED, OrderAction.SHIP): OrderStatus.SHIPPED,
})


class OrderKind(StrEnum):
    """What a shipping document ships: a shop's sale, or an exchange's replacement (S6)."""

    SALE = "sale"
    EXCHANGE = "exchange"


class DocumentType(StrEnum):
    """The outbound documents the ledger's entries refer to."""

    SALES_ORDER = "sales_order"


def next_order_status(status: str, action: OrderAction) -> OrderStatus:
    """The status after ``action``, or OrderStateInvalid naming the states that allow it."""
    if not ORDER.allows(status, action):
        raise OrderStateInvalid(
            f"A {status} document cannot be {action.value}d.", status=status,
            action=action.value, allowed=ORDER.actions_from(status), expected=ORDER.states_allowing(action),
        )
    return ORDER.next(status, action)


# --- rule S2: the four steps, in order, none skipped ----------------------------------


class Step(StrEnum):
    """The four steps of shipping (一盘点、二核对、三发货、四减数)."""

    COUNT = "count"
    VERIFY = "verify"
    SHIP = "ship"
    DEDUCT = "deduct"


class Stage(StrEnum):
    """How far a shipment has come through the four steps."""

    PENDING = "pending"
    COUNTED = "counted"
    VERIFIED = "verified"
    SHIPPED = "shipped"
    DEDUCTED = "deducted"


#: Rule S2 as a table: the only way from one stage to the next is the next step.
SHIPMENT_STEPS = TransitionTable("shipment", {
    (Stage.PENDING, Step.COUNT): Stage.COUNTED,
    (Stage.COUNTED, Step.VERIFY): Stage.VERIFIED,
    (Stage.VERIFIED, Step.SHIP): Stage.SHIPPED,
    (Stage.SHIPPED, Step.DEDUCT): Stage.DEDUCTED,
})

STEP_SEQUENCE = (Step.COUNT, Step.VERIFY, Step.SHIP, Step.DEDUCT)


def expected_step(stage: str) -> Step | None:
    """The one step that may come next at ``stage`` (None when all four are done)."""
    steps = SHIPMENT_STEPS.actions_from(stage)
    return Step(steps[0]) if steps else None


def advance(stage: str, step: Step) -> Stage:
    """The stage after ``step``; skipping or reordering raises StepOutOfOrder (S2)."""
    if not SHIPMENT_STEPS.allows(stage, step):
        expected = expected_step(stage)
        raise StepOutOfOrder(
            f"Step '{step.value}' is not allowed now; the next step is "
            f"'{expected.value if expected else 'none (shipment complete)'}'.",
            stage=stage, step=step.value, expected=expected.value if expected else None,
        )
    return SHIPMENT_STEPS.next(stage, step)


def check_step_allowed(stage: str, step: Step) -> None:
    """Raise StepOutOfOrder unless ``step`` is the next one at ``stage`` (S2)."""
    advance(stage, step)


# --- the documents of the steps: pick tasks and cycle counts ---------------------------


class PickTaskStatus(StrEnum):
    """A pick task: open at the bin, counted (S2 step 1), a count exception, or cancelled."""

    OPEN = "open"
    COUNTED = "counted"
    EXCEPTION = "exception"
    CANCELLED = "cancelled"


class PickTaskAction(StrEnum):
    """What happens to a pick task."""

    COUNT = "count"  # the count matches the book
    REPORT_DIFFERENCE = "report_difference"  # it does not: a count exception
    CANCEL = "cancel"  # the order is cancelled before it ships


PICK_TASK = TransitionTable("pick_task", {
    (PickTaskStatus.OPEN, PickTaskAction.COUNT): PickTaskStatus.COUNTED,
    (PickTaskStatus.OPEN, PickTaskAction.REPORT_DIFFERENCE): PickTaskStatus.EXCEPTION,
    (PickTaskStatus.OPEN, PickTaskAction.CANCEL): PickTaskStatus.CANCELLED,
    (PickTaskStatus.COUNTED, PickTaskAction.CANCEL): PickTaskStatus.CANCELLED,
})


class WaveStatus(StrEnum):
    """A wave: released to its picker, being picked, picked (no task left open), or cancelled."""

    RELEASED = "released"
    PICKING = "picking"
    PICKED = "picked"
    CANCELLED = "cancelled"


class WaveAction(StrEnum):
    """What happens to a wave; all but ``cancel`` follow from its pick tasks and orders."""

    START = "start"  # the first task of the wave is counted (or its count differs)
    FINISH = "finish"  # no task of the wave is open any more
    REOPEN = "reopen"  # a short line of one of its orders is allocated again: new tasks
    CANCEL = "cancel"  # a supervisor calls it off, or every order of it is cancelled


#: released -> picking -> picked, back to picking when new tasks come; cancelled before picked.
WAVE = TransitionTable("wave", {
    (WaveStatus.RELEASED, WaveAction.START): WaveStatus.PICKING,
    (WaveStatus.RELEASED, WaveAction.CANCEL): WaveStatus.CANCELLED,
    (WaveStatus.PICKING, WaveAction.FINISH): WaveStatus.PICKED,
    (WaveStatus.PICKING, WaveAction.CANCEL): WaveStatus.CANCELLED,
    (WaveStatus.PICKED, WaveAction.REOPEN): WaveStatus.PICKING,
})


class CountResolution(StrEnum):
    """How a count difference was settled: the line re-allocated elsewhere, or held short."""

    REALLOCATED = "reallocated"
    HELD = "held"


class CountReason(StrEnum):
    """Why the bin holds less than the books, as the picker reports it (S2 step 1)."""

    SHORT = "short"  # units missing
    DAMAGED = "damaged"  # units there but not fit to ship


#: The longest note a picker may add to a count difference.
COUNT_NOTE_MAX = 200


class CycleCountStatus(StrEnum):
    """A cycle count (R8, ``docs/counts.md``): open until a counter starts the bin; started
    (the bin frozen for picking) until counted; a first count that differs from the book
    waits for a recount; a confirmed difference above the threshold waits, counted, for
    the supervisor; then done (equal, posted or completed) or rejected."""

    OPEN = "open"
    STARTED = "started"
    RECOUNT = "recount"
    COUNTED = "counted"
    DONE = "done"
    REJECTED = "rejected"


class CycleCountAction(StrEnum):
    """What happens to a cycle count (the count's outcome is ``wms.domain.counts.count_outcome``)."""

    START = "start"  # the counter is at the bin: picks there wait until it is counted
    COUNT = "count"  # counted equal to the book: nothing to adjust
    REPORT_DIFFERENCE = "report_difference"  # a first count (or a recount) differs: count again
    CONFIRM = "confirm"  # a recount finds the same difference: it stands
    APPROVE = "approve"  # the difference posted as a count_difference adjustment
    REJECT = "reject"  # the supervisor refuses the difference: nothing posted
    COMPLETE = "complete"  # the supervisor closes it after adjusting by hand


_COUNTING = (CycleCountStatus.OPEN, CycleCountStatus.STARTED, CycleCountStatus.RECOUNT)

CYCLE_COUNT = TransitionTable("cycle_count", {
    (CycleCountStatus.OPEN, CycleCountAction.START): CycleCountStatus.STARTED,
    (CycleCountStatus.STARTED, CycleCountAction.START): CycleCountStatus.STARTED,
    (CycleCountStatus.RECOUNT, CycleCountAction.START): CycleCountStatus.RECOUNT,
    # R8 blind count: equal to the books leaves nothing to adjust, the bin is allocatable again.
    **{(state, CycleCountAction.COUNT): CycleCountStatus.DONE for state in _COUNTING},
    # A difference is counted again (by someone else where possible) before it stands.
    **{(state, CycleCountAction.REPORT_DIFFERENCE): CycleCountStatus.RECOUNT for state in _COUNTING},
    # Confirmed: it waits for the supervisor unless within the threshold (approved at once).
    **{(state, CycleCountAction.CONFIRM): CycleCountStatus.COUNTED for state in _COUNTING},
    (CycleCountStatus.COUNTED, CycleCountAction.APPROVE): CycleCountStatus.DONE,
    (CycleCountStatus.COUNTED, CycleCountAction.REJECT): CycleCountStatus.REJECTED,
    (CycleCountStatus.OPEN, CycleCountAction.COMPLETE): CycleCountStatus.DONE,
    (CycleCountStatus.COUNTED, CycleCountAction.COMPLETE): CycleCountStatus.DONE,
})

#: A cycle count in one of these states is not finished: no second one opens for its bin and item.
CYCLE_COUNT_ACTIVE = frozenset({CycleCountStatus.OPEN, CycleCountStatus.STARTED, CycleCountStatus.RECOUNT,
                                CycleCountStatus.COUNTED})

#: While counting (started, or waiting for its recount) the bin's item is frozen: no pick
#: is confirmed there and nothing is allocated from it, so no unit moves under the count.
CYCLE_COUNT_FREEZES_PICKING = frozenset({CycleCountStatus.STARTED, CycleCountStatus.RECOUNT})

#: A bin's stock of the item is not allocated while its cycle count is in one of these
#: states; a count opened by a picker's count difference holds it from ``open`` on too
#: (its book is known to be wrong), one planned or ordered only from ``started``.
CYCLE_COUNT_HOLDS_STOCK = CYCLE_COUNT_FREEZES_PICKING | {CycleCountStatus.COUNTED}
CYCLE_COUNT_HOLDS_STOCK_AFTER_DIFFERENCE = CYCLE_COUNT_HOLDS_STOCK | {CycleCountStatus.OPEN}


def cycle_count_action(book_quantity: int, counted_quantity: int) -> CycleCountAction:
    """R8: a blind count equal to the books is done; a different one reports the difference."""
    return CycleCountAction.COUNT if counted_quantity == book_quantity else CycleCountAction.REPORT_DIFFERENCE


# --- rule S4 and S6 documents: holds, release notices, exchange notices -------------------


class HoldState(StrEnum):
    """A hold notice is in force until the release notice referencing it is confirmed."""

    ACTIVE = "active"
    RELEASED = "released"


class HoldAction(StrEnum):
    """What happens to a hold notice."""

    RELEASE = "release"


HOLD = TransitionTable("hold_notice", {(HoldState.ACTIVE, HoldAction.RELEASE): HoldState.RELEASED})


def hold_state(active: bool) -> HoldState:
    """The hold notice's state from its ``active`` flag (the column the S4 check reads)."""
    return HoldState.ACTIVE if active else HoldState.RELEASED


class ReleaseState(StrEnum):
    """A release notice is written first and lifts its hold only once confirmed."""

    WRITTEN = "written"
    CONFIRMED = "confirmed"


class ReleaseAction(StrEnum):
    """What happens to a release notice."""

    CONFIRM = "confirm"


RELEASE = TransitionTable("release_notice", {
    (ReleaseState.WRITTEN, ReleaseAction.CONFIRM): ReleaseState.CONFIRMED,
})


def release_state(confirmed_at) -> ReleaseState:
    """The release notice's state from its confirmation time."""
    return ReleaseState.WRITTEN if confirmed_at is None else ReleaseState.CONFIRMED


def may_confirm_release(writer_id: int, confirmer_id: int, *, second_person: bool) -> bool:
    """S4: a release notice is confirmed by someone other than its writer (when the
    warehouse asks for a second person, ``HOLD_RELEASE_SECOND_PERSON``)."""
    return not second_person or writer_id != confirmer_id


class ExchangeStatus(StrEnum):
    """An exchange notice (S6): issued, used by its shipment, or withdrawn."""

    ISSUED = "issued"
    USED = "used"
    CANCELLED = "cancelled"


class ExchangeAction(StrEnum):
    """What happens to an exchange notice."""

    USE = "use"  # its exchange document ships
    CANCEL = "cancel"  # withdrawn, or its exchange document is cancelled


EXCHANGE_NOTICE = TransitionTable("exchange_notice", {
    (ExchangeStatus.ISSUED, ExchangeAction.USE): ExchangeStatus.USED,
    (ExchangeStatus.ISSUED, ExchangeAction.CANCEL): ExchangeStatus.CANCELLED,
})


# --- rule S3: a valid document ------------------------------------------------------


def check_valid_for_shipping(status: str, active_holds: list[str], reasons: dict[str, str] | None = None) -> None:
    """Rule S3: the document is approved, not cancelled, not on hold, not already shipped
    (S4: the refusal names the holds, and with ``reasons`` why each was issued)."""
    if status == OrderStatus.CANCELLED:
        raise OrderCancelled()
    if status == OrderStatus.SHIPPED:
        raise OrderAlreadyShipped()
    if status != OrderStatus.APPROVED:
        raise OrderNotApproved(status=status)
    if active_holds:
        # rule S4: any active hold in scope stops the shipment, whoever asks
        raise OrderOnHold(holds=sorted(active_holds), **({"reasons": reasons} if reasons else {}))


# --- rule S4: hold scopes -------------------------------------------------------------


class HoldScope(StrEnum):
    """What a hold notice stops: one order, a customer's orders, an item, or everything."""

    ORDER = "order"
    CUSTOMER = "customer"
    ITEM = "item"
    ALL = "all"


@dataclass(frozen=True)
class HoldTarget:
    """The scope of one hold notice, as the pure check needs it."""

    number: str
    scope: str
    order_id: int | None = None
    customer_id: int | None = None
    item_id: int | None = None


def hold_applies(hold: HoldTarget, order_id: int, customer_id: int | None, item_ids: set[int]) -> bool:
    """True when the hold's scope covers a shipment of this order (S4)."""
    if hold.scope == HoldScope.ALL:
        return True
    if hold.scope == HoldScope.ORDER:
        return hold.order_id == order_id
    if hold.scope == HoldScope.CUSTOMER:
        return customer_id is not None and hold.customer_id == customer_id
    if hold.scope == HoldScope.ITEM:
        return hold.item_id in item_ids
    return False


# --- rule S1: the removal order -------------------------------------------------------

_FAR_FUTURE = date.max


@dataclass(frozen=True)
class Candidate:
    """Free stock of one lot in one bin that allocation may take."""

    quant_id: int
    lot_id: int
    location_id: int
    owner_id: int
    received_at: datetime
    expiry_date: date | None
    path_order: int
    location_code: str
    free: int


def removal_key(candidate: Candidate, fefo: bool):
    """Sort key: earliest receipt first (S1); earliest expiry first when FEFO is on.

    Ties go to the bin first on the walk, so a picker takes one lot from as few bins
    as possible in walking order.
    """
    received = (candidate.received_at, candidate.lot_id)
    walk = (candidate.path_order, candidate.location_code, candidate.quant_id)
    if fefo:
        return (candidate.expiry_date or _FAR_FUTURE, *received, *walk)
    return (*received, *walk)


def removal_order(candidates: list[Candidate], fefo: bool = False) -> list[Candidate]:
    """Candidates in the order allocation takes them (S1 FIFO, or FEFO when enabled)."""
    return sorted(candidates, key=lambda c: removal_key(c, fefo))


@dataclass(frozen=True)
class Take:
    """Planned reservation of ``quantity`` units from one candidate."""

    candidate: Candidate
    quantity: int


def plan_allocation(candidates: list[Candidate], quantity: int, fefo: bool = False) -> tuple[list[Take], int]:
    """Which candidates to reserve, in removal order, and the shortage left over."""
    takes: list[Take] = []
    remaining = quantity
    for candidate in removal_order(candidates, fefo):
        if remaining <= 0:
            break
        take = min(candidate.free, remaining)
        if take > 0:
            takes.append(Take(candidate, take))
            remaining -= take
    return takes, remaining


# --- weights and personal data --------------------------------------------------------

WEIGHT_UNITS = {"g": Decimal(1), "kg": Decimal(1000), "lb": Decimal("453.59237")}
MAX_PARCEL_GRAMS = 1_000_000


class WeightSource(StrEnum):
    """Where a parcel's weight comes from: the station's scale or the operator's entry."""

    SCALE = "scale"
    MANUAL = "manual"


WEIGHT_SOURCES = tuple(s.value for s in WeightSource)


@dataclass(frozen=True)
class WeightReading:
    """A parcel's weight as read before the ship step: whole grams, whether the scale
    had settled, when and at which station it was read, and where it comes from.

    The scale is read first, outside any transaction; the ship step takes the reading.
    """

    grams: int
    source: WeightSource
    read_at: datetime
    stable: bool = True
    station: str | None = None

    @classmethod
    def entered(cls, value, unit: str, read_at: datetime, source: str = WeightSource.MANUAL,
                station: str | None = None) -> WeightReading:
        """A weight typed in (or read elsewhere) in ``unit``, checked and in grams."""
        try:
            source = WeightSource(source)
        except ValueError:
            raise InvalidWeight(f"weight_source must be one of {list(WEIGHT_SOURCES)}.",
                                weight_source=source) from None
        return cls(weight_in_grams(value, unit), source, read_at, True, station)


def weight_in_grams(value, unit: str) -> int:
    """A parcel weight given in g or kg as whole grams; Decimal only, never float."""
    if unit not in WEIGHT_UNITS:
        raise InvalidWeight(f"Weight unit must be one of {sorted(WEIGHT_UNITS)}.", unit=unit)
    if isinstance(value, float):
        raise InvalidWeight("Send the weight as a decimal string, not a float.")
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidWeight("The weight is not a number.", weight=str(value)) from None
    if not amount.is_finite():
        raise InvalidWeight("The weight is not a number.", weight=str(value))
    grams = (amount * WEIGHT_UNITS[unit]).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if grams <= 0 or grams > MAX_PARCEL_GRAMS:
        raise InvalidWeight("The weight must be above 0 g and at most 1000 kg.", weight=str(value), unit=unit)
    return int(grams)


def grams_as_kg(grams: int) -> str:
    """Whole grams written as kilograms with three decimals, e.g. '1.250'."""
    return str((Decimal(grams) / 1000).quantize(Decimal("0.001")))


# --- the handover's signatures (S2 step 3) ------------------------------------------


class HandoverMode(StrEnum):
    """How the parcel leaves: handed to the courier in person, or put on a pickup's manifest."""

    IN_PERSON = "in_person"  # one parcel, the courier signs for it at the ship step
    MANIFEST = "manifest"  # it goes onto a handover manifest; the driver signs the manifest once


def required_signatures(mode: str) -> tuple[str, ...]:
    """Who signs at the ship step: the shipper always; the courier only for a parcel handed over in person.

    A parcel for a manifest is signed for by the driver on the manifest (its close), for
    the whole batch; the ship step does not ask the courier again.
    """
    if HandoverMode(mode) == HandoverMode.MANIFEST:
        return ("shipper_signature",)
    return ("shipper_signature", "carrier_signature")


# --- handover manifests (交接单): open -> closed -------------------------------------


class ManifestStatus(StrEnum):
    """A handover manifest takes parcels while open; closed once the driver has signed."""

    OPEN = "open"
    CLOSED = "closed"


class ManifestAction(StrEnum):
    """What happens to a handover manifest."""

    ADD_PARCEL = "add_parcel"
    CLOSE = "close"


MANIFEST = TransitionTable("shipping_manifest", {
    (ManifestStatus.OPEN, ManifestAction.ADD_PARCEL): ManifestStatus.OPEN,
    (ManifestStatus.OPEN, ManifestAction.CLOSE): ManifestStatus.CLOSED,
})
