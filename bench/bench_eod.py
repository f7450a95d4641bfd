"""End-of-day report benchmark (rule L2): one day's report over a ledger of 1,000,000
entries and again over 5,000,000, beside one hand-written SQL aggregate of the same day.

The ledger is loaded day by day with bulk inserts (the same day's volume every day, so
the 5M ledger is the 1M one with more history), and every day but the reported one is
closed through the real ``close_day``, which stores its closing balances. The report
day is the last one, left open. Measured, each the median of several warm runs taken in
turns (one of each, then again):

- ``sql``: the stock section's figures written by hand in one SQL statement: the day
  before's stored closing plus, per movement, item and owner, the day's net at the
  warehouse's stock-holding places, summed per item and owner, with names;
- ``stock``: the report's stock section (``stock_rows``): opening from the stored closing,
  in, out, closing, with item and owner names;
- ``report``: the whole day report (every section, ``day_report``).

    python bench/bench_eod.py --database-url postgresql://postgres@127.0.0.1:5432/postgres
    python bench/bench_eod.py                       # SQLite file in a temp directory
    python bench/bench_eod.py --sizes 200000,1000000  # other ledger sizes

On PostgreSQL a throw-away database is created on that server and dropped after.
Figures are printed; nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from datetime import time as clock

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import sqlalchemy as sa  # noqa: E402

from wms import create_app  # noqa: E402
from wms.config import normalise_database_url  # noqa: E402
from wms.extensions import db  # noqa: E402
from wms.models import Item, LedgerEntry, Location, Lot, Owner, User, Warehouse  # noqa: E402
from wms.services.days import close_day  # noqa: E402
from wms.services.reports.day_report import day_report  # noqa: E402
from wms.services.reports.stock import stock_rows  # noqa: E402
from wms.services.uow import transaction  # noqa: E402
from wms.services.warehouse_day import warehouse_today, warehouse_zone  # noqa: E402

ENTRIES_PER_DAY = 30_000
ITEMS = 5_000
BINS = 400
RUNS = 11

# The same figures as the stock section, written by hand in one statement: the stored
# closing of the day before plus the day's nets at the stock-holding places, with names.
BASELINE_SQL = sa.text("""
    SELECT t.item_id, t.owner_id, i.sku, i.name, o.code, o.name,
           t.opening, t.received_in, t.shipped_out
    FROM (SELECT item_id, owner_id, SUM(opening) AS opening,
                 SUM(received_in) AS received_in, SUM(shipped_out) AS shipped_out
          FROM (SELECT item_id, owner_id, quantity AS opening, 0 AS received_in, 0 AS shipped_out
                FROM day_balance WHERE warehouse_id = :warehouse AND day = :previous
                UNION ALL
                SELECT item_id, owner_id, 0, CASE WHEN net > 0 THEN net ELSE 0 END,
                       CASE WHEN net < 0 THEN -net ELSE 0 END
                FROM (SELECT movement_id, item_id, owner_id, SUM(quantity) AS net
                      FROM ledger_entry
                      WHERE business_day = :day
                        AND location_id IN (SELECT id FROM location WHERE warehouse_id = :warehouse
                                            AND type NOT IN ('supplier', 'customer', 'lost_and_found'))
                      GROUP BY movement_id, item_id, owner_id) AS nets) AS parts
          GROUP BY item_id, owner_id) AS t
    JOIN item i ON i.id = t.item_id
    JOIN owner o ON o.id = t.owner_id
    ORDER BY i.sku, o.code
