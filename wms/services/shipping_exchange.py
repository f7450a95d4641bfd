"""Exchange notices (rule S6): replacement goods ship only against a system-issued notice.

Issuing a notice for a shipped order creates the exchange's own shipping document
(kind ``exchange``) that names the notice; the ship step refuses it unless the notice
is still valid. The unit coming back is received through the returns flow (R6), which
refers to the notice by its number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.domain.shipping import ExchangeAction, ExchangeStatus, OrderKind, OrderStatus
from wms.errors import (
    ExchangeNoticeNotFound,
    ExchangeOriginalNotShipped,
    ExchangeQuantityExceeded,
    InvalidInput,
)
from wms.extensions import db
from wms.models import Customer, ExchangeNotice, SalesOrder, SalesOrderLine, User, Warehouse
from wms.models.types import utcnow
from wms.services.shipping_common import change_exchange_notice, find_order, next_number
from wms.services.shipping_documents import OrderLineInput, build_order, cancel_order
from wms.services.stock import resolve_item_id
from wms.services.uow import run_in_transaction


def issue_exchange_notice(actor: User, *, original_order: str, reason: str, lines: list[dict]) -> ExchangeNoticeView:
    """Issue a numbered exchange notice for a shipped order and its draft shipping document."""
    require(actor.role, Permission.OUTBOUND_DOCUMENT_WRITE)
    if not reason or not reason.strip():
        raise InvalidInput("An exchange notice needs a reason.", field="reason")
    if not lines:
        raise InvalidInput("An exchange notice needs at least one line.", field="lines")

    def use_case() -> ExchangeNoticeView:
        original = find_order(original_order, lock=True)
        if original.status != OrderStatus.SHIPPED or original.kind != OrderKind.SALE:
            raise ExchangeOriginalNotShipped(number=original.number, status=original.status)
        shipped = defaultdict(int)
        for line in original.lines:
            shipped[line.item_id] += line.quantity
        for item_id, qty in _already_exchanged(original.id).items():
            shipped[item_id] -= qty
        wanted = defaultdict(int)
        for line in lines:
            wanted[resolve_item_id(line["item"])] += line["quantity"]
        for item_id, qty in wanted.items():
            if qty > shipped.get(item_id, 0):
                left = max(0, shipped.get(item_id, 0))
                raise ExchangeQuantityExceeded(item_id=item_id, requested=qty, left=left)
        notice = ExchangeNotice(
            number=next_number("exchange"), original_order_id=original.id, reason=reason.strip(),
            status=ExchangeStatus.ISSUED.value, issued_by=actor.id, issued_at=utcnow(),
        )
        db.session.add(notice)
        db.session.flush()
        customer = db.session.get(Customer, original.customer_id) if original.customer_id else None
        order = build_order(
            actor, number=f"{notice.number}-SO",
            lines=[OrderLineInput(x["item"], x["quantity"]) for x in lines],
            recipient_name=original.recipient_name, recipient_phone=original.recipient_phone,
            recipient_address=original.recipient_address, customer_code=customer.code if customer else None,
            warehouse_code=db.session.get(Warehouse, original.warehouse_id).code,
            kind=OrderKind.EXCHANGE, exchange_notice_id=notice.id,
        )
        if original.owner_id:
            order.owner_id = original.owner_id
        return _notice_view(notice, order)

    return run_in_transaction(use_case)


def _already_exchanged(original_id: int) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(SalesOrderLine.item_id, sa.func.sum(SalesOrderLine.quantity))
        .join(SalesOrder, SalesOrder.id == SalesOrderLine.order_id)
        .join(ExchangeNotice, ExchangeNotice.id == SalesOrder.exchange_notice_id)
        .where(ExchangeNotice.original_order_id == original_id, ExchangeNotice.status != ExchangeStatus.CANCELLED)
        .group_by(SalesOrderLine.item_id)
    ).all()
    return {item_id: int(qty) for item_id, qty in rows}


def find_notice(number: str) -> ExchangeNotice:
    """The exchange notice with this number."""
    notice = db.session.execute(
        sa.select(ExchangeNotice).where(ExchangeNotice.number == number)
    ).scalar_one_or_none()
    if notice is None:
        raise ExchangeNoticeNotFound(number=number)
    return notice


def exchange_notice_view(actor: User, number: str) -> ExchangeNoticeView:
    """A notice with its original order and its exchange shipping document."""
    require(actor.role, Permission.OUTBOUND_DOCUMENT_WRITE)
    notice = find_notice(number)
    order = db.session.execute(
        sa.select(SalesOrder).where(SalesOrder.exchange_notice_id == notice.id)
    ).scalar_one()
    return _notice_view(notice, order)


def cancel_exchange_notice(actor: User, number: str, reason: str) -> ExchangeNoticeView:
    """Withdraw a notice; its exchange document is cancelled and can no longer ship (S6)."""
    require(actor.role, Permission.OUTBOUND_APPROVE)

    def use_case() -> ExchangeNoticeView:
        notice = find_notice(number)
        change_exchange_notice(notice, ExchangeAction.CANCEL)
        order = db.session.execute(
            sa.select(SalesOrder).where(SalesOrder.exchange_notice_id == notice.id)
        ).scalar_one()
        if order.status in (OrderStatus.DRAFT, OrderStatus.APPROVED):
            cancel_order(actor, order.number, reason or "exchange notice cancelled")
        return _notice_view(notice, order)

    return run_in_transaction(use_case)


@dataclass(frozen=True)
class ExchangeNoticeView:
    """An exchange notice with its original order, its exchange document and the number
    the returns flow (R6) receives the customer's unit against."""

    number: str
    status: str
    reason: str
    original_order: str
    exchange_order: str
    issued_at: datetime
    return_reference: str


def _notice_view(notice: ExchangeNotice, order: SalesOrder) -> ExchangeNoticeView:
    original = db.session.get(SalesOrder, notice.original_order_id)
    return ExchangeNoticeView(notice.number, notice.status, notice.reason, original.number, order.number,
                              notice.issued_at, return_reference=notice.number)
