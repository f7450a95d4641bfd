"""Outbound use cases: shipping documents, pick lists and waves, and the four steps of
shipping (rule S2: count, verify, ship, deduct), each one transaction.

The step table lives in ``wms.domain.shipping``; this module loads rows, asks the
table, and writes what happened with who and when. The ship step checks the document
(S3), the hold notices (S4) and the exchange notice (S6) inside the same transaction
that hands the parcel over and decrements the ledger (S2 steps 3 and 4).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from wms.domain.locations import LocationType
from wms.domain.permissions import Permission, permissions_of, require, require_any
from wms.domain.shipping import (
    WEIGHT_SOURCES,
    OrderAction,
    OrderStatus,
    Stage,
    Step,
    check_step_allowed,
    check_valid_for_shipping,
    grams_as_kg,
    mask_address,
    mask_name,
    mask_phone,
    next_order_status,
    weight_in_grams,
)
from wms.errors import (
    DomainError,
    ExchangeNoticeInvalid,
    InvalidInput,
    InvalidWeight,
    LotRequired,
    NotFound,
    OrderNumberTaken,
    OrderStateInvalid,
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
    WaveNotFound,
)
from wms.extensions import db
from wms.models import (
    CountException,
    Customer,
    CycleCountTask,
    ExchangeNotice,
    Handover,
    Item,
    ItemBarcode,
    Location,
    Lot,
    Owner,
    PickTask,
    SalesOrder,
    SalesOrderLine,
    ShippingStep,
    User,
    VerifyScan,
    Warehouse,
    Wave,
)
from wms.models.stock import MovementKind, StockQuant
from wms.models.types import utcnow
from wms.services.shipping_allocation import allocate_lines
from wms.services.shipping_common import (
    cancel_open_tasks,
    find_order,
    holds_covering,
    next_number,
    pass_hold_gate,
    record_step,
    release_reservation,
)
from wms.services.stations import print_label, read_scale
from wms.services.stock import Place, StockChange, post_movement, resolve_item_id, virtual_location
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import day_bounds, warehouse_today  # noqa: F401 (re-exported)

quants = StockQuant.__table__
DOCUMENT_TYPE = "sales_order"

READERS = (Permission.OUTBOUND_DOCUMENT_WRITE, Permission.OUTBOUND_APPROVE, Permission.ALLOCATE,
           Permission.PICK, Permission.VERIFY, Permission.SHIP, Permission.REPORT_READ)


# --- documents ----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLineInput:
    """One line as a client or a file sends it: a scanned code or SKU and a quantity."""

    item: str
    quantity: int


def resolve_warehouse(code: str | None) -> Warehouse:
    """The warehouse by code; without a code, the only warehouse there is."""
    if code:
        warehouse = db.session.execute(
            sa.select(Warehouse).where(Warehouse.code == code)
        ).scalar_one_or_none()
        if warehouse is None:
            raise NotFound(f"No warehouse '{code}'.", warehouse=code)
        return warehouse
    warehouses = db.session.execute(sa.select(Warehouse).limit(2)).scalars().all()
    if len(warehouses) != 1:
        raise InvalidInput("Name the warehouse: there is not exactly one.", field="warehouse")
    return warehouses[0]


def build_order(
    actor: User, *, number: str, lines: list[OrderLineInput], recipient_name: str,
    recipient_phone: str | None = None, recipient_address: str | None = None,
    customer_code: str | None = None, owner_code: str | None = None, warehouse_code: str | None = None,
    kind: str = "sale", exchange_notice_id: int | None = None,
) -> SalesOrder:
    """Add a draft shipping document in the current transaction (no permission check)."""
    number = number.strip()
    if not number:
        raise InvalidInput("The order number is empty.", field="number")
    if not lines:
        raise InvalidInput("A shipping document needs at least one line.", field="lines")
    taken = db.session.execute(sa.select(SalesOrder.id).where(SalesOrder.number == number)).first()
    if taken:
        raise OrderNumberTaken(number=number)
    warehouse = resolve_warehouse(warehouse_code)
    customer_id = None
    if customer_code:
        customer_id = db.session.execute(
            sa.select(Customer.id).where(Customer.code == customer_code)
        ).scalar_one_or_none()
        if customer_id is None:
            raise NotFound(f"No customer '{customer_code}'.", customer=customer_code)
    owner_id = None
    if owner_code:
        owner = db.session.execute(sa.select(Owner).where(Owner.code == owner_code)).scalar_one_or_none()
        if owner is None:
            raise NotFound(f"No owner '{owner_code}'.", owner=owner_code)
        owner_id = owner.id
    order = SalesOrder(
        number=number, kind=kind, warehouse_id=warehouse.id, customer_id=customer_id, owner_id=owner_id,
        exchange_notice_id=exchange_notice_id, recipient_name=recipient_name.strip(),
        recipient_phone=recipient_phone, recipient_address=recipient_address,
        status=OrderStatus.DRAFT.value, stage=Stage.PENDING.value, created_by=actor.id, created_at=utcnow(),
    )
    for line_no, line in enumerate(lines, start=1):
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity <= 0:
            raise InvalidInput("Quantities are positive whole numbers.", line=line_no)
        order.lines.append(SalesOrderLine(line_no=line_no, item_id=resolve_item_id(line.item),
                                          quantity=line.quantity, allocated=0))
    db.session.add(order)
    db.session.flush()
    return order


def create_order(actor: User, **data) -> SalesOrder:
    """Create a draft shipping document (S5: the document comes before the goods move)."""
    require(actor.role, Permission.OUTBOUND_DOCUMENT_WRITE)
    lines = [OrderLineInput(line["item"], line["quantity"]) for line in data.pop("lines")]
    return run_in_transaction(lambda: build_order(actor, lines=lines, **data))


def approve_order(actor: User, number: str) -> SalesOrder:
    """Approve a draft: from now on it may be allocated, picked and shipped (S3)."""
    require(actor.role, Permission.OUTBOUND_APPROVE)

    def use_case() -> SalesOrder:
        order = find_order(number, lock=True)
        order.status = next_order_status(order.status, OrderAction.APPROVE).value
        order.approved_by, order.approved_at = actor.id, utcnow()
        db.session.flush()
        return order

    return run_in_transaction(use_case)


def cancel_order(actor: User, number: str, reason: str) -> SalesOrder:
    """Cancel a document that has not shipped; its reservations go back to free stock."""
    require(actor.role, Permission.OUTBOUND_DOCUMENT_WRITE)
    if not reason or not reason.strip():
        raise InvalidInput("A cancellation needs a reason.", field="reason")

    def use_case() -> SalesOrder:
        order = find_order(number, lock=True)
        if order.status == OrderStatus.APPROVED:
            require(actor.role, Permission.OUTBOUND_APPROVE)
        order.status = next_order_status(order.status, OrderAction.CANCEL).value
        cancel_open_tasks(order)
        order.cancelled_by, order.cancelled_at = actor.id, utcnow()
        order.cancel_reason = reason.strip()
        order.closed_at = order.cancelled_at
        if order.kind == "exchange" and order.exchange_notice_id:
            notice = db.session.get(ExchangeNotice, order.exchange_notice_id)
            if notice is not None and notice.status == "issued":
                notice.status = "cancelled"
        db.session.flush()
        return order

    return run_in_transaction(use_case)


def validity(actor: User, number: str) -> dict:
    """Rule S3 as a question: may this document ship now, and if not, why not."""
    require_any(actor.role, *READERS)
    order = find_order(number)
    try:
        check_valid_for_shipping(order.status, holds_covering(order))
        _check_exchange(order)
    except DomainError as refusal:
        return {"number": number, "valid": False, "code": refusal.code, "message": refusal.message,
                "details": refusal.details}
    return {"number": number, "valid": True, "code": None, "message": "The document may ship.",
            "details": {}}


def _handover_of(order: SalesOrder) -> Handover | None:
    return db.session.execute(
        sa.select(Handover).where(Handover.order_id == order.id)
    ).scalar_one_or_none()


def _check_exchange(order: SalesOrder) -> None:
    """Rule S6: exchange goods ship only against a valid, system-issued notice."""
    if order.kind != "exchange":
        return
    notice = db.session.get(ExchangeNotice, order.exchange_notice_id) if order.exchange_notice_id else None
    if notice is None or notice.status != "issued":
        raise ExchangeNoticeInvalid(notice=notice.number if notice else None,
                                    status=notice.status if notice else None)
    original = db.session.get(SalesOrder, notice.original_order_id)
    if original is None or original.status != OrderStatus.SHIPPED:
        raise ExchangeNoticeInvalid("The exchange notice's original order is not shipped.",
                                    notice=notice.number)


def order_view(actor: User, number: str) -> dict:
    """A document with its lines, tasks, steps, handover and the holds that stop it."""
    require_any(actor.role, *READERS)
    order = find_order(number)
    return _order_view(order, unmasked=Permission.OUTBOUND_DOCUMENT_WRITE in permissions_of(actor.role))


def _order_view(order: SalesOrder, *, unmasked: bool) -> dict:
    items = {i.id: i for i in db.session.execute(
        sa.select(Item).where(Item.id.in_([line.item_id for line in order.lines]))
    ).scalars()}
    steps = db.session.execute(
        sa.select(ShippingStep, User.username).join(User, User.id == ShippingStep.user_id)
        .where(ShippingStep.order_id == order.id).order_by(ShippingStep.id)
    ).all()
    handover = _handover_of(order)
    customer = db.session.get(Customer, order.customer_id) if order.customer_id else None
    notice = db.session.get(ExchangeNotice, order.exchange_notice_id) if order.exchange_notice_id else None
    return {
        "number": order.number, "kind": order.kind, "status": order.status, "stage": order.stage,
        "customer_code": customer.code if customer else None,
        "recipient_name": order.recipient_name if unmasked else mask_name(order.recipient_name),
        "recipient_phone": order.recipient_phone if unmasked else mask_phone(order.recipient_phone),
        "recipient_address": order.recipient_address if unmasked else mask_address(order.recipient_address),
        "exchange_notice": notice.number if notice else None,
        "created_at": order.created_at, "approved_at": order.approved_at, "cancelled_at": order.cancelled_at,
        "lines": [
            {"line_no": line.line_no, "item_id": line.item_id, "sku": items[line.item_id].sku,
             "item_name": items[line.item_id].name, "quantity": line.quantity, "allocated": line.allocated}
            for line in order.lines
        ],
        "tasks": _task_rows(sa.select(PickTask).where(PickTask.order_id == order.id)),
        "steps": [
            {"step": s.step, "user": username, "at": s.at, "detail": s.detail} for s, username in steps
        ],
        "handover": None if handover is None else {
            "carrier": handover.carrier, "tracking_number": handover.tracking_number,
            "weight_grams": handover.weight_grams, "weight_kg": grams_as_kg(handover.weight_grams),
            "weight_source": handover.weight_source, "shipped_at": handover.shipped_at,
            "movement_id": handover.movement_id,
        },
        "holds": holds_covering(order) if order.status in (OrderStatus.DRAFT, OrderStatus.APPROVED) else [],
    }


def list_orders(actor: User, filters: dict, page: int, page_size: int):
    """Shipping documents, newest first, filtered by status, stage or kind."""
    from wms.services.queries import paginate

    require_any(actor.role, *READERS)
    stmt = sa.select(SalesOrder).order_by(SalesOrder.id.desc())
    for column in ("status", "stage", "kind"):
        if filters.get(column):
            stmt = stmt.where(getattr(SalesOrder, column) == filters[column])
    orders, total = paginate(stmt, page, page_size)
    rows = [{"number": o.number, "kind": o.kind, "status": o.status, "stage": o.stage,
             "recipient_name": mask_name(o.recipient_name), "created_at": o.created_at} for o in orders]
    return rows, total


# --- waves and pick lists -------------------------------------------------------------


def create_wave(actor: User, order_numbers: list[str], picker: str | None = None) -> dict:
    """Group approved orders into one walk; optionally assign it to a picker."""
    require(actor.role, Permission.ALLOCATE)

    def use_case() -> dict:
        picker_id = None
        if picker:
            picker_id = db.session.execute(
                sa.select(User.id).where(User.username == picker)
            ).scalar_one_or_none()
            if picker_id is None:
                raise NotFound(f"No user '{picker}'.", user=picker)
        orders = [find_order(n, lock=True) for n in sorted(set(order_numbers))]
        if not orders:
            raise InvalidInput("A wave needs at least one order.", field="orders")
        warehouses = {o.warehouse_id for o in orders}
        if len(warehouses) != 1:
            raise InvalidInput("A wave's orders are in one warehouse.", field="orders")
        for order in orders:
            if order.status != OrderStatus.APPROVED or order.stage != Stage.PENDING:
                raise OrderStateInvalid(f"Order {order.number} is not waiting to be picked.",
                                        number=order.number, status=order.status, stage=order.stage)
        wave = Wave(number=next_number("wave"), warehouse_id=warehouses.pop(), picker_id=picker_id,
                    created_by=actor.id, created_at=utcnow())
        db.session.add(wave)
        db.session.flush()
        for order in orders:
            order.wave_id = wave.id
        return {"number": wave.number, "orders": [o.number for o in orders], "picker": picker}

    return run_in_transaction(use_case)


def pick_list(actor: User, *, order_number: str | None = None, wave_number: str | None = None) -> list[dict]:
    """Open pick tasks in walking order (Location.path_order): bin, item, lot, quantity."""
    require(actor.role, Permission.PICK)
    stmt = sa.select(PickTask).join(SalesOrder, SalesOrder.id == PickTask.order_id).where(
        PickTask.status == "open"
    )
    if order_number:
        stmt = stmt.where(SalesOrder.id == find_order(order_number).id)
    elif wave_number:
        wave_id = db.session.execute(
            sa.select(Wave.id).where(Wave.number == wave_number)
        ).scalar_one_or_none()
        if wave_id is None:
            raise WaveNotFound(number=wave_number)
        stmt = stmt.where(SalesOrder.wave_id == wave_id)
    else:
        raise InvalidInput("Ask for the pick list of an order or of a wave.")
    return _task_rows(stmt)


def _task_rows(task_stmt: sa.Select) -> list[dict]:
    tasks = task_stmt.subquery()
    first_barcode = (
        sa.select(ItemBarcode.code).where(ItemBarcode.item_id == tasks.c.item_id)
        .order_by(ItemBarcode.id).limit(1).scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(tasks, Location.code.label("location_code"), Location.path_order, Item.sku,
                  Item.name.label("item_name"), Lot.code.label("lot_code"), Lot.expiry_date,
                  SalesOrder.number.label("order_number"), first_barcode.label("barcode"))
        .join(Location, Location.id == tasks.c.location_id)
        .join(Item, Item.id == tasks.c.item_id)
        .join(Lot, Lot.id == tasks.c.lot_id)
        .join(SalesOrder, SalesOrder.id == tasks.c.order_id)
        .order_by(Location.path_order, Location.code, Item.sku, Lot.received_at, tasks.c.id)
    ).all()
    holds: dict[int, list[str]] = {}
    result = []
    for r in rows:
        if r.order_id not in holds:
            holds[r.order_id] = holds_covering(db.session.get(SalesOrder, r.order_id))
        result.append({
            "task_id": r.id, "order_number": r.order_number, "location": r.location_code,
            "path_order": r.path_order, "item_id": r.item_id, "sku": r.sku, "item_name": r.item_name,
            "barcode": r.barcode, "lot": r.lot_code, "expiry_date": r.expiry_date, "quantity": r.quantity,
            "status": r.status, "counted_quantity": r.counted_quantity, "holds": holds[r.order_id],
        })
    return result


# --- step 1: count (盘点) -------------------------------------------------------------


def confirm_count(
    actor: User, task_id: int, *, location: str, item: str, counted_quantity: int, lot: str | None = None,
) -> dict:
    """S2 step 1: at the bin, scan bin then item, and confirm the quantity there.

    The count must equal the book quantity of that lot in that bin; a difference opens a
    count exception and a cycle-count task, and the line is re-allocated elsewhere or,
    when nothing else is free, held short (never shipped short).
    """
    require(actor.role, Permission.PICK)
    if not isinstance(counted_quantity, int) or isinstance(counted_quantity, bool) or counted_quantity < 0:
        raise InvalidInput("The counted quantity is a whole number, 0 or more.", field="counted_quantity")

    def use_case() -> dict:
        task = db.session.get(PickTask, task_id)
        if task is None:
            raise PickTaskNotFound(task_id=task_id)
        order = db.session.execute(
            sa.select(SalesOrder).where(SalesOrder.id == task.order_id)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        db.session.refresh(task)
        if order.status != OrderStatus.APPROVED:
            check_valid_for_shipping(order.status, [])
        check_step_allowed(order.stage, Step.COUNT)
        if task.status != "open":
            raise PickTaskClosed(task_id=task_id, status=task.status)
        bin_ = db.session.get(Location, task.location_id)
        if location.strip() != bin_.code:
            raise PickWrongLocation(expected=bin_.code, scanned=location)
        try:
            scanned_item = resolve_item_id(item)
        except UnknownBarcode:
            raise PickWrongItem(scanned=item) from None
        if scanned_item != task.item_id:
            raise PickWrongItem(scanned=item)
        lot_row = db.session.get(Lot, task.lot_id)
        item_row = db.session.get(Item, task.item_id)
        if lot is not None and lot.strip() != lot_row.code:
            raise PickWrongLot(expected=lot_row.code, scanned=lot)
        if lot is None and item_row.lot_tracked:
            raise LotRequired("Scan the lot of this lot-tracked item.", lots=[lot_row.code])
        book = db.session.execute(
            sa.select(quants.c.quantity).where(quants.c.id == task.quant_id)
        ).scalar_one()
        now = utcnow()
        task.counted_quantity, task.counted_by, task.counted_at = counted_quantity, actor.id, now
        result: dict = {"task_id": task.id, "book_quantity": book, "counted_quantity": counted_quantity}
        if counted_quantity == book:
            task.status = "counted"
            result["status"] = "counted"
        else:
            result.update(_count_exception(actor, order, task, book, counted_quantity))
        result["count_complete"] = _finish_count_if_done(order, actor)
        result["stage"] = order.stage
        return result

    return run_in_transaction(use_case)


def _count_exception(actor: User, order: SalesOrder, task: PickTask, book: int, counted: int) -> dict:
    """A count difference: free the task, ask for a cycle count, re-allocate or hold."""
    task.status = "exception"
    release_reservation(task.quant_id, task.quantity)
    line = db.session.get(SalesOrderLine, task.line_id)
    line.allocated -= task.quantity
    exception = CountException(
        order_id=order.id, task_id=task.id, item_id=task.item_id, lot_id=task.lot_id,
        location_id=task.location_id, book_quantity=book, counted_quantity=counted,
        resolution="held", user_id=actor.id, at=utcnow(),
    )
    db.session.add(exception)
    db.session.flush()
    already = db.session.execute(
        sa.select(CycleCountTask.id).where(
            CycleCountTask.location_id == task.location_id, CycleCountTask.item_id == task.item_id,
            CycleCountTask.status == "open")
    ).first()
    if not already:
        db.session.add(CycleCountTask(
            location_id=task.location_id, item_id=task.item_id, status="open",
            reason=f"Count difference on {order.number}: book {book}, counted {counted}",
            count_exception_id=exception.id,
        ))
        db.session.flush()
    report = allocate_lines(order, [line])
    exception.resolution = "reallocated" if report.fully_allocated else "held"
    return {"status": "exception", "count_exception_id": exception.id, "resolution": exception.resolution,
            "short": report.shortage}


def _finish_count_if_done(order: SalesOrder, actor: User) -> bool:
    still_open = db.session.execute(
        sa.select(PickTask.id).where(PickTask.order_id == order.id, PickTask.status == "open").limit(1)
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


def verify_scan(actor: User, number: str, *, item: str, quantity: int, lot: str | None = None) -> dict:
    """S2 step 2: one scan checked against the document: item, lot and quantity exactly.

    A wrong item, a wrong lot and too many units are refused with distinct codes; the
    step completes when every counted unit has been scanned.
    """
    return verify_scans(actor, number, [Scan(item, quantity, lot)])


def verify_scans(actor: User, number: str, scans: list[Scan]) -> dict:
    """S2 step 2 for a batch of scans (a packing station's parcel): all or none accepted."""
    require(actor.role, Permission.VERIFY)
    for scan in scans:
        if not isinstance(scan.quantity, int) or isinstance(scan.quantity, bool) or scan.quantity <= 0:
            raise InvalidInput("Quantities are positive whole numbers.", field="quantity")
    if not scans:
        raise InvalidInput("Send at least one scan.", field="scans")

    def use_case() -> dict:
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
        codes = _resolve_codes({scan.item.strip() for scan in scans})
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
        return {"number": order.number, "complete": complete, "stage": order.stage,
                "remaining": sum(expected.values()) - sum(scanned.values())}

    return run_in_transaction(use_case)


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


def _resolve_codes(codes: set[str]) -> dict[str, int]:
    """Item ids of scanned codes in bulk: barcodes (GTIN, internal) first, then SKUs."""
    found: dict[str, int] = {}
    ordered = sorted(codes)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        found.update({code: item_id for item_id, code in db.session.execute(
            sa.select(Item.id, Item.sku).where(Item.sku.in_(chunk)))})
        found.update({code: item_id for code, item_id in db.session.execute(
            sa.select(ItemBarcode.code, ItemBarcode.item_id).where(ItemBarcode.code.in_(chunk)))})
    return found


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
        .where(PickTask.order_id == order.id, PickTask.status == "counted")
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


def ship_order(
    actor: User, number: str, *, carrier: str, tracking_number: str, weight=None, weight_unit: str = "kg",
    weight_source: str = "manual", shipper_signature: str, carrier_signature: str,
    station: str | None = None,
) -> dict:
    """S2 steps 3 and 4: hand over with both signatures, and deduct, atomically.

    Inside this one transaction: the order row is locked, the S4 gate is passed, the
    document is checked (S3) with the holds then in force (S4) and its exchange notice
    (S6), the handover is recorded and the ledger is decremented from the reservations.
    With ``station`` and no weight, the parcel is weighed on that station's scale.
    """
    require(actor.role, Permission.SHIP)
    if weight is None:
        if station is None:
            raise InvalidWeight("Give the parcel's weight or the packing station whose scale weighs it.")
        reading = read_scale(actor, station, stable=True)
        weight, weight_unit, weight_source = reading.value, reading.unit, "scale"
    grams = weight_in_grams(weight, weight_unit)
    if weight_source not in WEIGHT_SOURCES:
        raise InvalidWeight(f"weight_source must be one of {list(WEIGHT_SOURCES)}.",
                            weight_source=weight_source)
    carrier, tracking_number = carrier.strip(), tracking_number.strip()
    for field, value in (("carrier", carrier), ("tracking_number", tracking_number),
                         ("shipper_signature", shipper_signature), ("carrier_signature", carrier_signature)):
        if not value or not value.strip():
            raise InvalidInput(f"The handover needs {field.replace('_', ' ')}.", field=field)

    def use_case() -> dict:
        order = find_order(number, lock=True)
        pass_hold_gate()
        check_valid_for_shipping(order.status, holds_covering(order))
        _check_exchange(order)
        check_step_allowed(order.stage, Step.SHIP)
        used = db.session.execute(
            sa.select(Handover.id)
            .where(Handover.carrier == carrier, Handover.tracking_number == tracking_number)
        ).first()
        if used:
            raise TrackingNumberTaken(carrier=carrier, tracking_number=tracking_number)
        now = utcnow()
        record_step(order, Step.SHIP, actor, detail=f"{carrier} {tracking_number}")
        handover = Handover(
            order_id=order.id, carrier=carrier, tracking_number=tracking_number, weight_grams=grams,
            weight_source=weight_source, shipper_signature=shipper_signature.strip(),
            carrier_signature=carrier_signature.strip(), shipped_by=actor.id, shipped_at=now,
        )
        db.session.add(handover)
        movement = post_movement(actor, MovementKind.SHIP, _ship_changes(order), document_type=DOCUMENT_TYPE,
                                 document_id=order.number)
        handover.movement_id = movement.movement_id
        record_step(order, Step.DEDUCT, actor, detail=movement.movement_id)
        order.status = next_order_status(order.status, OrderAction.SHIP).value
        order.closed_at = now
        if order.kind == "exchange":
            db.session.get(ExchangeNotice, order.exchange_notice_id).status = "used"
        db.session.flush()
        return {"number": order.number, "status": order.status, "stage": order.stage,
                "movement_id": movement.movement_id, "shipped_at": now, "weight_grams": grams}

    return run_in_transaction(use_case)


def _ship_changes(order: SalesOrder) -> list[StockChange]:
    tasks = db.session.execute(
        sa.select(PickTask).where(PickTask.order_id == order.id, PickTask.status == "counted")
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


def print_shipping_label(actor: User, number: str, station: str, copies: int = 1):
    """Print the parcel's label (masked recipient, tracking barcode) on a station's printer."""
    data = shipping_label(actor, number)
    return print_label(actor, station, "shipping", {
        "tracking": data["tracking_number"], "carrier": data["carrier"], "order": data["order_number"],
        "recipient_name": data["recipient_name"], "recipient_phone": data["recipient_phone"],
        "recipient_address": data["recipient_address"],
    }, copies=copies)


def shipping_label(actor: User, number: str) -> dict:
    """What the label printer needs, personal data masked: carrier, tracking, weight."""
    require_any(actor.role, Permission.SHIP, Permission.VERIFY)
    order = find_order(number)
    handover = _handover_of(order)
    if handover is None:
        raise OrderStateInvalid("The label is made at the ship step; this order has not shipped.",
                                number=number, stage=order.stage)
    return {
        "order_number": order.number, "carrier": handover.carrier,
        "tracking_number": handover.tracking_number,
        "recipient_name": mask_name(order.recipient_name),
        "recipient_phone": mask_phone(order.recipient_phone),
        "recipient_address": mask_address(order.recipient_address),
        "weight": {"grams": handover.weight_grams, "kg": grams_as_kg(handover.weight_grams), "unit": "kg"},
        "weight_source": handover.weight_source, "shipped_at": handover.shipped_at,
    }


# --- rule S7: same-day clearing ---------------------------------------------------------


def open_shipping_documents(actor: User, day: date) -> list[dict]:
    """Rule S7: documents of the day (or earlier) not closed by the day's end, for the report."""
    require(actor.role, Permission.REPORT_READ)
    _, end = day_bounds(day)
    orders = db.session.execute(
        sa.select(SalesOrder)
        .where(SalesOrder.created_at < end)
        .where(sa.or_(SalesOrder.closed_at.is_(None), SalesOrder.closed_at >= end))
        .order_by(SalesOrder.created_at, SalesOrder.id)
    ).scalars().all()
    return [
        {"number": o.number, "kind": o.kind, "status": o.status, "stage": o.stage,
         "created_at": o.created_at, "recipient_name": mask_name(o.recipient_name),
         "holds": holds_covering(o) if o.closed_at is None else []}
        for o in orders
    ]


# --- cycle counts opened by count exceptions ---------------------------------------------


def list_cycle_counts(actor: User, status: str = "open") -> list[dict]:
    """Cycle-count tasks opened by count differences (S2 step 1)."""
    require_any(actor.role, Permission.STOCK_ADJUST, Permission.PICK)
    rows = db.session.execute(
        sa.select(CycleCountTask, Location.code, Item.sku)
        .join(Location, Location.id == CycleCountTask.location_id)
        .join(Item, Item.id == CycleCountTask.item_id)
        .where(CycleCountTask.status == status).order_by(CycleCountTask.id)
    ).all()
    return [{"id": t.id, "location": code, "sku": sku, "status": t.status, "reason": t.reason,
             "created_at": t.created_at} for t, code, sku in rows]


def complete_cycle_count(actor: User, task_id: int) -> dict:
    """Close a cycle count once the bin is counted and adjusted; its stock is allocatable again."""
    require(actor.role, Permission.STOCK_ADJUST)

    def use_case() -> dict:
        task = db.session.get(CycleCountTask, task_id)
        if task is None:
            raise NotFound(f"No cycle count {task_id}.", task_id=task_id)
        if task.status != "open":
            raise OrderStateInvalid("This cycle count is already done.", task_id=task_id)
        task.status = "done"
        db.session.flush()
        return {"id": task.id, "status": task.status}

    return run_in_transaction(use_case)


__all__ = [
    "OrderLineInput", "approve_order", "build_order", "cancel_order", "complete_cycle_count",
    "confirm_count", "create_order", "create_wave", "list_cycle_counts", "list_orders",
    "open_shipping_documents", "order_view", "pick_list", "ship_order", "shipping_label", "validity",
    "verify_scan", "verify_scans", "Scan",
]
