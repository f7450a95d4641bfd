"""Demo outbound documents: open approved orders of demo customers (one on hold, some
in a picker's wave) and one order already shipped, all made through the services."""

from __future__ import annotations

import sqlalchemy as sa

from wms.domain.locations import AVAILABLE_TYPES
from wms.domain.shipping import WeightReading
from wms.extensions import db
from wms.models import Location, Lot, Owner, StockQuant
from wms.models.types import utcnow
from wms.services import shipping
from wms.services.parcel_weight import expected_weight_of
from wms.services.shipping_allocation import allocate_order
from wms.services.shipping_common import find_order
from wms.services.shipping_holds import issue_hold

OPEN_ORDERS = 8


def seed_demo(demo) -> None:
    """Add sales orders to the demo warehouse (``demo`` is a ``wms.demo.DemoContext``)."""
    rng = demo.rng
    free = _free_stock_by_item()
    items = [item for item in demo.items if free.get(item.id, 0) >= 6]
    if not items:
        return
    rng.shuffle(items)
    clerk, supervisor = demo.users["clerk"], demo.users["supervisor"]
    numbers = []
    for n in range(OPEN_ORDERS + 1):
        customer = demo.customers[n % len(demo.customers)]
        chosen = list({items[(n * 3 + k) % len(items)].id: items[(n * 3 + k) % len(items)]
                       for k in range(rng.randint(1, 3))}.values())
        number = f"TB{20260000 + n + 1}"
        shipping.create_order(
            clerk, number=number, recipient_name=customer.name, recipient_phone=customer.phone,
            recipient_address=customer.address, customer_code=customer.code,
            warehouse_code=demo.warehouse.code,
            lines=[{"item": item.sku, "quantity": rng.randint(1, 3)} for item in chosen],
        )
        shipping.approve_order(supervisor, number)
        allocate_order(supervisor, number)
        numbers.append(number)
    shipped, held, waved = numbers[0], numbers[1], numbers[2:5]
    _ship(demo, shipped)
    issue_hold(supervisor, scope="order", order_number=held, reason="客户来电要求暂缓发货, 待确认地址")
    shipping.create_wave(supervisor, waved, picker="picker")
    demo.summary["sales_orders"] = {"open": len(numbers) - 1, "on_hold": held, "shipped": shipped,
                                    "wave_orders": waved}


def _free_stock_by_item() -> dict[int, int]:
    rows = db.session.execute(
        sa.select(StockQuant.item_id, sa.func.sum(StockQuant.quantity - StockQuant.reserved))
        .join(Location, Location.id == StockQuant.location_id)
        .join(Owner, Owner.id == StockQuant.owner_id)
        .where(Location.type.in_([t.value for t in AVAILABLE_TYPES]), Owner.kind == "own")
        .group_by(StockQuant.item_id)
    ).all()
    return {item_id: int(free) for item_id, free in rows}


def _ship(demo, number: str) -> None:
    """Walk one order through the four steps, as the floor would (S2)."""
    picker, shipper = demo.users["picker"], demo.users["shipper"]
    for task in shipping.pick_list(picker, order_number=number):
        book = db.session.execute(
            sa.select(StockQuant.quantity)
            .join(Location, Location.id == StockQuant.location_id)
            .where(Location.code == task.location, StockQuant.item_id == task.item_id,
                   StockQuant.lot_id == _lot_id(task))
        ).scalar_one()
        shipping.confirm_count(picker, task.task_id, location=task.location, item=task.sku,
                               lot=task.lot, counted_quantity=book)
    scans = [shipping.Scan(t.sku, t.quantity, t.lot)
             for t in shipping.order_view(demo.admin, number).tasks if t.status == "counted"]
    shipping.verify_scans(shipper, number, scans)
    # The scale shows what the units and a 1号纸箱 should weigh, plus a little (the weight check).
    expected = expected_weight_of(find_order(number), "BOX-1")[1].grams
    grams = expected + 12 if expected is not None else 860
    shipping.ship_order(shipper, number, carrier="SF", tracking_number="SF1400000000001",
                        reading=WeightReading.entered(str(grams), "g", utcnow()),
                        shipper_signature=shipper.display_name, carrier_signature="顺丰揽件员", packaging="BOX-1")


def _lot_id(task: shipping.PickTaskRow) -> int:
    return db.session.execute(
        sa.select(Lot.id).where(Lot.item_id == task.item_id, Lot.code == task.lot)
    ).scalar_one()
