"""Helpers for the outbound tests: orders built and walked through the real services."""

from __future__ import annotations

import itertools

import pytest

from wms.domain.shipping import WeightReading
from wms.extensions import db
from wms.models import Item, PickTask, SalesOrder
from wms.models.types import utcnow
from wms.services import shipping
from wms.services.shipping_allocation import allocate_order

_tracking = itertools.count(1)


class Outbound:
    """Builds and advances shipping documents as the roles of ``world`` would."""

    def __init__(self, world) -> None:
        self.world = world

    def actor(self, role: str):
        return self.world.user(role)

    def order(self, number: str, lines=(("SKU-1", 5),), *, approve: bool = True, customer: bool = True,
              owner: str | None = None) -> str:
        shipping.create_order(
            self.actor("clerk"), number=number, lines=[{"item": s, "quantity": q} for s, q in lines],
            recipient_name="张三丰", recipient_phone="13800138000",
            recipient_address="浙江省杭州市西湖区文三路1号",
            customer_code="CUS-1" if customer else None, owner_code=owner,
        )
        if approve:
            shipping.approve_order(self.actor("supervisor"), number)
        return number

    def allocate(self, number: str):
        return allocate_order(self.actor("supervisor"), number)

    def tasks(self, number: str, status: str | None = "open") -> list[PickTask]:
        order = db.session.query(SalesOrder).filter_by(number=number).one()
        query = db.session.query(PickTask).filter_by(order_id=order.id).order_by(PickTask.id)
        if status:
            query = query.filter_by(status=status)
        return query.all()

    def count_all(self, number: str):
        results = []
        for row in shipping.pick_list(self.actor("picker"), order_number=number):
            results.append(self.count(row, row_book(row)))
        return results

    def count(self, row: dict, counted: int):
        return shipping.confirm_count(
            self.actor("picker"), row.task_id, location=row.location, item=row.sku,
            lot=row.lot, counted_quantity=counted,
        )

    def verify_all(self, number: str):
        view = shipping.order_view(self.actor("supervisor"), number)
        result = None
        for task in view.tasks:
            if task.status == "counted":
                result = shipping.verify_scan(self.actor("shipper"), number, item=task.sku,
                                              lot=task.lot, quantity=task.quantity)
        return result

    def ship(self, number: str, **overrides):
        weight = {k: overrides.pop(k) for k in ("weight", "weight_unit", "weight_source") if k in overrides}
        reading = overrides.pop("reading", None) or WeightReading.entered(
            weight.get("weight", "1.250"), weight.get("weight_unit", "kg"), utcnow(),
            weight.get("weight_source", "scale"))
        handover = dict(carrier="SF", tracking_number=f"SF{next(_tracking):013d}", reading=reading,
                        shipper_signature="发货员王", carrier_signature="顺丰李")
        handover.update(overrides)
        return shipping.ship_order(self.actor("shipper"), number, **handover)

    def ready_to_ship(self, number: str) -> None:
        report = self.allocate(number)
        assert report.fully_allocated, report
        self.count_all(number)
        self.verify_all(number)

    def stage(self, number: str) -> str:
        return db.session.query(SalesOrder).filter_by(number=number).one().stage


def row_book(row: dict) -> int:
    """What an honest count of the task's lot finds in its bin: its book less the units other
    pickers took into totes for orders not shipped yet."""
    import sqlalchemy as sa

    from wms.models import StockQuant
    from wms.services.shipping_cycle_counts import picked_not_shipped

    task = db.session.get(PickTask, row.task_id)
    return db.session.execute(
        sa.select(StockQuant.quantity).where(StockQuant.id == task.quant_id)
    ).scalar_one() - picked_not_shipped(task.location_id, task.item_id, quant_id=task.quant_id)


def two_orders_in_a_wave(out: Outbound, world):
    """SO-1 and SO-2, one unit each, allocated and waved together."""
    from tests.factories import stock_in

    stock_in(world, "SKU-1", 5, "A-01-01")
    for number in ("SO-1", "SO-2"):
        out.order(number, [("SKU-1", 1)])
        out.allocate(number)
    return shipping.create_wave(out.actor("supervisor"), ["SO-1", "SO-2"])


def set_fefo(world, sku: str) -> None:
    from wms.services.uow import transaction

    with transaction():
        item = db.session.get(Item, world.items[sku])
        item.expiry_tracked = True
        item.fefo = True


@pytest.fixture
def out(ctx, world) -> Outbound:
    """The outbound helper in an application context."""
    return Outbound(world)
