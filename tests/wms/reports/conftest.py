"""A crafted warehouse day for the end-of-day report's tests (rule L2), made through the services.

Today, in the warehouse's time zone: stock brought in, three supplier lots decided (two
rejected, which tightens the supplier's sampling, R5), a receipt left unposted (R8), one
order shipped and two left open (S7), a customer hold issued and released and an order
hold left standing (S4), a bin counted with a difference (R8), and reconciliation
differences (L3): open, explained and claimed ones, a resolved one and one found later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from tests.factories import stock_in
from tests.wms.receiving.helpers import make_document, receive, run_lot
from tests.wms.shipping.conftest import Outbound
from wms.extensions import db
from wms.models import CycleCountRound, CycleCountTask
from wms.models.reconciliation import ReconciliationDifference, ReconciliationEvent, ReconciliationRun
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
    open_differences: list[str]  # the match keys of those not resolved at the day's end


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
                              status="counted", reason="test", book_quantity=15, on_hand_quantity=16,
                              bin_card_quantity=17, counted_quantity=14,
                              counted_by=world.users["picker"], counted_at=utcnow())
        db.session.add(task)
        db.session.flush()
        db.session.add(CycleCountRound(task_id=task.id, counted_by=task.counted_by, counted_at=task.counted_at,
                                       on_hand_quantity=16, book_quantity=15, bin_card_quantity=17,
                                       counted_quantity=14, status="counted"))
        task_id = task.id
    return CraftedDay(shipping.warehouse_today(), unposted.number or f"#{unposted.id}", hold.number,
                      order_hold.number, release.number, task_id, reconciliation_differences(world))


def reconciliation_differences(world) -> list[str]:
    """Five differences (L3): three not resolved (one three days old), one resolved, one found
    after the day. Their evidence quotes a recipient unmasked, which no report may show."""
    now = utcnow()
    rows = [  # type, kind, key, order number, amount, status, found
        ("weight_over", "courier", "SF1001", "SO-SHIP", "3.50", "open", now - timedelta(days=3)),
        ("short_paid", "payments", "SO-PAY", "SO-PAY", "12.00", "explained", now),
        ("billed_twice", "courier", "SF1002", None, "8.00", "claimed", now),
        ("fee_mismatch", "courier", "SF1003", None, "1.20", "resolved", now),
        ("billed_not_shipped", "courier", "SF1004", None, "9.00", "open", now + timedelta(days=2)),
    ]
    with transaction():
        run = ReconciliationRun(kind="courier", cycle="2026-11", party="SF", courier_code="SF",
                                created_by=world.users["admin"])
        db.session.add(run)
        db.session.flush()
        made = [ReconciliationDifference(
            kind=kind, cycle="2026-11", party="SF" if kind == "courier" else "tmall", type=type_, match_key=key,
            courier_code="SF" if kind == "courier" else None, order_number=number, amount=Decimal(amount),
            status=status, evidence={"recipient": RECIPIENT_NAME, "phone": PHONE}, first_run_id=run.id,
            last_run_id=run.id, created_at=found) for type_, kind, key, number, amount, status, found in rows]
        db.session.add_all(made)
        db.session.flush()
        # Each status as the service leaves it: found open by the run, then changed by a person.
        db.session.add_all([ReconciliationEvent(difference_id=d.id, from_status=None, to_status="open",
                                                action="found", run_id=run.id, at=d.created_at) for d in made])
        db.session.add_all([ReconciliationEvent(difference_id=d.id, from_status="open", to_status=d.status,
                                                action="change", user_id=world.users["clerk"], at=d.created_at)
                            for d in made if d.status != "open"])
    return ["SF1001", "SO-PAY", "SF1002"]


@pytest.fixture
def crafted(ctx, world) -> CraftedDay:
    """The crafted day, in an application context."""
    return craft_day(world)