""")


def load_master_data() -> dict:
    """One warehouse, its places, ITEMS items with one lot each, an owner, a clerk."""
    with transaction():
        warehouse = Warehouse(code="BENCH", name="bench")
        db.session.add(warehouse)
        db.session.flush()
        kinds = [("SUP", "supplier"), ("CUS", "customer"), ("LF", "lost_and_found"),
                 ("DOCK", "receiving"), ("PACK", "in_transit")]
        places = [Location(warehouse_id=warehouse.id, code=c, name=c, type=t, path_order=0) for c, t in kinds]
        places += [Location(warehouse_id=warehouse.id, code=f"S-{n:04d}", name="bin", type="storage",
                            path_order=n) for n in range(BINS)]
        db.session.add_all(places)
        owner = Owner(code="OWN", name="自营", kind="own")
        clerk = User(username="clerk", display_name="clerk", role="clerk", password_hash="x")
        db.session.add_all([owner, clerk])
        db.session.flush()
        now = datetime.now(timezone.utc)
        db.session.execute(sa.insert(Item), [
            {"sku": f"B{n:06d}", "name": f"商品 {n}", "base_unit": "pcs", "lot_tracked": False,
             "expiry_tracked": False, "fefo": False, "active": True, "created_at": now}
            for n in range(ITEMS)
        ])
        item_ids = db.session.execute(sa.select(Item.id).order_by(Item.id)).scalars().all()
        db.session.execute(sa.insert(Lot), [
            {"item_id": i, "code": "L1", "received_at": now} for i in item_ids])
        lots = dict(db.session.execute(sa.select(Lot.item_id, Lot.id)).all())
    by_code = {p.code: p.id for p in places}
    return {"warehouse": warehouse.id, "owner": owner.id, "clerk": clerk.id, "items": item_ids, "lots": lots,
            "places": by_code, "bins": [by_code[f"S-{n:04d}"] for n in range(BINS)]}


def day_entries(world: dict, day: date, rng: random.Random) -> list[dict]:
    """About ENTRIES_PER_DAY entries of one day: receipts, put-aways, picks, ships, adjustments."""
    zone = warehouse_zone()
    start = datetime.combine(day, clock(7), tzinfo=zone).astimezone(timezone.utc)
    p = world["places"]
    rows: list[dict] = []
    while len(rows) < ENTRIES_PER_DAY:
        item = rng.choice(world["items"])
        lot = world["lots"][item]
        bin_id = rng.choice(world["bins"])
        quantity = rng.randint(1, 20)
        roll = rng.random()
        if roll < 0.2:
            kind, source, destination = "receipt", p["SUP"], p["DOCK"]
        elif roll < 0.4:
            kind, source, destination = "putaway", p["DOCK"], bin_id
        elif roll < 0.65:
            kind, source, destination = "pick", bin_id, p["PACK"]
        elif roll < 0.9:
            kind, source, destination = "ship", p["PACK"], p["CUS"]
        else:
            kind, source, destination = "adjustment", p["LF"], bin_id
        at = start + timedelta(seconds=rng.randint(0, 13 * 3600))
        movement = uuid.uuid4().hex
        for location, sign in ((source, -1), (destination, 1)):
            rows.append({"movement_id": movement, "kind": kind, "item_id": item, "lot_id": lot,
                         "location_id": location, "owner_id": world["owner"], "quantity": sign * quantity,
                         "document_type": None, "document_id": None, "user_id": world["clerk"],
                         "created_at": at, "reason": None, "reverses_entry_id": None, "business_day": day})
    return rows


def insert_entries(rows: list[dict]) -> None:
    """Bulk insert into an open day: COPY on PostgreSQL with the table's triggers (the foreign
    keys' and the ledger guards') off for the load, as a restore does; executemany on SQLite."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        columns = list(rows[0])
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY ledger_entry ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row[c] for c in columns])
    else:
        connection.execute(sa.insert(LedgerEntry.__table__), rows)


def settle_history() -> None:
    """On PostgreSQL, VACUUM ANALYZE the ledger and the stored balances, as autovacuum does to a
    live database's older pages, so that the 1M and the 5M ledger are measured in the same
    state. Left to chance, autovacuum had reached the 5M ledger's history during its longer
    load and not the 1M one's, and the planner then read the same day differently at each size."""
    db.session.commit()
    if db.engine.dialect.name != "postgresql":
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM (ANALYZE) ledger_entry, day_balance")


def timed(fns: dict, runs: int = RUNS) -> dict[str, float]:
    """Median seconds of ``runs`` warm calls of each function (after one unmeasured call each),
    taken in turns, so that a moment of load on a shared machine falls on all of them alike."""
    for fn in fns.values():
        fn()
        db.session.rollback()
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - started)
            db.session.rollback()
    return {name: statistics.median(values) for name, values in samples.items()}


