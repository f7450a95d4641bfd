"""Courier bill reconciliation benchmark (L3): a 100,000-line bill against 100,000 shipments.

Shipments (sales orders and their handovers with the scale's weight) are bulk inserted;
the bill is a CSV as a courier exports it, with about 4% of lines billed above our
weight, 1% billed twice, 0.5% fees off the rate table, 0.5% unknown numbers and 1.5% of
the shipments not billed. Measured, in one run:

- the import end to end through the service (read the file, check every row, read the
  shipments, match, store the run and its differences), then the same bill again (a
  re-run: nothing new);
- the matching alone (the shipments read in one query and matched in memory);
  the reading and the matching are timed as the service runs them, the cyclic garbage
  collector paused;
- one hand-written SQL join over the same data: the bill's lines in a staging table
  joined with the handovers on the tracking number, computing the same differences.

    python bench/bench_reconcile.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/bench_reconcile.py                      # SQLite file in a temp directory

On PostgreSQL a throw-away database is created on that server and dropped after.
Figures are printed; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from wms import create_app  # noqa: E402
from wms.config import normalise_database_url  # noqa: E402
from wms.domain.reconciliation import Rate, ReconcileKind, cycle_bounds, match_courier_bill  # noqa: E402
from wms.extensions import db  # noqa: E402
from wms.models import Handover, SalesOrder, User, Warehouse  # noqa: E402
from wms.services.couriers import write_presets  # noqa: E402
from wms.services.reconciliation import courier_bills  # noqa: E402
from wms.services.uow import transaction  # noqa: E402
from wms.services.warehouse_day import warehouse_zone  # noqa: E402

COURIER, CYCLE = "ZTO", "2026-11"
PROVINCES = ("浙江省杭州市西湖区文三路1号", "广东省深圳市南山区科技园2号", "北京市朝阳区建国路3号",
             "四川省成都市武侯区人民南路4号", "广西壮族自治区南宁市青秀区民族大道5号")
RATE = {"province": "*", "first_weight_kg": "1", "first_price": "8", "additional_unit_kg": "1",
        "additional_price": "4", "discount_percent": "10", "weight_step_kg": "1"}


def timed(label: str, action):
    start = time.perf_counter()
    result = action()
    seconds = time.perf_counter() - start
    print(f"  {label:<60} {seconds:8.3f} s")
    return result, seconds


def load_shipments(count: int, rng: random.Random) -> tuple[dict, list[tuple[str, int]]]:
    """``count`` shipped orders with their handovers in November (bulk inserts)."""
    with transaction():
        warehouse = Warehouse(code="BENCH", name="bench")
        users = {role: User(username=role, display_name=role, role=role) for role in ("admin", "clerk", "shipper")}
        for user in users.values():
            user.set_password("bench-password-1")
        db.session.add_all([warehouse, *users.values()])
        db.session.flush()
        write_presets()
        start = datetime(2026, 10, 31, 16, tzinfo=timezone.utc)  # 1 November in Shanghai
        orders, parcels = [], []
        for n in range(count):
            at = start + timedelta(seconds=int(n * (29.9 * 86400 / count)))
            orders.append({"id": n + 1, "number": f"SO{n:08d}", "kind": "sale", "warehouse_id": warehouse.id,
                           "recipient_name": "张三丰", "recipient_phone": "13800138000",
                           "recipient_address": PROVINCES[n % len(PROVINCES)], "status": "shipped",
                           "stage": "deducted", "created_by": users["clerk"].id, "created_at": at})
            grams = rng.randint(200, 5000)
            parcels.append({"order_id": n + 1, "carrier": COURIER, "tracking_number": f"73{n:010d}",
                            "weight_grams": grams, "weight_source": "scale", "shipper_signature": "s",
                            "carrier_signature": "c", "shipped_by": users["shipper"].id, "shipped_at": at})
        for begin in range(0, count, 20_000):
            db.session.execute(sa.insert(SalesOrder), orders[begin:begin + 20_000])
            db.session.execute(sa.insert(Handover), parcels[begin:begin + 20_000])
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("SELECT setval('sales_order_id_seq', (SELECT max(id) FROM sales_order))")
            conn.exec_driver_sql("ANALYZE")
    return {k: u.id for k, u in users.items()}, [(p["tracking_number"], p["weight_grams"]) for p in parcels]


def make_bill(parcels: list[tuple[str, int]], rng: random.Random, lines: int) -> tuple[bytes, list[tuple], Counter]:
    """The bill's CSV, its lines (for the staging table) and the differences it holds."""
    rate = Rate("*", Decimal(1), Decimal(8), Decimal(4), Decimal(1), Decimal(10), Decimal(1))
    expected: Counter = Counter()
    unknown, twice = lines // 200, lines // 100
    billed = lines - unknown - twice
    rows: list[tuple] = []
    for index, (number, grams) in enumerate(parcels[:billed]):
        kg = (Decimal(grams) / 1000).quantize(Decimal("0.001"))
        weight = rate.billable_weight(kg)
        roll = rng.random()
        if roll < 0.04:
            weight += rng.randint(1, 3)
            expected["weight_over"] += 1
        fee = rate.fee(weight)
        if 0.04 <= roll < 0.045:
            fee += 2
            expected["fee_mismatch"] += 1
        rows.append((number, f"SO{index:08d}", weight, fee))
    for index in rng.sample(range(billed), twice):
        rows.append(rows[index])
        expected["billed_twice"] += 1
    for n in range(unknown):
        rows.append((f"79{n:010d}", "", Decimal(1), Decimal("7.20")))
        expected["billed_not_shipped"] += 1
    expected["shipped_not_billed"] = len(parcels) - billed
    rng.shuffle(rows)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["运单号", "订单号", "结算重量", "运费", "目的地", "寄件日期"])
    for number, order, weight, fee in rows:
        writer.writerow([number, order, str(weight), str(fee), "浙江", "2026-11-15"])
    return text.getvalue().encode("utf-8-sig"), rows, expected


