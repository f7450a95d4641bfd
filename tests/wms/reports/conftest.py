"""A crafted warehouse day for the end-of-day report's tests (rule L2), made through the services.

Today, in the warehouse's time zone: stock brought in, three supplier lots decided (two
rejected, which tightens the supplier's sampling, R5), a receipt left unposted (R8), one
order shipped and two left open (S7), a customer hold issued and released and an order
hold left standing (S4), and a bin counted with a difference (R8).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import stock_in
from tests.wms.receiving.helpers import make_document, receive, run_lot
from tests.wms.shipping.conftest import Outbound
from wms.extensions import db
from wms.models import CycleCountTask
from wms.models.types import utcnow
from wms.services import shipping, shipping_holds
from wms.services.stock.corrections import adjust_stock
from wms.services.uow import transaction

#: The customer's and recipient's personal data the exports must never show unmasked.
CUSTOMER_NAME = "张三"
RECIPIENT_NAME = "张三丰"
PHONE = "13800138000"


@dataclass
class CraftedDay:
    day: object
    unposted_receipt: str
    hold: str
    order_hold: str
    release: str
    count_task: int


def craft_day(world) -> CraftedDay:
    out = Outbound(world)
    lot = stock_in(world, "SKU-1", 20, "A-01-01")
    run_lot(world, "SKU-2", 50, defects=50)
    run_lot(world, "SKU-2", 50, defects=50)  # the second rejection tightens SUP-1 (R5)
    run_lot(world, "SKU-2", 20)
    document = make_document(world, {"SKU-1": 4})
    unposted = receive(world, document.number, {"SKU-1": 4})
    out.order("SO-SHIP", [("SKU-1", 5)])
    out.ready_to_ship("SO-SHIP")
    out.ship("SO-SHIP")
    out.order("SO-OPEN", [("SKU-1", 2)])
    out.order("SO-DRAFT", [("SKU-1", 1)], approve=False)
    supervisor, admin = world.user("supervisor"), world.user("admin")
    hold = shipping_holds.issue_hold(supervisor, scope="customer", customer_code="CUS-1",
                               reason=f"{CUSTOMER_NAME}来电 {PHONE} 要求暂缓")
    release = shipping_holds.write_release(supervisor, hold_number=hold.number, reason=f"{CUSTOMER_NAME}确认收货地址")
    shipping_holds.confirm_release(admin, release.number)
    order_hold = shipping_holds.issue_hold(supervisor, scope="order", order_number="SO-OPEN",
                                     reason=f"收件人{RECIPIENT_NAME}更改地址")
    adjust_stock(admin, item_id=world.items["SKU-1"], lot_id=lot, location_id=world.locations["A-01-01"],
                 owner_id=world.owners["OWN"], quantity_change=-1, reason="破损一件")
    with transaction():
        task = CycleCountTask(location_id=world.locations["A-01-01"], item_id=world.items["SKU-1"],
                              status="counted", reason="test", book_quantity=15, counted_quantity=14,
                              counted_by=world.users["picker"], counted_at=utcnow())
        db.session.add(task)
        db.session.flush()
        task_id = task.id
    return CraftedDay(shipping.warehouse_today(), unposted.number or f"#{unposted.id}", hold.number,
                      order_hold.number, release.number, task_id)


@pytest.fixture
def crafted(ctx, world) -> CraftedDay:
    """The crafted day, in an application context."""
    return craft_day(world)