def measure(world: dict, day: date, entries: int) -> dict:
    """The three figures for the report day over a ledger of ``entries`` entries."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    warehouse = world["warehouse"]
    params = {"day": day, "previous": day - timedelta(days=1), "warehouse": warehouse}
    medians = timed({"sql": lambda: db.session.execute(BASELINE_SQL, params).all(),
                     "stock": lambda: stock_rows(warehouse, day),
                     "report": lambda: day_report(warehouse, day)})
    sql, stock, report = medians["sql"], medians["stock"], medians["report"]
    rows = stock_rows(warehouse, day)
    baseline = {(r[0], r[1]): (int(r[6]), int(r[7]), int(r[8])) for r in db.session.execute(BASELINE_SQL, params)}
    agree = len(baseline) == len(rows) and all(
        baseline.get((r.item_id, r.owner_id)) == (r.opening, r.received_in, r.shipped_out) for r in rows)
    db.session.rollback()
    return {"entries": entries, "sql": sql, "stock": stock, "report": report, "agree": agree, "rows": len(rows)}


def run(url: str, sizes: list[int]) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        db.create_all()
        dialect = db.engine.dialect.name
        world = load_master_data()
        clerk = db.session.get(User, world["clerk"])
        rng = random.Random(7)
        days_needed = -(-max(sizes) // ENTRIES_PER_DAY)
        first = warehouse_today() - timedelta(days=days_needed + 1)
        results = []
        loaded, day = 0, first
        load_started = time.perf_counter()
        for size in sizes:
            while loaded + ENTRIES_PER_DAY < size:
                t0 = time.perf_counter()
                with transaction():
                    rows = day_entries(world, day, rng)
                    t1 = time.perf_counter()
                    insert_entries(rows)
                t2 = time.perf_counter()
                loaded += len(rows)
                close_day(clerk, day)
                if os.environ.get("BENCH_TRACE"):
                    print(f"  {day}: generate {t1 - t0:.2f} s, insert {t2 - t1:.2f} s, "
                          f"close {time.perf_counter() - t2:.2f} s", flush=True)
                day += timedelta(days=1)
            # The history as a live database has it: vacuumed by autovacuum (its pages all-visible)
            # with planner statistics, whatever the ledger's size; the report day itself is fresh.
            settle_history()
            # The report day: the same volume, left open, the day before it closed.
            with transaction():
                rows = day_entries(world, day, rng)
                insert_entries(rows)
            loaded += len(rows)
            print(f"[{dialect}] loaded {loaded:,} entries over {(day - first).days + 1} days "
                  f"in {time.perf_counter() - load_started:.0f} s", flush=True)
            results.append(measure(world, day, loaded))
            close_day(clerk, day)
            day += timedelta(days=1)
        print(f"\n{dialect}: one day's report ({ENTRIES_PER_DAY:,} entries that day, {ITEMS:,} items), "
              f"median of {RUNS} warm runs")
        print(f"{'ledger':>11} {'SQL by hand':>14} {'stock section':>14} {'ratio':>6} {'whole report':>13}"
              f" {'ratio':>6}  agrees")
        for r in results:
            print(f"{r['entries']:>11,} {r['sql'] * 1000:>11.0f} ms {r['stock'] * 1000:>11.0f} ms "
                  f"{r['stock'] / r['sql']:>5.2f}x {r['report'] * 1000:>10.0f} ms {r['report'] / r['sql']:>5.2f}x"
                  f"  {'yes' if r['agree'] else 'NO'}")
        if len(results) > 1:
            small, large = results[0], results[-1]
            print(f"growth {small['entries']:,} -> {large['entries']:,}: stock section "
                  f"{large['stock'] / small['stock']:.2f}x, whole report {large['report'] / small['report']:.2f}x, "
                  f"SQL {large['sql'] / small['sql']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="", help="PostgreSQL server URL; SQLite when left out")
    parser.add_argument("--sizes", default="1000000,5000000", help="ledger sizes, comma-separated")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    if args.database_url.startswith(("postgres", "postgresql")):
        server = sa.make_url(normalise_database_url(args.database_url))
        name = f"wms_bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            run(server.set(database=name).render_as_string(hide_password=False), sizes)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()
    else:
        with tempfile.TemporaryDirectory() as directory:
            run(f"sqlite:///{os.path.join(directory, 'bench.db')}", sizes)


if __name__ == "__main__":
    main()
