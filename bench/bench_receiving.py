"""Receiving benchmark: one purchase order of N lines from creation to posting, and a scan stream.

Prints figures; asserts nothing about time. The database is a throw-away one: a
temporary SQLite file by default, or a fresh database created (and dropped) on the
PostgreSQL server named by ``--database-url``.

    python bench/bench_receiving.py --lines 5000 --scans 2000
    python bench/bench_receiving.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from wms import create_app  # noqa: E402
from wms.config import normalise_database_url  # noqa: E402
from wms.domain.permissions import Role  # noqa: E402
from wms.extensions import db  # noqa: E402
from wms.models import Item, ItemBarcode, Location, Owner, Supplier, User, Warehouse  # noqa: E402
from wms.services import receiving  # noqa: E402
from wms.services.uow import transaction  # noqa: E402

SIGNATURE = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
HANDOVER = dict(delivery_note="DN-BENCH", receiver_name="bench", deliverer_name="bench",
                receiver_signature=SIGNATURE, deliverer_signature=SIGNATURE)


def build_warehouse(items: int) -> None:
    """Locations, users, one supplier, ``items`` items with a barcode each."""
    with transaction():
        warehouse = Warehouse(code="WH-B", name="bench")
        db.session.add(warehouse)
        db.session.flush()
        kinds = [("SUP", "supplier"), ("CUS", "customer"), ("RCV", "receiving"), ("QA", "quarantine")]
        kinds += [(f"BIN-{n:03d}", "storage") for n in range(50)]
        db.session.add_all(Location(warehouse_id=warehouse.id, code=c, name=c, type=t, path_order=i)
                           for i, (c, t) in enumerate(kinds))
        db.session.add(Owner(code="OWN", name="own", kind="own"))
        db.session.add(Supplier(code="SUP-B", name="bench supplier"))
        for role in (Role.RECEIVER, Role.CLERK):
            user = User(username=role.value, display_name=role.value, role=role.value)
            user.set_password("bench-password")
            db.session.add(user)
        db.session.execute(sa.insert(Item), [dict(sku=f"B-{n:05d}", name=f"item {n}") for n in range(items)])
        ids = db.session.execute(sa.select(Item.id, Item.sku)).all()
        db.session.execute(sa.insert(ItemBarcode), [dict(item_id=i, code=f"69{sku[2:]:0>11}", kind="internal")
                                                    for i, sku in ids])


def user(name: str) -> User:
    return db.session.execute(sa.select(User).where(User.username == name)).scalar_one()


def timed(label: str, results: dict, fn):
    start = time.perf_counter()
    value = fn()
    results[label] = time.perf_counter() - start
    print(f"{label:<44} {results[label]:8.3f} s", flush=True)
    return value


def run(lines: int, scans: int) -> dict:
    """The measured steps; returns seconds per step and scan latencies."""
    results: dict = {}
    timed("build master data", results, lambda: build_warehouse(max(lines, scans)))
    clerk, receiver = user("clerk"), user("receiver")
    skus = [f"B-{n:05d}" for n in range(lines)]
    document = timed(f"create PO of {lines} lines", results, lambda: receiving.create_document(
        clerk, number="PO-BENCH-1", kind="purchase_order", supplier="SUP-B",
        lines=[{"item": sku, "quantity": 10} for sku in skus]))
    number = document.number
    db.session.commit()
    receipt = receiving.start_receipt(receiver, number)

    def count_all():
        with transaction():
            for sku in skus:
                receiving.receive_line(receiver, receipt.id, code=sku, quantity=10)

    timed(f"count {lines} lines (one transaction)", results, count_all)
    timed("sign handover, plan inspections", results,
          lambda: receiving.submit_receipt(receiver, receipt.id, **HANDOVER))

    def inspect_all():
        with transaction():
            for line in receiving.get_receipt(receiver, receipt.id).lines:
                receiving.record_inspection(receiver, line.id, units_inspected=line.inspection.sample_size,
                                            defects=0)

    timed(f"inspect {lines} samples (one transaction)", results, inspect_all)
    receipt_id = receipt.id
    db.session.expunge_all()
    timed(f"post receipt of {lines} lines (clerk)", results,
          lambda: receiving.post_receipt(user("clerk"), receipt_id))
    db.session.expunge_all()

    # A stream of scans: each scan its own transaction, as the handheld sends them.
    stream = receiving.create_document(
        clerk, number="PO-BENCH-2", kind="purchase_order", supplier="SUP-B",
        lines=[{"item": f"B-{n:05d}", "quantity": 1000} for n in range(min(scans, 200))])
    db.session.commit()
    stream_receipt = receiving.start_receipt(receiver, stream.number)
    barcodes = [f"69{n:0>11}" for n in range(min(scans, 200))]
    latencies = []
    start = time.perf_counter()
    for n in range(scans):
        began = time.perf_counter()
        with transaction():
            receiving.receive_line(receiver, stream_receipt.id, code=barcodes[n % len(barcodes)], quantity=1)
        latencies.append(time.perf_counter() - began)
        db.session.expunge_all()
    elapsed = time.perf_counter() - start
    latencies.sort()
    results["scan_stream"] = dict(
        scans=scans, seconds=elapsed, per_second=scans / elapsed,
        p50_ms=1000 * statistics.median(latencies), p99_ms=1000 * latencies[int(0.99 * (len(latencies) - 1))])
    s = results["scan_stream"]
    print(f"scan stream: {scans} scans, {s['per_second']:.0f} scans/s, p50 {s['p50_ms']:.1f} ms, "
          f"p99 {s['p99_ms']:.1f} ms", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--scans", type=int, default=2000)
    parser.add_argument("--database-url", default="",
                        help="PostgreSQL server URL; a fresh database is made on it (default: SQLite file)")
    args = parser.parse_args()
    admin, name = None, None
    if args.database_url:
        server = sa.make_url(normalise_database_url(args.database_url))
        name = f"wms_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="wms-bench-"), "bench.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    try:
        with app.app_context():
            print(f"database: {db.engine.dialect.name}, lines: {args.lines}, scans: {args.scans}")
            db.create_all()
            run(args.lines, args.scans)
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


if __name__ == "__main__":
    main()
