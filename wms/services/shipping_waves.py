"""Waves and pick lists: approved orders grouped into one walk, and the open pick tasks in
walking order of the bins (Location.path_order) with the holds that stop each order (S4).

A wave's life is the ``WAVE`` table of ``wms.domain.shipping``: released when created,
picking from the first count at one of its bins, picked once no task of it is open
(picking again when a short line is allocated anew), cancelled by a supervisor before it
is picked or when every order of it is cancelled. ``wave_after_count``,
``wave_after_cancel`` and ``wave_after_allocation`` move it, inside the transaction of the
count, cancellation or allocation that changed its tasks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.domain.shipping import (
    WAVE,
    OrderStatus,
    PickTaskStatus,
    Stage,
    WaveAction,
    WaveStatus,
)
from wms.errors import (
    InvalidInput,
    NotFound,
    OrderStateInvalid,
    WaveNotFound,
)
from wms.extensions import db
from wms.models import (
    Item,
    ItemBarcode,
    Location,
    Lot,
    PickTask,
    SalesOrder,
    User,
    Wave,
)
from wms.models.types import utcnow
from wms.services.shipping_common import (
    find_order,
    holds_covering,
    next_number,
)
from wms.services.uow import run_in_transaction

# --- waves and pick lists -------------------------------------------------------------


@dataclass(frozen=True)
class WaveView:
    """A wave: its number, its state, its orders and the picker it is assigned to."""

    number: str
    status: str
    orders: list[str]
    picker: str | None
    created_at: datetime


def create_wave(actor: User, order_numbers: list[str], picker: str | None = None) -> WaveView:
    """Group approved orders, none in another wave yet, into one walk; optionally for a picker."""
    require(actor.role, Permission.ALLOCATE)

    def use_case() -> WaveView:
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
            if order.wave_id is not None:
                raise OrderStateInvalid(f"Order {order.number} is in a wave already.", number=order.number,
                                        wave=db.session.get(Wave, order.wave_id).number)
        wave = Wave(number=next_number("wave"), warehouse_id=warehouses.pop(), picker_id=picker_id,
                    status=WaveStatus.RELEASED.value, created_by=actor.id, created_at=utcnow())
        db.session.add(wave)
        db.session.flush()
        for order in orders:
            order.wave_id = wave.id
        return WaveView(wave.number, wave.status, [o.number for o in orders], picker, wave.created_at)

    return run_in_transaction(use_case)


def cancel_wave(actor: User, number: str) -> WaveView:
    """A supervisor calls off a wave not yet picked: its orders leave it, to be waved again.

    Their pick tasks stay as they are (a task already counted stays counted).
    """
    require(actor.role, Permission.ALLOCATE)

    def use_case() -> WaveView:
        wave_id = _wave_id(number)
        orders = db.session.execute(  # the orders' rows first, as a count does; in create_wave's order
            sa.select(SalesOrder).where(SalesOrder.wave_id == wave_id).order_by(SalesOrder.number)
            .with_for_update().execution_options(populate_existing=True)
        ).scalars().all()
        wave = _lock_wave(wave_id)
        wave.status = WAVE.next(wave.status, WaveAction.CANCEL).value
        for order in orders:
            order.wave_id = None
        db.session.flush()
        return _views([wave])[0]

    return run_in_transaction(use_case)


def wave_view(actor: User, number: str) -> WaveView:
    """One wave with its state, orders and picker."""
    require(actor.role, Permission.PICK)
    return _views([db.session.get(Wave, _wave_id(number))])[0]


def list_waves(actor: User, filters: dict, page: int, page_size: int) -> tuple[list[WaveView], int]:
    """Waves, newest first, filtered by states and by picker (a picker's waves still to pick).

    ``filters``: ``status``, a list of WaveStatus values; ``picker``, a user name.
    """
    from wms.services.queries import paginate

    require(actor.role, Permission.PICK)
    stmt = sa.select(Wave).order_by(Wave.id.desc())
    if filters.get("status"):
        stmt = stmt.where(Wave.status.in_([WaveStatus(s).value for s in filters["status"]]))
    if filters.get("picker"):
        stmt = stmt.join(User, User.id == Wave.picker_id).where(User.username == filters["picker"])
    waves, total = paginate(stmt, page, page_size)
    return _views(waves), total


def _wave_id(number: str) -> int:
    wave_id = db.session.execute(sa.select(Wave.id).where(Wave.number == number)).scalar_one_or_none()
    if wave_id is None:
        raise WaveNotFound(number=number)
    return wave_id


def _lock_wave(wave_id: int) -> Wave:
    return db.session.execute(
        sa.select(Wave).where(Wave.id == wave_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one()


def _views(waves: list[Wave]) -> list[WaveView]:
    """Waves with their orders and pickers, in two queries for the whole list."""
    ids = [w.id for w in waves]
    orders: dict[int, list[str]] = {i: [] for i in ids}
    for wave_id, order_number in db.session.execute(
        sa.select(SalesOrder.wave_id, SalesOrder.number).where(SalesOrder.wave_id.in_(ids))
        .order_by(SalesOrder.number)
    ):
        orders[wave_id].append(order_number)
    pickers = dict(db.session.execute(
        sa.select(User.id, User.username).where(User.id.in_({w.picker_id for w in waves} - {None}))
    ).all())
    return [WaveView(w.number, w.status, orders[w.id], pickers.get(w.picker_id), w.created_at) for w in waves]


def wave_after_count(order: SalesOrder) -> None:
    """A task of the order was counted: its wave is picking, and picked once none is open."""
    wave = _wave_of(order)
    if wave is not None:
        _take(wave, WaveAction.START)
        if not _has_open_task(wave):
            _take(wave, WaveAction.FINISH)


def wave_after_cancel(order: SalesOrder) -> None:
    """The order was cancelled with its tasks: with none open its wave is over, cancelled
    when every order of it is cancelled, else picked (a wave not yet started stays released)."""
    wave = _wave_of(order)
    if wave is not None and not _has_open_task(wave):
        others = db.session.execute(
            sa.select(SalesOrder.id).where(SalesOrder.wave_id == wave.id, SalesOrder.status != OrderStatus.CANCELLED)
            .limit(1)
        ).first()
        _take(wave, WaveAction.FINISH if others else WaveAction.CANCEL)


def wave_after_allocation(order: SalesOrder) -> None:
    """The order was allocated again: open tasks in a picked wave put it back to picking."""
    wave = _wave_of(order)
    if wave is not None and _has_open_task(wave):
        _take(wave, WaveAction.REOPEN)


def _wave_of(order: SalesOrder) -> Wave | None:
    """The order's wave, locked (after the order's row, as every use case takes them)."""
    return None if order.wave_id is None else _lock_wave(order.wave_id)


def _has_open_task(wave: Wave) -> bool:
    return db.session.execute(
        sa.select(PickTask.id).join(SalesOrder, SalesOrder.id == PickTask.order_id)
        .where(SalesOrder.wave_id == wave.id, PickTask.status == PickTaskStatus.OPEN).limit(1)
    ).first() is not None


def _take(wave: Wave, action: WaveAction) -> None:
    """The step ``action`` when WAVE allows it from the wave's state; otherwise the wave
    stays as it is (a picked wave stays picked when its last order is cancelled)."""
    if WAVE.allows(wave.status, action):
        wave.status = WAVE.next(wave.status, action).value


def pick_list(actor: User, *, order_number: str | None = None, wave_number: str | None = None,
              ) -> list[PickTaskRow]:
    """Open pick tasks in walking order (Location.path_order): bin, item, lot, quantity."""
    require(actor.role, Permission.PICK)
    stmt = sa.select(PickTask).join(SalesOrder, SalesOrder.id == PickTask.order_id).where(
        PickTask.status == PickTaskStatus.OPEN
    )
    if order_number:
        stmt = stmt.where(SalesOrder.id == find_order(order_number).id)
    elif wave_number:
        stmt = stmt.where(SalesOrder.wave_id == _wave_id(wave_number))
    else:
        raise InvalidInput("Ask for the pick list of an order or of a wave.")
    return task_rows(stmt)


@dataclass(frozen=True)
class PickTaskRow:
    """One task of a pick list: go to the bin, take this lot of this item, this many."""

    task_id: int
    order_number: str
    location: str
    path_order: int
    item_id: int
    sku: str
    item_name: str
    barcode: str | None
    lot: str
    expiry_date: date | None
    quantity: int
    status: str
    counted_quantity: int | None
    holds: list[str]


def task_rows(task_stmt: sa.Select) -> list[PickTaskRow]:
    """The tasks of a statement with their bin, item, lot and order, in walking order."""
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
        result.append(PickTaskRow(
            task_id=r.id, order_number=r.order_number, location=r.location_code, path_order=r.path_order,
            item_id=r.item_id, sku=r.sku, item_name=r.item_name, barcode=r.barcode, lot=r.lot_code,
            expiry_date=r.expiry_date, quantity=r.quantity, status=r.status,
            counted_quantity=r.counted_quantity, holds=holds[r.order_id],
        ))
    return result
