"""Pieces every shipping use case shares: finding and locking documents, running
numbers, the record of the four steps (S2), the holds that cover an order (S4), the
exchange notice an exchange ships against (S6), the handover of a shipped order.

Called only from inside a transaction of a shipping use case.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from wms.domain.masking import masked_text
from wms.domain.shipping import (
    EXCHANGE_NOTICE,
    PICK_TASK,
    ExchangeAction,
    HoldTarget,
    OrderKind,
    OrderStatus,
    PickTaskAction,
    Step,
    advance,
    hold_applies,
)
from wms.errors import ExchangeNoticeInvalid, OrderNotFound
from wms.extensions import db
from wms.models import (
    ExchangeNotice,
    Handover,
    HoldNotice,
    PickTask,
    SalesOrder,
    SalesOrderLine,
    ShippingCounter,
    ShippingStep,
    User,
)
from wms.models.types import utcnow

#: The counter row that doubles as the S4 gate between hold notices and shipping.
HOLD_GATE = "hold"
NUMBER_PREFIXES = {"hold": "HOLD", "release": "REL", "exchange": "EXN", "wave": "W", "manifest": "MF"}


def find_order(number: str, *, lock: bool = False) -> SalesOrder:
    """The shipping document with this number; ``lock`` takes its row lock (FOR UPDATE)."""
    stmt = sa.select(SalesOrder).where(SalesOrder.number == number)
    if lock:
        # PostgreSQL row lock; SQLite already runs writers one at a time (BEGIN IMMEDIATE).
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    order = db.session.execute(stmt).scalar_one_or_none()
    if order is None:
        raise OrderNotFound(f"No shipping document '{number}'.", number=number)
    return order


def _ensure_counter(name: str) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ShippingCounter).values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"])
    )


def next_number(name: str) -> str:
    """The next running number of a document kind, e.g. HOLD-000007 (race-free)."""
    table = ShippingCounter.__table__
    stmt = (
        sa.update(table).where(table.c.name == name).values(value=table.c.value + 1)
        .returning(table.c.value)
    )
    value = db.session.execute(stmt).scalar_one_or_none()
    if value is None:
        _ensure_counter(name)
        value = db.session.execute(stmt).scalar_one()
    return f"{NUMBER_PREFIXES[name]}-{value:06d}"


def pass_hold_gate() -> None:
    """Shipping's side of the S4 gate: a shared lock, so ships run side by side but
    never beside the issuing of a hold."""
    table = ShippingCounter.__table__
    stmt = sa.select(table.c.value).where(table.c.name == HOLD_GATE).with_for_update(read=True)
    if db.session.execute(stmt).first() is None:
        _ensure_counter(HOLD_GATE)
        db.session.execute(stmt).first()


def record_step(order: SalesOrder, step: Step, actor: User, detail: str | None = None) -> None:
    """Advance the order through the S2 table and record who did the step and when."""
    order.stage = advance(order.stage, step).value
    db.session.add(ShippingStep(order_id=order.id, step=step.value, user_id=actor.id, at=utcnow(),
                                detail=detail))


def order_item_ids(order_id: int) -> set[int]:
    """The items on a document's lines."""
    return set(db.session.execute(
        sa.select(SalesOrderLine.item_id).where(SalesOrderLine.order_id == order_id)
    ).scalars())


def active_hold_targets() -> list[HoldTarget]:
    """Every hold notice in force (few at a time; each is a deliberate document)."""
    rows = db.session.execute(
        sa.select(HoldNotice.number, HoldNotice.scope, HoldNotice.order_id, HoldNotice.customer_id,
                  HoldNotice.item_id)
        .where(HoldNotice.active.is_(True)).order_by(HoldNotice.id)
    ).all()
    return [HoldTarget(r.number, r.scope, r.order_id, r.customer_id, r.item_id) for r in rows]


