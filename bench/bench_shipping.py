"""Outbound benchmark: FIFO allocation of a large order against many lots, and the
confirmation (ship + deduct, one transaction) of a very large shipment.

Stock is loaded with bulk inserts that keep the ledger and on-hand consistent (the
ledger verifies at the end); everything measured runs through the real services.

    python bench/bench_shipping.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/bench_shipping.py                      # SQLite file in a temp directory

On PostgreSQL a throw-away database is created on that server and dropped after.
Figures are printed; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from wms import create_app  # noqa: E402
from wms.config import normalise_database_url  # noqa: E402
from wms.domain.shipping import WeightReading  # noqa: E402
from wms.extensions import db  # noqa: E402
from wms.models import (  # noqa: E402
    Customer,
    Item,
    LedgerEntry,
    Location,
    Lot,
    Owner,
    StockQuant,
    User,
    Warehouse,
)
from wms.models.types import utcnow  # noqa: E402
from wms.services import shipping  # noqa: E402
from wms.services.shipping_allocation import allocate_order  # noqa: E402
from wms.services.stock import verify_ledger  # noqa: E402
from wms.services.uow import transaction  # noqa: E402
from wms.services.warehouse_day import warehouse_today  # noqa: E402

LOT_QUANTITY = 10


def load_stock(items: int, lots: int, alloc_items: int, bins: int) -> dict:
    """Master data and ``lots`` lots: most of them on the first ``alloc_items`` items."""
    with transaction():
        warehouse = Warehouse(code="BENCH", name="bench")
        db.session.add(warehouse)
        db.session.flush()
        places = [Location(warehouse_id=warehouse.id, code=c, name=c, type=t, path_order=0)
                  for c, t in (("SUP", "supplier"), ("CUS", "customer"), ("LF", "lost_and_found"))]
        places += [Location(warehouse_id=warehouse.id, code=f"S-{n:05d}", name="bin", type="storage",
                            path_order=n) for n in range(bins)]
        db.session.add_all(places)
        owner = Owner(code="OWN", name="own", kind="own")
        db.session.add(owner)
        users = {}
        for role in ("admin", "supervisor", "picker", "shipper"):
            users[role] = User(username=role, display_name=role, role=role, password_hash="x")
        db.session.add_all(users.values())
        db.session.add(Customer(code="C1", name="张三", phone="13800138000", address="浙江省杭州市西湖区"))
        db.session.flush()
        bin_ids = [p.id for p in places[3:]]
        supplier_id = places[0].id
        db.session.execute(sa.insert(Item), [
            {"sku": f"B{n:06d}", "name": f"bench item {n}", "base_unit": "pcs", "lot_tracked": False,
             "expiry_tracked": False, "fefo": False, "active": True, "created_at": datetime.now(timezone.utc)}
            for n in range(items)
        ])
        item_ids = db.session.execute(sa.select(Item.id).order_by(Item.id)).scalars().all()
        other = items - alloc_items
        per_alloc_item = (lots - other) // alloc_items
        now = datetime.now(timezone.utc)
        today = warehouse_today()
        lot_rows = []
        for index, item_id in enumerate(item_ids):
            count = per_alloc_item if index < alloc_items else 1
            for n in range(count):
                lot_rows.append({"item_id": item_id, "code": f"L{n:04d}",
                                 "received_at": now - timedelta(hours=count - n)})
        for start in range(0, len(lot_rows), 20_000):
            db.session.execute(sa.insert(Lot), lot_rows[start:start + 20_000])
    lots_loaded = db.session.execute(sa.select(Lot.id, Lot.item_id).order_by(Lot.id)).all()
    with transaction():
        quant_rows, ledger_rows = [], []
        for n, (lot_id, item_id) in enumerate(lots_loaded):
            bin_id = bin_ids[(n * 7919) % len(bin_ids)]  # spread lots of an item over the bins
            quant_rows.append({"item_id": item_id, "lot_id": lot_id, "location_id": bin_id,
                               "owner_id": owner.id, "quantity": LOT_QUANTITY, "reserved": 0})
            movement = uuid.uuid4().hex
            for location_id, sign in ((supplier_id, -1), (bin_id, 1)):
                ledger_rows.append({
                    "movement_id": movement, "kind": "receipt", "item_id": item_id, "lot_id": lot_id,
                    "location_id": location_id, "owner_id": owner.id, "quantity": sign * LOT_QUANTITY,
                    "document_type": "bench", "document_id": "load", "user_id": users["admin"].id,
                    "created_at": now, "reason": None, "reverses_entry_id": None, "business_day": today,
                })
        for start in range(0, len(quant_rows), 20_000):
            db.session.execute(sa.insert(StockQuant), quant_rows[start:start + 20_000])
        for start in range(0, len(ledger_rows), 20_000):
            db.session.execute(sa.insert(LedgerEntry), ledger_rows[start:start + 20_000])
    skus = db.session.execute(sa.select(Item.sku).order_by(Item.id)).scalars().all()
    return {"skus": skus, "users": {k: db.session.get(User, v.id) for k, v in users.items()},
            "lots": len(lots_loaded)}


def make_order(users: dict, number: str, lines: list[tuple[str, int]]) -> None:
    """A draft made by the service, then approved."""
    with transaction():
        shipping.build_order(users["admin"], number=number, recipient_name="张三丰",
                             recipient_phone="13800138000", recipient_address="浙江省杭州市西湖区文三路1号",
                             customer_code="C1", lines=[shipping.OrderLineInput(s, q) for s, q in lines])
    shipping.approve_order(users["supervisor"], number)


def timed(label: str, action):
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    print(f"  {label:<52} {seconds:8.3f} s")
    return result, seconds


def run(url: str, lots: int, alloc_lines: int, ship_lines: int, bins: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.create_all()
        print(f"database: {db.engine.dialect.name}")
        items = max(alloc_lines, ship_lines)
        loaded, _ = timed(f"load {lots:,} lots on {items:,} items in {bins} bins (setup)",
                          lambda: load_stock(items, lots, alloc_lines, bins))
        users, skus = loaded["users"], loaded["skus"]
        if db.engine.dialect.name == "postgresql":
            # A live database has planner statistics (autovacuum); a freshly bulk-loaded one not yet.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE")
        per_item = (lots - (items - alloc_lines)) // alloc_lines
        print(f"  ({per_item} lots of {LOT_QUANTITY} units on each of the {alloc_lines:,} allocated items)")

        need = LOT_QUANTITY * 2 + 5  # each line spans three lots, oldest first
        make_order(users, "ALLOC-1", [(sku, need) for sku in skus[:alloc_lines]])
        report, alloc_seconds = timed(f"allocate a {alloc_lines:,}-line order (FIFO, S1)",
                                      lambda: allocate_order(users["supervisor"], "ALLOC-1"))
        print(f"  -> {report.tasks_created:,} pick tasks, shortage {report.shortage}")

        make_order(users, "SHIP-1", [(sku, 1) for sku in skus[:ship_lines]])
        report, _ = timed(f"allocate the {ship_lines:,}-line shipment",
                          lambda: allocate_order(users["supervisor"], "SHIP-1"))
        tasks = shipping.pick_list(users["picker"], order_number="SHIP-1")
        books = dict(db.session.execute(sa.select(StockQuant.lot_id, StockQuant.quantity)).all())

        def count_all():
            with transaction():
                for task in tasks:
                    lot_id = db.session.execute(
                        sa.select(Lot.id).where(Lot.code == task.lot, Lot.item_id == task.item_id)
                    ).scalar_one()
                    shipping.confirm_count(users["picker"], task.task_id, location=task.location,
                                           item=task.sku, counted_quantity=books[lot_id])

        timed(f"count {len(tasks):,} pick tasks (S2 step 1, one transaction)", count_all)
        scans = [shipping.Scan(task.sku, task.quantity) for task in tasks]
        timed(f"verify {len(scans):,} scans in one batch (S2 step 2)",
              lambda: shipping.verify_scans(users["shipper"], "SHIP-1", scans))
        result, ship_seconds = timed(
            f"confirm the {ship_lines:,}-line shipment (ship + deduct, S2 steps 3-4)",
            lambda: shipping.ship_order(users["shipper"], "SHIP-1", carrier="SF", tracking_number="SF0000000080001",
                                        reading=WeightReading.entered("12.5", "kg", utcnow()),
                                        shipper_signature="bench", carrier_signature="bench"),
        )
        check, _ = timed("verify_ledger (on-hand equals the ledger)", verify_ledger)
        print(f"  -> ledger ok: {check.ok}, entries {check.entries:,}, quants {check.quants:,}")
        print(f"RESULT allocation_{alloc_lines}_lines_s={alloc_seconds:.3f} "
              f"ship_{ship_lines}_lines_s={ship_seconds:.3f} status={result['status']}")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL; SQLite when left out")
    parser.add_argument("--lots", type=int, default=100_000)
    parser.add_argument("--alloc-lines", type=int, default=1_000)
    parser.add_argument("--ship-lines", type=int, default=5_000)
    parser.add_argument("--bins", type=int, default=2_000)
    args = parser.parse_args()
    if args.database_url.startswith(("postgres", "postgresql")):
        server = sa.make_url(normalise_database_url(args.database_url))
        name = f"wms_bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            run(server.set(database=name).render_as_string(hide_password=False), args.lots,
                args.alloc_lines, args.ship_lines, args.bins)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(f"sqlite:///{os.path.join(directory, 'bench.db')}", args.lots, args.alloc_lines,
                args.ship_lines, args.bins)


if __name__ == "__main__":
    main()
