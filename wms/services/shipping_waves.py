"""Waves and pick lists: approved orders grouped into one walk, and the open pick tasks in
walking order of the bins (Location.path_order) with the holds that stop each order (S4).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.domain.shipping import (
    OrderStatus,
    PickTaskStatus,
    Stage,
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
    """A wave as created: its number, its orders and the picker it is assigned to."""

    number: str
    orders: list[str]
    picker: str | None


def create_wave(actor: User, order_numbers: list[str], picker: str | None = None) -> WaveView:
    """Group approved orders into one walk; optionally assign it to a picker."""
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
        wave = Wave(number=next_number("wave"), warehouse_id=warehouses.pop(), picker_id=picker_id,
                    created_by=actor.id, created_at=utcnow())
        db.session.add(wave)
        db.session.flush()
        for order in orders:
            order.wave_id = wave.id
        return WaveView(wave.number, [o.number for o in orders], picker)

    return run_in_transaction(use_case)


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
        wave_id = db.session.execute(
            sa.select(Wave.id).where(Wave.number == wave_number)
        ).scalar_one_or_none()
        if wave_id is None:
            raise WaveNotFound(number=wave_number)
        stmt = stmt.where(SalesOrder.wave_id == wave_id)
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