def holds_covering(order: SalesOrder, targets: list[HoldTarget] | None = None) -> list[str]:
    """Numbers of the active holds whose scope covers this order (S4)."""
    targets = active_hold_targets() if targets is None else targets
    if not targets:
        return []
    items = order_item_ids(order.id)
    return [t.number for t in targets if hold_applies(t, order.id, order.customer_id, items)]


def hold_reasons(numbers: list[str]) -> dict[str, str]:
    """Why each hold was issued, by number, masked by the one rule (a reason may quote a
    customer's phone): for the refusal that a hold stops a shipment (S4)."""
    if not numbers:
        return {}
    rows = db.session.execute(sa.select(HoldNotice.number, HoldNotice.reason).where(HoldNotice.number.in_(numbers)))
    return {number: masked_text(reason) for number, reason in rows}


def release_reservation(quant_id: int, quantity: int) -> None:
    """Give reserved units back to free stock (a cancelled or failed pick task)."""
    table = sa.table("stock_quant", sa.column("id"), sa.column("reserved"))
    result = db.session.execute(
        sa.update(table).where(table.c.id == quant_id, table.c.reserved >= quantity)
        .values(reserved=table.c.reserved - quantity)
    )
    if result.rowcount != 1:  # pragma: no cover - the CHECK constraint makes this unreachable
        raise RuntimeError(f"stock_quant {quant_id} holds less reservation than a task claims")


def cancel_open_tasks(order: SalesOrder) -> int:
    """Cancel the order's unshipped tasks and free their reservations; returns how many."""
    cancellable = PICK_TASK.states_allowing(PickTaskAction.CANCEL)
    tasks = db.session.execute(
        sa.select(PickTask).where(PickTask.order_id == order.id, PickTask.status.in_(cancellable))
        .order_by(PickTask.quant_id)
    ).scalars().all()
    for task in tasks:
        release_reservation(task.quant_id, task.quantity)
        task.status = PICK_TASK.next(task.status, PickTaskAction.CANCEL).value
    for line in order.lines:
        line.allocated = 0
    return len(tasks)


def handover_of(order: SalesOrder) -> Handover | None:
    """The parcel's handover (S2 step 3), once the order has shipped."""
    return db.session.execute(
        sa.select(Handover).where(Handover.order_id == order.id)
    ).scalar_one_or_none()


def exchange_notice_of(order: SalesOrder) -> ExchangeNotice | None:
    """The exchange notice an exchange document ships against (S6)."""
    return db.session.get(ExchangeNotice, order.exchange_notice_id) if order.exchange_notice_id else None


def check_exchange(order: SalesOrder) -> None:
    """Rule S6: exchange goods ship only against a valid, system-issued notice."""
    if order.kind != OrderKind.EXCHANGE:
        return
    notice = exchange_notice_of(order)
    if notice is None or not EXCHANGE_NOTICE.allows(notice.status, ExchangeAction.USE):
        raise ExchangeNoticeInvalid(notice=notice.number if notice else None,
                                    status=notice.status if notice else None,
                                    expected=EXCHANGE_NOTICE.states_allowing(ExchangeAction.USE))
    original = db.session.get(SalesOrder, notice.original_order_id)
    if original is None or original.status != OrderStatus.SHIPPED:
        raise ExchangeNoticeInvalid("The exchange notice's original order is not shipped.",
                                    notice=notice.number)


def change_exchange_notice(notice: ExchangeNotice, action: ExchangeAction) -> None:
    """Move an exchange notice through its table (ExchangeNoticeInvalid naming the expected state)."""
    if not EXCHANGE_NOTICE.allows(notice.status, action):
        raise ExchangeNoticeInvalid(f"The notice is {notice.status}.", number=notice.number,
                                    status=notice.status, action=action.value,
                                    expected=EXCHANGE_NOTICE.states_allowing(action))
    notice.status = EXCHANGE_NOTICE.next(notice.status, action).value