def sql_join(start: datetime, end: datetime) -> tuple[Counter, float]:
    """The same differences from one hand-written SQL statement over a staging table."""
    postgres = db.engine.dialect.name == "postgresql"

    def ceil(x: str) -> str:  # SQLite's CAST truncates; PostgreSQL has CEIL
        return f"CEIL({x})" if postgres else f"(CAST({x} AS INTEGER) + ({x} > CAST({x} AS INTEGER)))"

    our_kg = "(s.weight_grams / 1000.0)"
    fee = (f"ROUND((8 + (CASE WHEN b.w > 1 THEN {ceil('b.w - 1')} ELSE 0 END) * 4) * 0.9, 2)")
    statement = f"""
    WITH b AS (SELECT tracking_number, COUNT(*) AS n, MIN(weight_kg) AS w, MIN(fee) AS f
               FROM bench_bill_line GROUP BY tracking_number),
         s AS (SELECT tracking_number, weight_grams, shipped_at FROM handover
               WHERE carrier = :courier AND shipped_at >= :margin_start AND shipped_at < :margin_end)
    SELECT 'billed_not_shipped', b.tracking_number FROM b LEFT JOIN s ON s.tracking_number = b.tracking_number
        WHERE s.tracking_number IS NULL
    UNION ALL
    SELECT 'shipped_not_billed', s.tracking_number FROM s LEFT JOIN b ON b.tracking_number = s.tracking_number
        WHERE b.tracking_number IS NULL AND s.shipped_at >= :start AND s.shipped_at < :end
    UNION ALL
    SELECT 'billed_twice', b.tracking_number FROM b JOIN s ON s.tracking_number = b.tracking_number WHERE b.n > 1
    UNION ALL
    SELECT 'weight_over', b.tracking_number FROM b JOIN s ON s.tracking_number = b.tracking_number
        WHERE b.w > {ceil(our_kg)} + 0.1
    UNION ALL
    SELECT 'fee_mismatch', b.tracking_number FROM b JOIN s ON s.tracking_number = b.tracking_number
        WHERE ABS(b.f - {fee}) > 0.01
    """
    params = {"courier": COURIER, "start": start, "end": end, "margin_start": start - timedelta(days=15),
              "margin_end": end + timedelta(days=15)}
    if not postgres:  # SQLite compares the stored ISO text
        params = {k: (v.astimezone(timezone.utc).replace(tzinfo=None).isoformat(" ") if isinstance(v, datetime)
                      else v) for k, v in params.items()}
    began = time.perf_counter()
    rows = db.session.execute(sa.text(statement), params).all()
    seconds = time.perf_counter() - began
    return Counter(r[0] for r in rows), seconds


