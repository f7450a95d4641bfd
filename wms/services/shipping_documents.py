"""Shipping documents (发货单): created, approved, cancelled, viewed and listed; rule S3 as
a question (may it ship now?) and rule S7's documents still open at the day's end.

A document comes before the goods move (S5); its own life is the ``ORDER`` transition
table of ``wms.domain.shipping``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from wms.domain.masking import mask_address, mask_name, mask_phone
from wms.domain.permissions import Permission, permissions_of, require, require_any
from wms.domain.shipping import (
    EXCHANGE_NOTICE,
    ExchangeAction,
    OrderAction,
    OrderKind,
    OrderStatus,
    Stage,
    check_valid_for_shipping,
    grams_as_kg,
    next_order_status,
)
from wms.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    OrderNumberTaken,
)
from wms.extensions import db
from wms.i18n import error_message
from wms.models import (
    Customer,
    ExchangeNotice,
    HoldNotice,
    Item,
    Owner,
    PickTask,
    SalesOrder,
    SalesOrderLine,
    ShippingStep,
    User,
    Warehouse,
)
from wms.models.stock import StockQuant
from wms.models.types import utcnow
from wms.services.shipping_common import (
    cancel_open_tasks,
    change_exchange_notice,
    check_exchange,
    exchange_notice_of,
    find_order,
    handover_of,
    holds_covering,
)
from wms.services.shipping_waves import PickTaskRow, task_rows, wave_after_cancel
from wms.services.stock import resolve_item_id
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
    kind: str = OrderKind.SALE, exchange_notice_id: int | None = None,
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
        number=number, kind=OrderKind(kind).value, warehouse_id=warehouse.id, customer_id=customer_id,
        owner_id=owner_id,
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
        wave_after_cancel(order)
        order.cancelled_by, order.cancelled_at = actor.id, utcnow()
        order.cancel_reason = reason.strip()
        order.closed_at = order.cancelled_at
        if order.kind == OrderKind.EXCHANGE and order.exchange_notice_id:
            notice = db.session.get(ExchangeNotice, order.exchange_notice_id)
            if notice is not None and EXCHANGE_NOTICE.allows(notice.status, ExchangeAction.CANCEL):
                change_exchange_notice(notice, ExchangeAction.CANCEL)
        db.session.flush()
        return order

    return run_in_transaction(use_case)


@dataclass(frozen=True)
class HoldInForce:
    """A hold notice that stops this document (S4): its number, scope and reason."""

    number: str
    scope: str
    reason: str
    issued_at: datetime


@dataclass(frozen=True)
class Validity:
    """Rule S3's answer for one document: may it ship now, and if not, the refusal.

    ``holds`` names the holds in force on it with their reasons (S4), so a packing
    station says why without a supervisor's list; ``weight_override`` is a supervisor's
    acceptance of the parcel's weight waiting for its next ship step.
    """

    number: str
    valid: bool
    code: str | None
    message: str
    details: dict = field(default_factory=dict)
    holds: list[HoldInForce] = field(default_factory=list)
    weight_override: object | None = None


def validity(actor: User, number: str) -> Validity:
    """Rule S3 as a question: may this document ship now, and if not, why not."""
    from wms.services.parcel_weight import pending_override_view

    require_any(actor.role, *READERS)
    order = find_order(number)
    covering = holds_covering(order)
    holds = [HoldInForce(h.number, h.scope, h.reason, h.issued_at) for h in db.session.execute(
        sa.select(HoldNotice).where(HoldNotice.number.in_(covering)).order_by(HoldNotice.id)).scalars()
    ] if covering else []
    override = pending_override_view(order)
    try:
        check_valid_for_shipping(order.status, covering)
        check_exchange(order)
    except DomainError as refusal:
        return Validity(number, False, refusal.code, error_message(refusal.code, refusal.details, refusal.message),
                        refusal.details, holds, override)
    return Validity(number, True, None, "The document may ship.", holds=holds, weight_override=override)


@dataclass(frozen=True)
class OrderLineView:
    """A document's line: the item, the quantity ordered and how much is reserved (S1)."""

    line_no: int
    item_id: int
    sku: str
    item_name: str
    quantity: int
    allocated: int


@dataclass(frozen=True)
class StepRecord:
    """One of the four steps done (S2): which, by whom, when."""

    step: str
    user: str
    at: datetime
    detail: str | None


@dataclass(frozen=True)
class HandoverView:
    """The parcel handed over (S2 step 3): carrier, tracking number, weight, movement."""

    carrier: str
    tracking_number: str
    weight_grams: int
    weight_kg: str
    weight_source: str
    shipped_at: datetime
    movement_id: str | None
    handover_mode: str = "in_person"  # or manifest: the driver signs the pickup's manifest


