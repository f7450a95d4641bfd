"""The four steps of shipping (rule S2: count, verify, ship, deduct), each one transaction.

The step table lives in ``wms.domain.shipping``; this module loads rows, asks the
table, and writes what happened with who and when. A count moves the task's wave too
(``shipping_waves.wave_after_count``), in its transaction. The ship step checks the document
(S3), the hold notices (S4) and the exchange notice (S6) inside the same transaction
that hands the parcel over and decrements the ledger (S2 steps 3 and 4). No device is
used inside it: the weight is read before and passed in, the label is queued in it
and printed after the commit (``wms.services.print_queue``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from wms.domain.locations import LocationType
from wms.domain.permissions import Permission, permissions_of, require, require_any
from wms.domain.printing import LabelKind
from wms.domain.shipping import (
    COUNT_NOTE_MAX,
    CYCLE_COUNT_ACTIVE,
    PICK_TASK,
    CountReason,
    CountResolution,
    CycleCountStatus,
    DocumentType,
    ExchangeAction,
    HandoverMode,
    OrderAction,
    OrderKind,
    OrderStatus,
    PickTaskAction,
    PickTaskStatus,
    Stage,
    Step,
    WeightReading,
    WeightSource,
    check_step_allowed,
    check_valid_for_shipping,
    next_order_status,
    required_signatures,
)
from wms.errors import (
    InvalidInput,
    InvalidWeight,
    LotRequired,
    PickTaskClosed,
    PickTaskNotFound,
    PickWrongItem,
    PickWrongLocation,
    PickWrongLot,
    TrackingNumberTaken,
    UnknownBarcode,
    VerifyLotRequired,
    VerifyTooMany,
    VerifyWrongItem,
    VerifyWrongLot,
)
from wms.extensions import db
from wms.models import (
    CountException,
    Courier,
    CycleCountTask,
    ExchangeNotice,
    Handover,
    Item,
    Location,
    Lot,
    PickTask,
    SalesOrder,
    SalesOrderLine,
    User,
    VerifyScan,
    Waybill,
)
from wms.models.stock import MovementKind, StockQuant
from wms.models.types import utcnow
from wms.services.couriers import handover_courier
from wms.services.parcel_weight import record_on_handover, weigh_against_order
from wms.services.print_queue import PrintJobView, job_view, queue_label
from wms.services.shipping_allocation import allocate_lines
from wms.services.shipping_common import (
    change_exchange_notice,
    check_exchange,
    find_order,
    hold_reasons,
    holds_covering,
    pass_hold_gate,
    record_step,
    release_reservation,
)
from wms.services.shipping_cycle_counts import difference_reason, picked_not_shipped, refuse_pick_under_count
from wms.services.shipping_labels import label_data
from wms.services.shipping_waves import wave_after_count
from wms.services.stations import find_station
from wms.services.stock import Place, StockChange, post_movement, resolve_item_id, resolve_item_ids, virtual_location
from wms.services.uow import run_in_transaction

quants = StockQuant.__table__




# --- step 1: count (盘点) -------------------------------------------------------------


@dataclass
class CountResult:
    """S2 step 1 at one bin: the book and counted quantities and what followed; a
    difference names its count exception and how the line was resolved."""

    task_id: int
    status: str
    book_quantity: int | None  # None for a counter who may not adjust stock: the count is blind
    counted_quantity: int
    count_complete: bool = False
    stage: str = ""
    count_exception_id: int | None = None
    resolution: str | None = None
    short: int | None = None
    reason: str | None = None  # short or damaged, after a difference


def confirm_count(
    actor: User, task_id: int, *, location: str, item: str, counted_quantity: int, lot: str | None = None,
    reason: str = CountReason.SHORT, note: str | None = None,
) -> dict:
    """S2 step 1: at the bin, scan bin then item, and confirm the quantity there.

    The count must equal what the bin holds of the task's quant: its on-hand less the units
    other pickers took into totes and not shipped (``picked_not_shipped``); a difference opens a
    count exception and a cycle-count task, and the line is re-allocated elsewhere or,
    when nothing else is free, held short (never shipped short). The picker says why
    the bin holds less (``reason``: units short, the default, or damaged) and may add a
    ``note``; both are kept on the count exception and in the cycle count's reason.
    """
    require(actor.role, Permission.PICK)
    if not isinstance(counted_quantity, int) or isinstance(counted_quantity, bool) or counted_quantity < 0:
        raise InvalidInput("The counted quantity is a whole number, 0 or more.", field="counted_quantity")
    try:
        reason = CountReason(reason)
    except ValueError:
        raise InvalidInput("A count difference is short or damaged.", field="reason", value=str(reason)) from None
    if note is not None and len(note) > COUNT_NOTE_MAX:
        raise InvalidInput(f"A note has at most {COUNT_NOTE_MAX} characters.", field="note", limit=COUNT_NOTE_MAX)
    note = (note.strip() or None) if note is not None else None

    def use_case() -> CountResult:
        task = db.session.get(PickTask, task_id)
        if task is None:
            raise PickTaskNotFound(task_id=task_id)
        order = db.session.execute(
            sa.select(SalesOrder).where(SalesOrder.id == task.order_id)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        db.session.refresh(task)
        check_scans_at_bin(order, task, location=location, item=item, lot=lot, confirming=True)
        refuse_pick_under_count(task.location_id, task.item_id)  # R8: no unit moves under a count
        # What the bin holds of the task's quant: its on-hand less what other pickers took
        # into totes and is not shipped yet (those units are no longer in the bin).
        book = db.session.execute(
            sa.select(quants.c.quantity).where(quants.c.id == task.quant_id)
        ).scalar_one() - picked_not_shipped(task.location_id, task.item_id, quant_id=task.quant_id)
        now = utcnow()
        task.counted_quantity, task.counted_by, task.counted_at = counted_quantity, actor.id, now
        result = CountResult(task.id, task.status, book, counted_quantity)
        if counted_quantity == book:
            task.status = result.status = PICK_TASK.next(task.status, PickTaskAction.COUNT).value
        else:
            _count_exception(actor, order, task, result, reason, note)
        result.count_complete = _finish_count_if_done(order, actor)
        result.stage = order.stage
        wave_after_count(order)
        if Permission.STOCK_ADJUST not in permissions_of(actor.role):
            result.book_quantity = None  # the count is blind (R8): a picker's answer never tells the book
        return result

    return run_in_transaction(use_case)


@dataclass(frozen=True)
class ScanCheck:
    """S2 step 1 before the count: the scans given so far all match the task."""

    task_id: int
    checked: list[str]


def check_scans(actor: User, task_id: int, *, location: str | None = None, item: str | None = None,
                lot: str | None = None) -> ScanCheck:
    """S2 step 1, a scan at the bin checked without a count: the handheld beeps right or wrong.

    The checks are those of ``confirm_count`` (``check_scans_at_bin``), on the scans
    given; nothing is written and nothing is locked.
    """
    require(actor.role, Permission.PICK)
    task = db.session.get(PickTask, task_id)
    if task is None:
        raise PickTaskNotFound(task_id=task_id)
    order = db.session.get(SalesOrder, task.order_id)
    return ScanCheck(task_id, check_scans_at_bin(order, task, location=location, item=item, lot=lot,
                                                 confirming=False))


def check_scans_at_bin(order: SalesOrder, task: PickTask, *, location: str | None, item: str | None,
                       lot: str | None, confirming: bool) -> list[str]:
    """S2 step 1: the order may be counted, the task is open, and the scans are its bin, item and lot.

    The one set of checks of a count at the bin, run by the count itself
    (``confirming``: bin and item are scanned, a lot-tracked item needs its lot) and by
    the check of single scans before it (only the scans given). Raises the refusal of
    the first that fails; answers the scans that matched.
    """
    if order.status != OrderStatus.APPROVED:
        check_valid_for_shipping(order.status, [])
    check_step_allowed(order.stage, Step.COUNT)
    if not PICK_TASK.allows(task.status, PickTaskAction.COUNT):
        raise PickTaskClosed(task_id=task.id, status=task.status,
                             expected=PICK_TASK.states_allowing(PickTaskAction.COUNT))
    checked = []
    if location is not None or confirming:
        bin_code = db.session.execute(sa.select(Location.code).where(Location.id == task.location_id)).scalar_one()
        if (location or "").strip() != bin_code:
            raise PickWrongLocation(expected=bin_code, scanned=location)
        checked.append("location")
    if item is not None or confirming:
        try:
            scanned_item = resolve_item_id(item or "")
        except UnknownBarcode:
            raise PickWrongItem(scanned=item) from None
        if scanned_item != task.item_id:
            raise PickWrongItem(scanned=item)
        checked.append("item")
    if lot is not None or confirming:
        lot_code = db.session.execute(sa.select(Lot.code).where(Lot.id == task.lot_id)).scalar_one()
        if lot is not None and lot.strip() != lot_code:
            raise PickWrongLot(expected=lot_code, scanned=lot)
        if lot is None and db.session.execute(
                sa.select(Item.lot_tracked).where(Item.id == task.item_id)).scalar_one():
            raise LotRequired("Scan the lot of this lot-tracked item.", lots=[lot_code])
        if lot is not None:
            checked.append("lot")
    return checked


def _count_exception(actor: User, order: SalesOrder, task: PickTask, result: CountResult,
                     reason: CountReason, note: str | None) -> None:
    """A count difference: free the task, ask for a cycle count, re-allocate or hold."""
    book, counted = result.book_quantity, result.counted_quantity
    task.status = PICK_TASK.next(task.status, PickTaskAction.REPORT_DIFFERENCE).value
    release_reservation(task.quant_id, task.quantity)
    line = db.session.get(SalesOrderLine, task.line_id)
    line.allocated -= task.quantity
    exception = CountException(
        order_id=order.id, task_id=task.id, item_id=task.item_id, lot_id=task.lot_id,
        location_id=task.location_id, book_quantity=book, counted_quantity=counted,
        resolution=CountResolution.HELD.value, reason=reason.value, note=note, user_id=actor.id, at=utcnow(),
    )
    db.session.add(exception)
    db.session.flush()
    already = db.session.execute(
        sa.select(CycleCountTask).where(
            CycleCountTask.location_id == task.location_id, CycleCountTask.item_id == task.item_id,
            CycleCountTask.status.in_([s.value for s in CYCLE_COUNT_ACTIVE]))
    ).scalars().first()
    if already is not None and already.count_exception_id is None:
        # a planned or ordered count of this bin: the difference makes it hold the stock now
        already.count_exception_id = exception.id
        db.session.flush()
    if already is None:
        db.session.add(CycleCountTask(
            location_id=task.location_id, item_id=task.item_id, status=CycleCountStatus.OPEN.value,
            reason=difference_reason(reason, order.number, note, book=book, counted=counted),
            count_exception_id=exception.id,
        ))
        db.session.flush()
    report = allocate_lines(order, [line])
    exception.resolution = (CountResolution.REALLOCATED if report.fully_allocated else CountResolution.HELD).value
    result.status, result.count_exception_id = task.status, exception.id
    result.resolution, result.short, result.reason = exception.resolution, report.shortage, reason.value


def _finish_count_if_done(order: SalesOrder, actor: User) -> bool:
    still_open = db.session.execute(
        sa.select(PickTask.id).where(PickTask.order_id == order.id, PickTask.status == PickTaskStatus.OPEN)
        .limit(1)
    ).first()
    if still_open or any(line.allocated < line.quantity for line in order.lines):
        return False
    record_step(order, Step.COUNT, actor)
    return True


# --- step 2: verify (核对) ------------------------------------------------------------


@dataclass(frozen=True)
class Scan:
    """One verify scan: an item code, its lot when several are on the document, a quantity."""

    item: str
    quantity: int = 1
    lot: str | None = None


@dataclass(frozen=True)
class VerifyLine:
    """One item and lot of the parcel: units counted to it, scanned so far, still missing."""

    sku: str
    item_name: str
    lot: str
    quantity: int
    scanned: int
    missing: int


@dataclass(frozen=True)
class VerifyResult:
    """S2 step 2 after a scan or a batch: complete when every counted unit was scanned.

    ``lines`` says per item and lot what was scanned and what is missing, so a station
    that reloads mid-verify shows the same counts.
    """

    number: str
    complete: bool
    stage: str
    remaining: int
    lines: list[VerifyLine]


def verify_scan(actor: User, number: str, *, item: str, quantity: int, lot: str | None = None) -> VerifyResult:
    """S2 step 2: one scan checked against the document: item, lot and quantity exactly.

    A wrong item, a wrong lot and too many units are refused with distinct codes; the
    step completes when every counted unit has been scanned.
    """
    return verify_scans(actor, number, [Scan(item, quantity, lot)])


def verify_scans(actor: User, number: str, scans: list[Scan]) -> VerifyResult:
    """S2 step 2 for a batch of scans (a packing station's parcel): all or none accepted."""
    require(actor.role, Permission.VERIFY)
    for scan in scans:
        if not isinstance(scan.quantity, int) or isinstance(scan.quantity, bool) or scan.quantity <= 0:
            raise InvalidInput("Quantities are positive whole numbers.", field="quantity")
    if not scans:
        raise InvalidInput("Send at least one scan.", field="scans")

    def use_case() -> VerifyResult:
        order = find_order(number, lock=True)
        if order.status != OrderStatus.APPROVED:
            check_valid_for_shipping(order.status, [])
        check_step_allowed(order.stage, Step.VERIFY)
        expected, scanned = _verify_tally(order)
        lots_of: dict[int, dict[int, int]] = defaultdict(dict)
        for (item_id, lot_id), qty in expected.items():
            lots_of[item_id][lot_id] = qty
        rows = []
        now = utcnow()
        codes = resolve_item_ids([scan.item for scan in scans], must_exist=False)
        lot_codes = _lot_ids_of(lots_of)
        for index, scan in enumerate(scans):
            item_id, lot_id = _check_scan(scan, lots_of, scanned, index, codes, lot_codes)
            scanned[(item_id, lot_id)] = scanned.get((item_id, lot_id), 0) + scan.quantity
            rows.append(dict(order_id=order.id, item_id=item_id, lot_id=lot_id, quantity=scan.quantity,
                             user_id=actor.id, at=now))
        db.session.execute(sa.insert(VerifyScan), rows)
        complete = scanned == expected
        if complete:
            record_step(order, Step.VERIFY, actor)
        db.session.flush()
        return _verify_result(order, expected, scanned, complete)

    return run_in_transaction(use_case)


def verify_progress(actor: User, number: str) -> VerifyResult:
    """S2 step 2 so far, as the last scan answered it (a station reopening the order mid-verify)."""
    require_any(actor.role, Permission.VERIFY, Permission.SHIP)
    order = find_order(number)
    expected, scanned = _verify_tally(order)
    done = order.stage in (Stage.VERIFIED, Stage.SHIPPED, Stage.DEDUCTED)
    return _verify_result(order, expected, scanned, done)


def _verify_result(order: SalesOrder, expected: dict, scanned: dict, complete: bool) -> VerifyResult:
    keys = sorted(expected)
    items = {i.id: i for i in db.session.execute(
        sa.select(Item).where(Item.id.in_({k[0] for k in keys}))).scalars()} if keys else {}
    lots = {lot_id: code for lot_id, code in db.session.execute(
        sa.select(Lot.id, Lot.code).where(Lot.id.in_({k[1] for k in keys})))} if keys else {}
    lines = [
        VerifyLine(items[item_id].sku, items[item_id].name, lots.get(lot_id, ""),
                   qty, scanned.get((item_id, lot_id), 0), qty - scanned.get((item_id, lot_id), 0))
        for item_id, lot_id in keys for qty in (expected[(item_id, lot_id)],)
    ]
    lines.sort(key=lambda line: (line.sku, line.lot))
    return VerifyResult(order.number, complete, order.stage, sum(expected.values()) - sum(scanned.values()), lines)


def _check_scan(scan: Scan, lots_of: dict, scanned: dict, index: int, codes: dict[str, int],
                lot_codes: dict[tuple[int, str], int]) -> tuple[int, int]:
    """The (item, lot) a scan counts for, or the refusal that says what is wrong."""
    item_id = codes.get(scan.item.strip())
    if item_id is None:
        raise VerifyWrongItem(scanned=scan.item, scan=index)
    lots = lots_of.get(item_id)
    if not lots:
        raise VerifyWrongItem(scanned=scan.item, scan=index)
    if scan.lot is not None:
        lot_id = lot_codes.get((item_id, scan.lot.strip()))
        if lot_id not in lots:
            raise VerifyWrongLot(scanned=scan.lot, expected=_lot_codes(lots), scan=index)
    elif len(lots) == 1:
        lot_id = next(iter(lots))
    else:
        raise VerifyLotRequired(lots=_lot_codes(lots), scan=index)
    already = scanned.get((item_id, lot_id), 0)
    if already + scan.quantity > lots[lot_id]:
        raise VerifyTooMany(expected=lots[lot_id], already_scanned=already, scanned=scan.quantity, scan=index)
    return item_id, lot_id


def _lot_ids_of(lots_of: dict[int, dict[int, int]]) -> dict[tuple[int, str], int]:
    """(item id, lot code) -> lot id for the lots on the document."""
    lot_ids = [lot_id for lots in lots_of.values() for lot_id in lots]
    result: dict[tuple[int, str], int] = {}
    for start in range(0, len(lot_ids), 500):
        for lot_id, item_id, code in db.session.execute(
            sa.select(Lot.id, Lot.item_id, Lot.code).where(Lot.id.in_(lot_ids[start:start + 500]))
        ):
            result[(item_id, code)] = lot_id
    return result


def _verify_tally(order: SalesOrder) -> tuple[dict, dict]:
    expected: dict[tuple[int, int], int] = defaultdict(int)
    for item_id, lot_id, qty in db.session.execute(
        sa.select(PickTask.item_id, PickTask.lot_id, PickTask.quantity)
        .where(PickTask.order_id == order.id, PickTask.status == PickTaskStatus.COUNTED)
    ):
        expected[(item_id, lot_id)] += qty
    scanned: dict[tuple[int, int], int] = defaultdict(int)
    for item_id, lot_id, qty in db.session.execute(
        sa.select(VerifyScan.item_id, VerifyScan.lot_id, VerifyScan.quantity)
        .where(VerifyScan.order_id == order.id)
    ):
        scanned[(item_id, lot_id)] += qty
    return dict(expected), dict(scanned)


def _lot_codes(lot_ids) -> list[str]:
    return sorted(db.session.execute(sa.select(Lot.code).where(Lot.id.in_(list(lot_ids)))).scalars())


# --- steps 3 and 4: ship (发货) and deduct (减数), one transaction ---------------------


@dataclass
class ShipResult:
    """What the ship step did: the order's state, the ledger movement, the parcel's weight
    and the label job queued for the station's printer (None without a printer)."""

    number: str
    status: str
    stage: str
    movement_id: str
    shipped_at: datetime
    weight_grams: int
    weight_source: str
    weighed_at: datetime
    station: str | None
    label_job: PrintJobView | None = None
    # the weight check: passed, overridden (by a supervisor) or unchecked (an item has no weight)
    weight_check: str | None = None
    expected_weight_grams: int | None = None
    weight_tolerance_grams: int | None = None
    packaging: str | None = None
    weight_override_id: int | None = None


def ship_order(
    actor: User, number: str, *, carrier: str | None = None, tracking_number: str | None = None,
    reading: WeightReading | Exception | None,
    shipper_signature: str, carrier_signature: str | None = None, label_station: str | None = None,
    packaging: str | None = None, handover_mode: str = HandoverMode.IN_PERSON.value,
) -> ShipResult:
    """S2 steps 3 and 4: hand over with both signatures, and deduct, atomically.

    Inside this one transaction: the order row is locked, the S4 gate is passed, the
    document is checked (S3) with the holds then in force (S4) and its exchange notice
    (S6), the handover is recorded with the weight ``reading`` taken before (no device is
    read here; a failed reading is passed as its error and raised here), the ledger is
    decremented from the reservations and, with a ``label_station`` that has a printer, the
    parcel's label is queued for it (sent by
    ``print_queue.deliver`` after the commit). The measured weight is checked against the
    order's units and the ``packaging``'s tare (``parcel_weight``); outside the tolerance,
    without a supervisor's override, it is refused and nothing is written.

    ``handover_mode``: ``in_person`` (the default, as before) needs the courier's
    signature; ``manifest`` does not, the driver signs the pickup's manifest instead.
    """
    require(actor.role, Permission.SHIP)
    if handover_mode not in tuple(HandoverMode):
        raise InvalidInput(f"handover is one of {[m.value for m in HandoverMode]}.", field="handover")
    given = {"shipper_signature": shipper_signature, "carrier_signature": carrier_signature}
    for field in required_signatures(handover_mode):
        if not given[field] or not given[field].strip():
            raise InvalidInput(f"The handover needs {field.replace('_', ' ')}.", field=field)
    carrier_signature = (carrier_signature or "").strip()  # empty: the driver signs the manifest
    # The courier is master data: an active courier's code and a number fitting its pattern,
    # or the order's electronic waybill (omitted values are the waybill's).
    carrier, tracking_number = handover_courier(number, carrier, tracking_number)

    def use_case() -> ShipResult:
        # Refused inside the transaction, after its Idempotency-Key is claimed: a retry of a
        # parcel that shipped (and has left the scale) gets the first answer again.
        if isinstance(reading, Exception):
            raise reading
        if not isinstance(reading, WeightReading):
            raise InvalidWeight("Give the parcel's weight or the packing station whose scale weighs it.")
        order = find_order(number, lock=True)
        pass_hold_gate()
        holds = holds_covering(order)
        check_valid_for_shipping(order.status, holds, hold_reasons(holds))
        check_exchange(order)
        check_step_allowed(order.stage, Step.SHIP)
        used = db.session.execute(
            sa.select(Handover.id)
            .where(Handover.carrier == carrier, Handover.tracking_number == tracking_number)
        ).first()
        if used:
            raise TrackingNumberTaken(carrier=carrier, tracking_number=tracking_number)
        other = db.session.execute(  # another order's electronic waybill: that parcel would never ship
            sa.select(SalesOrder.number).join(Waybill, Waybill.order_id == SalesOrder.id)
            .join(Courier, Courier.id == Waybill.courier_id)
            .where(Courier.code == carrier, Waybill.tracking_number == tracking_number,
                   Waybill.order_id != order.id)).scalar_one_or_none()
        if other is not None:
            raise TrackingNumberTaken(carrier=carrier, tracking_number=tracking_number, order=other)
        weighing = weigh_against_order(order, reading.grams, packaging)
        now = utcnow()
        record_step(order, Step.SHIP, actor, detail=f"{carrier} {tracking_number}")
        handover = Handover(
            order_id=order.id, carrier=carrier, tracking_number=tracking_number, weight_grams=reading.grams,
            weight_source=WeightSource(reading.source).value, shipper_signature=shipper_signature.strip(),
            carrier_signature=carrier_signature, handover_mode=HandoverMode(handover_mode).value,
            shipped_by=actor.id, shipped_at=now,
        )
        record_on_handover(handover, weighing)
        db.session.add(handover)
        movement = post_movement(actor, MovementKind.SHIP, _ship_changes(order),
                                 document_type=DocumentType.SALES_ORDER, document_id=order.number)
        handover.movement_id = movement.movement_id
        record_step(order, Step.DEDUCT, actor, detail=movement.movement_id)
        order.status = next_order_status(order.status, OrderAction.SHIP).value
        order.closed_at = now
        if order.kind == OrderKind.EXCHANGE:
            change_exchange_notice(db.session.get(ExchangeNotice, order.exchange_notice_id), ExchangeAction.USE)
        db.session.flush()
        result = ShipResult(order.number, order.status, order.stage, movement.movement_id, now, reading.grams,
                            handover.weight_source, reading.read_at, reading.station,
                            weight_check=weighing.check.value, expected_weight_grams=weighing.expected.grams,
                            weight_tolerance_grams=weighing.expected.tolerance_grams,
                            packaging=weighing.packaging_code, weight_override_id=weighing.override_id)
        if label_station is not None:
            station = find_station(label_station)
            if station.printer_url is not None:
                job = queue_label(station, LabelKind.SHIPPING, label_data(order, handover),
                                  document=(DocumentType.SALES_ORDER.value, order.number), created_by=actor.id)
                result.label_job = job_view(job)
        return result

    return run_in_transaction(use_case)


def _ship_changes(order: SalesOrder) -> list[StockChange]:
    tasks = db.session.execute(
        sa.select(PickTask).where(PickTask.order_id == order.id, PickTask.status == PickTaskStatus.COUNTED)
        .order_by(PickTask.id)
    ).scalars().all()
    customer = virtual_location(order.warehouse_id, LocationType.CUSTOMER)
    places = {
        loc.id: Place.of(loc) for loc in db.session.execute(
            sa.select(Location).where(Location.id.in_({t.location_id for t in tasks}))
        ).scalars()
    }
    merged: dict[tuple[int, int, int, int], int] = defaultdict(int)
    for t in tasks:
        merged[(t.item_id, t.lot_id, t.owner_id, t.location_id)] += t.quantity
    return [
        StockChange(item_id, lot_id, owner_id, places[location_id], customer, qty, from_reserved=True)
        for (item_id, lot_id, owner_id, location_id), qty in merged.items()
    ]
