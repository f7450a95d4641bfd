"""Rule S1 under load: 50 pickers allocate the same scarce item at once.

Real threads, each with its own application context, session and connection, on the
real database (SQLite file in WAL mode, or PostgreSQL). No unit may be reserved twice
and no stock may go negative; the ledger must verify afterwards.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from tests.factories import hours_ago, stock_in
from tests.wms.shipping.conftest import Outbound
from wms.extensions import db
from wms.models import PickTask, SalesOrderLine, StockQuant
from wms.services.shipping_allocation import allocate_order
from wms.services.stock import verify_ledger

PICKERS = 50
WANTED_EACH = 2
# Scarce: three lots in two bins hold 37 units; 50 orders want 100.
LOTS = [("A-01-01", "L-OLD", 12, 72), ("B-01-01", "L-MID", 15, 24), ("A-01-02", "L-NEW", 10, 1)]
STOCK = sum(q for _, _, q, _ in LOTS)


def test_s1_fifty_concurrent_pickers_never_over_allocate(app, world):
    with app.app_context():
        for bin_code, lot, quantity, age in LOTS:
            stock_in(world, "SKU-1", quantity, bin_code, lot=lot, received_at=hours_ago(age))
        out = Outbound(world)
        for n in range(PICKERS):
            out.order(f"SO-{n:03d}", [("SKU-1", WANTED_EACH)])
        db.session.remove()
    start = threading.Barrier(PICKERS, timeout=120)
    results: list = []
    lock = threading.Lock()

    def picker(n: int) -> None:
        with app.app_context():
            user = world.user("supervisor")
            # Give the connection back while waiting: 50 threads share a smaller pool.
            db.session.close()
            start.wait()
            try:
                report = allocate_order(user, f"SO-{n:03d}")
                outcome = ("ok", report.lines[0].allocated, report.shortage)
            except Exception as exc:  # noqa: BLE001 - reported below, fails the test
                outcome = ("error", repr(exc), 0)
            with lock:
                results.append(outcome)
            db.session.remove()

    threads = [threading.Thread(target=picker, args=(n,)) for n in range(PICKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert not any(thread.is_alive() for thread in threads)
    errors = [r for r in results if r[0] == "error"]
    assert not errors, errors[:3]
    assert len(results) == PICKERS
    allocated = sum(r[1] for r in results)
    assert allocated == STOCK  # everything free was allocated, and not one unit more
    assert sum(r[2] for r in results) == PICKERS * WANTED_EACH - STOCK  # shortages reported

    with app.app_context():
        quants = db.session.execute(sa.select(StockQuant)).scalars().all()
        assert all(0 <= q.reserved <= q.quantity for q in quants)
        assert sum(q.reserved for q in quants) == STOCK
        # every reservation is backed by exactly one open task, per quant
        by_quant = dict(db.session.execute(
            sa.select(PickTask.quant_id, sa.func.sum(PickTask.quantity))
            .where(PickTask.status == "open").group_by(PickTask.quant_id)
        ).all())
        assert by_quant == {q.id: q.reserved for q in quants if q.reserved}
        lines_allocated = db.session.execute(sa.select(sa.func.sum(SalesOrderLine.allocated))).scalar_one()
        assert lines_allocated == STOCK
        check = verify_ledger()
        assert check.ok, check