def run(url: str, count: int, lines: int) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    rng = random.Random(14)
    with app.app_context():
        db.create_all()
        print(f"database: {db.engine.dialect.name}")
        (users, parcels), _ = timed(f"load {count:,} shipped parcels (setup, bulk insert)",
                                    lambda: load_shipments(count, rng))
        clerk = db.session.get(User, users["clerk"])
        courier_bills.set_rate_table(clerk, COURIER, [RATE])
        (content, rows, expected), _ = timed(f"write a {lines:,}-line bill CSV (setup)",
                                             lambda: make_bill(parcels, rng, lines))
        print(f"  bill: {len(content) / 1e6:.1f} MB; expected {dict(sorted(expected.items()))}")

        result, total = timed("import + match + store, end to end (service)", lambda: courier_bills.import_courier_bill(
            clerk, COURIER, CYCLE, "zto-2026-11.csv", content))
        found = result["summary"]["by_type"]
        print(f"  -> found {found}; matches expected: {found == dict(sorted(expected.items()))}")
        again, rerun = timed("the same bill again (re-run, resolutions kept)",
                             lambda: courier_bills.import_courier_bill(clerk, COURIER, CYCLE, "zto-2026-11.csv",
                                                                       content))
        print(f"  -> new {again['summary']['new']}, kept {again['summary']['kept']}, "
              f"closed {again['summary']['closed']}")

        def reading():
            with courier_bills._cycle_collector_paused():
                return courier_bills.read_bill(COURIER, "zto-2026-11.csv", content)

        bill, read_seconds = timed("  of which: read and check the file", reading)

        def matching():
            with courier_bills._cycle_collector_paused():
                rates = courier_bills._rates(COURIER)
                shipments = courier_bills.load_shipments(COURIER, CYCLE, with_province=True)
                return match_courier_bill(bill.lines, shipments, rates, courier_bills._rules(COURIER, False), COURIER)

        findings, match_seconds = timed("  of which: matching (shipments read in one query, matched)", matching)
        db.session.rollback()

        with transaction():
            db.session.execute(sa.text("CREATE TABLE bench_bill_line (line INTEGER, tracking_number VARCHAR(64), "
                                       "weight_kg NUMERIC(10, 3), fee NUMERIC(12, 2))"))
            number = Decimal if db.engine.dialect.name == "postgresql" else float
            staged = [{"line": i, "tracking_number": r[0], "weight_kg": number(r[2]), "fee": number(r[3])}
                      for i, r in enumerate(rows)]
            start_stage = time.perf_counter()
            for begin in range(0, len(staged), 20_000):
                db.session.execute(sa.text("INSERT INTO bench_bill_line VALUES (:line, :tracking_number, :weight_kg, "
                                           ":fee)"), staged[begin:begin + 20_000])
            stage_seconds = time.perf_counter() - start_stage
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("ANALYZE bench_bill_line")
        print(f"  {'(staging the bill for the SQL join)':<60} {stage_seconds:8.3f} s")
        start, end = cycle_bounds(CYCLE, warehouse_zone())
        sql_counts, sql_seconds = sql_join(start, end)
        print(f"  {'one hand-written SQL join computing the same differences':<60} {sql_seconds:8.3f} s")
        ours = Counter(f.type for f in findings)
        print(f"  -> SQL found {dict(sorted(sql_counts.items()))}; equal to the service's: {sql_counts == ours}")
        runs = db.session.execute(sa.select(sa.func.count()).select_from(courier_bills.ReconciliationRun)
                                  .where(courier_bills.ReconciliationRun.kind == ReconcileKind.COURIER.value)
                                  ).scalar_one()
        print(f"RESULT {db.engine.dialect.name} end_to_end_s={total:.3f} rerun_s={rerun:.3f} read_s={read_seconds:.3f} "
              f"match_s={match_seconds:.3f} sql_join_s={sql_seconds:.3f} "
              f"match_over_sql={match_seconds / sql_seconds:.2f} runs={runs}")
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL; SQLite when left out")
    parser.add_argument("--shipments", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()
    if args.database_url.startswith(("postgres", "postgresql")):
        server = sa.make_url(normalise_database_url(args.database_url))
        name = f"wms_bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            run(server.set(database=name).render_as_string(hide_password=False), args.shipments, args.lines)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(f"sqlite:///{os.path.join(directory, 'bench.db')}", args.shipments, args.lines)


if __name__ == "__main__":
    main()
