"""Rule S5 under load: 20 concurrent writers never drive stock negative.

Real threads, each with its own application context, session and database
connection, against the real database (SQLite file in WAL mode, or PostgreSQL).
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.factories import GTIN_1, stock_in
from wms.errors import InsufficientStock
from wms.extensions import db
from wms.models import StockQuant
from wms.services.stock import move_by_scan, verify_ledger

WRITERS = 20
ATTEMPTS_EACH = 4
STOCK = 30


def test_s5_twenty_concurrent_writers_never_oversell(app, world):
    with app.app_context():
        stock_in(world, "SKU-1", STOCK, "A-01-01")
    start = threading.Barrier(WRITERS, timeout=60)
    outcomes: list[str] = []
    lock = threading.Lock()

    def writer(n: int) -> None:
        with app.app_context():
            user = world.user("picker")
            db.session.commit()  # hand the connection back: 20 threads share the pool
            start.wait()
            for _ in range(ATTEMPTS_EACH):
                try:
                    move_by_scan(user, item_code=GTIN_1, from_location="A-01-01",
                                 to_location="B-01-01" if n % 2 else "A-01-02", quantity=1)
                    result = "moved"
                except InsufficientStock:
                    result = "refused"
                except Exception as exc:  # noqa: BLE001 - reported below, fails the test
                    result = f"error: {exc!r}"
                with lock:
                    outcomes.append(result)
            db.session.remove()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    errors = [o for o in outcomes if o.startswith("error")]
    assert not errors, errors[:3]
    assert outcomes.count("moved") == STOCK
    assert outcomes.count("refused") == WRITERS * ATTEMPTS_EACH - STOCK
    with app.app_context():
        by_location = dict(db.session.execute(
            sa.select(StockQuant.location_id, StockQuant.quantity)
            .where(StockQuant.item_id == world.items["SKU-1"])
        ).all())
        assert by_location[world.locations["A-01-01"]] == 0
        assert sum(by_location.values()) == STOCK
        assert min(by_location.values()) >= 0
        assert verify_ledger().ok
