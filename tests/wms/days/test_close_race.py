"""Rule L2 under concurrency: a posting in flight while a day closes never hides from its balances.

Two threads, two connections: either the posting commits before the close reads the ledger
(its entries are in the stored balances), or the close commits first and the posting then
lands in the next open day or is refused with ``day_closed``; never an entry dated into the
closed day that its stored closing misses. On PostgreSQL the guard and the closer's lock do
it; on SQLite every writer holds the database's write lock.
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from tests.factories import stock_in
from wms.domain.locations import VIRTUAL_TYPES
from wms.errors import DayClosed
from wms.extensions import db
from wms.models import DayBalance, LedgerEntry, Location
from wms.services import days
from wms.services.stock import StockChange, post_movement
from wms.services.uow import transaction
from wms.services.warehouse_day import warehouse_today


def _dated_up_to(day) -> dict[tuple[int, int], int]:
    rows = db.session.execute(
        sa.select(LedgerEntry.item_id, LedgerEntry.owner_id, sa.func.sum(LedgerEntry.quantity))
        .join(Location, Location.id == LedgerEntry.location_id)
        .where(LedgerEntry.business_day <= day, Location.type.not_in([t.value for t in VIRTUAL_TYPES]))
        .group_by(LedgerEntry.item_id, LedgerEntry.owner_id)
    ).all()
    return {(i, o): int(q) for i, o, q in rows if q}


def _stored(day) -> dict[tuple[int, int], int]:
    return {(b.item_id, b.owner_id): b.quantity for b in db.session.execute(
        sa.select(DayBalance).where(DayBalance.day == day)).scalars()}


def _receipt(app, world, lot_id, hold: float, started: threading.Event | None, wait: threading.Event | None,
             outcome: dict) -> None:
    with app.app_context():
        try:
            if wait is not None:
                wait.wait(10)
            with transaction():
                result = post_movement(world.user("admin"), "receipt", [StockChange(
                    world.items["SKU-1"], lot_id, world.owners["OWN"], world.place("SUP"),
                    world.place("A-01-01"), 7)])
                if started is not None:
                    started.set()
                time.sleep(hold)  # the transaction stays open while the close runs
            outcome["day"] = db.session.execute(sa.select(LedgerEntry.business_day).where(
                LedgerEntry.movement_id == result.movement_id).limit(1)).scalar_one()
        except DayClosed:
            outcome["refused"] = True
        finally:
            db.session.remove()


def _close(app, world, day, hold: float, started: threading.Event | None, wait: threading.Event | None,
           outcome: dict) -> None:
    with app.app_context():
        try:
            if wait is not None:
                wait.wait(10)
            begun = time.monotonic()
            with transaction():
                days.close_day(world.user("clerk"), day)
                if started is not None:
                    started.set()
                time.sleep(hold)  # the close's transaction stays open while the posting runs
            outcome["waited"] = time.monotonic() - begun
        finally:
            db.session.remove()


def test_l2_a_posting_open_while_the_day_closes_is_in_its_balances(app, world):
    with app.app_context():
        lot = stock_in(world, "SKU-1", 5)
        today = warehouse_today()
    posted, closed = {}, {}
    started = threading.Event()
    poster = threading.Thread(target=_receipt, args=(app, world, lot, 0.6, started, None, posted))
    closer = threading.Thread(target=_close, args=(app, world, today, 0, None, started, closed))
    poster.start()
    closer.start()
    poster.join(20)
    closer.join(20)
    assert posted.get("day") == today  # it was in flight first: it lands in the day...
    assert closed["waited"] >= 0.3  # ...and the close waited for it before adding up
    with app.app_context():
        assert _stored(today) == _dated_up_to(today) == {(world.items["SKU-1"], world.owners["OWN"]): 12}


def test_l2_a_posting_made_while_the_close_is_open_lands_after_it_or_is_refused(app, world):
    with app.app_context():
        lot = stock_in(world, "SKU-1", 5)
        today = warehouse_today()
    posted, closed = {}, {}
    started = threading.Event()
    closer = threading.Thread(target=_close, args=(app, world, today, 0.6, started, None, closed))
    poster = threading.Thread(target=_receipt, args=(app, world, lot, 0, None, started, posted))
    closer.start()
    poster.start()
    closer.join(20)
    poster.join(20)
    assert posted.get("refused") or posted.get("day") > today
    with app.app_context():
        assert _stored(today) == _dated_up_to(today) == {(world.items["SKU-1"], world.owners["OWN"]): 5}