@dataclass(frozen=True)
class OrderView:
    """A shipping document with its lines, pick tasks, steps, handover and the holds on it."""

    number: str
    kind: str
    status: str
    stage: str
    customer_code: str | None
    recipient_name: str
    recipient_phone: str | None
    recipient_address: str | None
    exchange_notice: str | None
    created_at: datetime
    approved_at: datetime | None
    cancelled_at: datetime | None
    lines: list[OrderLineView]
    tasks: list[PickTaskRow]
    steps: list[StepRecord]
    handover: HandoverView | None
    holds: list[str]


@dataclass(frozen=True)
class OrderRow:
    """A document as listed, recipient masked."""

    number: str
    kind: str
    status: str
    stage: str
    recipient_name: str
    created_at: datetime


def order_view(actor: User, number: str) -> OrderView:
    """A document with its lines, tasks, steps, handover and the holds that stop it."""
    require_any(actor.role, *READERS)
    order = find_order(number)
    return _order_view(order, unmasked=Permission.OUTBOUND_DOCUMENT_WRITE in permissions_of(actor.role))


def _order_view(order: SalesOrder, *, unmasked: bool) -> OrderView:
    items = {i.id: i for i in db.session.execute(
        sa.select(Item).where(Item.id.in_([line.item_id for line in order.lines]))
    ).scalars()}
    steps = db.session.execute(
        sa.select(ShippingStep, User.username).join(User, User.id == ShippingStep.user_id)
        .where(ShippingStep.order_id == order.id).order_by(ShippingStep.id)
    ).all()
    handover = handover_of(order)
    customer = db.session.get(Customer, order.customer_id) if order.customer_id else None
    notice = exchange_notice_of(order)
    return OrderView(
        number=order.number, kind=order.kind, status=order.status, stage=order.stage,
        customer_code=customer.code if customer else None,
        recipient_name=order.recipient_name if unmasked else mask_name(order.recipient_name),
        recipient_phone=order.recipient_phone if unmasked else mask_phone(order.recipient_phone),
        recipient_address=order.recipient_address if unmasked else mask_address(order.recipient_address),
        exchange_notice=notice.number if notice else None,
        created_at=order.created_at, approved_at=order.approved_at, cancelled_at=order.cancelled_at,
        lines=[OrderLineView(line.line_no, line.item_id, items[line.item_id].sku, items[line.item_id].name,
                             line.quantity, line.allocated) for line in order.lines],
        tasks=task_rows(sa.select(PickTask).where(PickTask.order_id == order.id)),
        steps=[StepRecord(s.step, username, s.at, s.detail) for s, username in steps],
        handover=None if handover is None else HandoverView(
            handover.carrier, handover.tracking_number, handover.weight_grams,
            grams_as_kg(handover.weight_grams), handover.weight_source, handover.shipped_at,
            handover.movement_id, handover.handover_mode),
        holds=holds_covering(order) if order.status in (OrderStatus.DRAFT, OrderStatus.APPROVED) else [],
    )


def list_orders(actor: User, filters: dict, page: int, page_size: int) -> tuple[list[OrderRow], int]:
    """Shipping documents, newest first, filtered by status, stage or kind."""
    from wms.services.queries import paginate

    require_any(actor.role, *READERS)
    stmt = sa.select(SalesOrder).order_by(SalesOrder.id.desc())
    for column in ("status", "stage", "kind"):
        if filters.get(column):
            stmt = stmt.where(getattr(SalesOrder, column) == filters[column])
    orders, total = paginate(stmt, page, page_size)
    rows = [OrderRow(o.number, o.kind, o.status, o.stage, mask_name(o.recipient_name), o.created_at)
            for o in orders]
    return rows, total


# --- rule S7: same-day clearing ---------------------------------------------------------


@dataclass(frozen=True)
class OpenDocument:
    """A document still open at the day's end (S7), recipient masked, with its holds."""

    number: str
    kind: str
    status: str
    stage: str
    created_at: datetime
    recipient_name: str
    holds: list[str]


def open_shipping_documents(actor: User, day: date) -> list[OpenDocument]:
    """Rule S7: documents of the day (or earlier) not closed by the day's end, for the report."""
    require(actor.role, Permission.REPORT_READ)
    return open_documents_of_day(day)


def open_documents_of_day(day: date, *, warehouse_id: int | None = None) -> list[OpenDocument]:
    """Rule S7: the query behind ``open_shipping_documents``, for a caller that checked
    permissions itself (the end-of-day report, also run by the night job without a user)."""
    _, end = day_bounds(day)
    stmt = (
        sa.select(SalesOrder)
        .where(SalesOrder.created_at < end)
        .where(sa.or_(SalesOrder.closed_at.is_(None), SalesOrder.closed_at >= end))
        .order_by(SalesOrder.created_at, SalesOrder.id)
    )
    if warehouse_id is not None:
        stmt = stmt.where(SalesOrder.warehouse_id == warehouse_id)
    orders = db.session.execute(stmt).scalars().all()
    return [
        OpenDocument(o.number, o.kind, o.status, o.stage, o.created_at, mask_name(o.recipient_name),
                     holds_covering(o) if o.closed_at is None else [])
        for o in orders
    ]
