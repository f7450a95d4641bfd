"""Benchmark of a handheld's hot path: one authenticated scan that posts one movement.

Two gunicorn servers run side by side on the same database:

- ``wms``: ``POST /api/v1/stock/moves`` with a bearer token and an Idempotency-Key,
  which checks the caller, looks up the scan, lets the domain decide
  (``wms.domain.movements``, the same rules on both databases), and posts the two
  ledger entries, the on-hand change and the call's record. On PostgreSQL it reads
  once (the caller with the lookup, one SELECT) and writes once (one guarded
  autocommit statement), falling back to the general transactional path whenever
  that write writes nothing; SQLite runs the general path;
- ``baseline``: a minimal Flask endpoint that runs one SQL UPDATE and commits.

Two measurements, in the same run:

1. **throughput** (closed loop): the same load generator (processes sending back to
   back) drives each server for the same time; requests/s and p50/p99 are printed
   with the ratio wms/baseline. A shared machine's speed drifts, so each round runs the
   baseline and then wms right after it, and the ratio reported is the median of the
   rounds' ratios (each round's is printed too);
2. **latency at an offered load** (open loop): scans are sent to wms on a fixed
   schedule (``--rate`` per second in all) whatever the answers, by many senders that
   each take every n-th slot; a request's latency is counted from the time it was
   scheduled to be sent, so queueing (in the server or a late sender) counts.

    python bench/bench_scan.py                      # PostgreSQL at 127.0.0.1:5432/test
    python bench/bench_scan.py --database sqlite    # SQLite file in a temp folder
    python bench/bench_scan.py --pre-ping           # wms pinging every pooled connection it takes
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
ITEMS = 64
STOCK_PER_ITEM = 1_000_000

BASELINE_APP = textwrap.dedent('''
    """Minimal Flask app: one SQL UPDATE per request, the baseline of bench_scan."""
    import os
    import sqlalchemy as sa
    from flask import Flask, jsonify

    engine = sa.create_engine(os.environ["DATABASE_URL"], pool_size=2)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, record):
            dbapi_connection.isolation_level = None
            dbapi_connection.execute("PRAGMA journal_mode=WAL")
            dbapi_connection.execute("PRAGMA busy_timeout=10000")
            dbapi_connection.execute("PRAGMA synchronous=FULL")

        @sa.event.listens_for(engine, "begin")
        def _begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    app = Flask(__name__)
    STMT = sa.text("UPDATE bench_counter SET n = n + 1 WHERE id = :id")

    @app.post("/update/<int:row>")
    def update(row):
        with engine.begin() as conn:
            conn.execute(STMT, {"id": row})
        return jsonify(ok=True)
''')


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_database(kind: str, workdir: Path) -> tuple[str, callable]:
    """A fresh database for the run and a function that removes it."""
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", lambda: None
    server = sa.make_url(os.environ.get("WMS_BENCH_DATABASE_URL", DEFAULT_PG))
    name = f"wms_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    return server.set(database=name).render_as_string(hide_password=False), drop


def seed(url: str, clients: int) -> list[dict]:
    """Schema, a warehouse with stock of 64 items, one picker per client; returns scans."""
    from tests.factories import build_world
    from wms import create_app
    from wms.domain.barcodes import with_check_digit
    from wms.extensions import db
    from wms.models import Item, ItemBarcode, User
    from wms.services.stock import StockChange, get_or_create_lot, post_movement
    from wms.services.uow import transaction

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    scans = []
    with app.app_context():
        db.create_all()
        world = build_world()
        with transaction():
            admin = world.user("admin")
            for n in range(ITEMS):
                gtin = with_check_digit(f"69099{n:07d}")
                item = Item(sku=f"BENCH-{n}", name=f"bench {n}", barcodes=[ItemBarcode(code=gtin, kind="gtin")])
                db.session.add(item)
                db.session.flush()
                lot = get_or_create_lot(item.id, f"BL-{n}")
                post_movement(admin, "receipt", [StockChange(
                    item.id, lot.id, world.owners["OWN"], world.place("SUP"), world.place("A-01-01"),
                    STOCK_PER_ITEM)])
                scans.append({"item": gtin, "from_location": "A-01-01", "to_location": "B-01-01", "quantity": 1})
            for c in range(clients):
                user = User(username=f"picker{c}", display_name=f"picker {c}", role="picker")
                user.set_password("bench-password")
                db.session.add(user)
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE bench_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
            conn.execute(sa.text("INSERT INTO bench_counter (id, n) VALUES (:id, 0)"),
                         [{"id": i} for i in range(ITEMS)])
        db.engine.dispose()
    return scans


WMS_APP = textwrap.dedent('''
    """wms as the benchmark serves it: the defaults, optionally with a ping on every checkout."""
    import os

    from wms import create_app
    from wms.config import Defaults

    # The default pings only a connection that lay idle (wms.database); --pre-ping pings every one.
    options = dict(Defaults.SQLALCHEMY_ENGINE_OPTIONS, pool_pre_ping=os.environ.get("BENCH_PRE_PING") == "1")
    app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": options})
''')


def start_server(target: str, url: str, port: int, workers: int, workdir: Path,
                 extra_env: dict | None = None) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=url, WMS_SECRET_KEY="bench", PYTHONPATH=f"{workdir}:{ROOT}",
               **(extra_env or {}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--worker-class", "sync", "--keep-alive", "30", "--log-level", "warning", target],
        env=env, cwd=workdir,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"{target} did not start")


def token_for(port: int, username: str) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/api/v1/auth/token", json.dumps({"username": username, "password": "bench-password"}),
                 {"Content-Type": "application/json"})
    response = conn.getresponse()
    body = json.loads(response.read())
    conn.close()
    if response.status != 201:
        raise RuntimeError(body)
    return body["token"]


def _scan_request(scan: dict, token: str) -> tuple[str, str, dict]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}",
               "Idempotency-Key": uuid.uuid4().hex}
    return "/api/v1/stock/moves", json.dumps(scan), headers


def client_loop(args) -> tuple[list[float], int]:
    """One client: requests back to back over one keep-alive connection until time is up."""
    port, kind, token, scans, seconds, index = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors, n = [], 0, index
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        n += 1
        if kind == "wms":
            path, body, headers = _scan_request(scans[n % len(scans)], token)
        else:
            body, headers, path = "", {}, f"/update/{n % ITEMS}"
        t0 = time.perf_counter()
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - t0)
        if response.status not in (200, 201):
            errors += 1
    conn.close()
    return latencies, errors


def open_loop_sender(args) -> tuple[list[float], int]:
    """One sender of the open loop: slot k of every ``senders`` at ``start + k / rate``.

    Latency runs from the slot's scheduled time, so a request sent late because this
    sender's previous answer came late counts that delay too.
    """
    port, token, scans, rate, seconds, index, senders, start = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, errors = [], 0
    slot = index
    while slot / rate < seconds:
        scheduled = start + slot / rate
        delay = scheduled - time.time()
        if delay > 0:
            time.sleep(delay)
        path, body, headers = _scan_request(scans[slot % len(scans)], token)
        try:
            conn.request("POST", path, body, headers)
            response = conn.getresponse()
            response.read()
            ok = response.status == 201
        except (OSError, http.client.HTTPException):
            conn.close()
            ok = False
        latencies.append(time.time() - scheduled)
        errors += not ok
        slot += senders
    conn.close()
    return latencies, errors


def open_loop(port: int, tokens: list[str], scans: list[dict], rate: float, seconds: float,
              senders: int) -> dict:
    """Offer ``rate`` scans/s for ``seconds``; latency from each request's scheduled send time."""
    start = time.time() + 1.0  # every sender is up before the first slot
    jobs = [(port, tokens[i % len(tokens)], scans, rate, seconds, i, senders, start) for i in range(senders)]
    with mp.get_context("fork").Pool(senders) as pool:
        results = pool.map(open_loop_sender, jobs)
    latencies = sorted(x for lat, _ in results for x in lat)
    count = len(latencies)
    return {
        "requests": count, "errors": sum(e for _, e in results), "rate": rate, "seconds": seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(count - 1, int(count * 0.99))],
        "max_ms": 1000 * latencies[-1],
    }


def drive(port: int, kind: str, tokens: list[str], scans: list[dict], seconds: float) -> dict:
    jobs = [(port, kind, tokens[i] if tokens else "", scans, seconds, i * 7) for i in range(len(tokens) or 1)]
    with mp.get_context("fork").Pool(len(jobs)) as pool:
        results = pool.map(client_loop, jobs)
    latencies = sorted(x for lat, _ in results for x in lat)
    errors = sum(e for _, e in results)
    count = len(latencies)
    return {
        "requests": count, "errors": errors, "rps": count / seconds,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(count - 1, int(count * 0.99))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=5, help="alternate baseline and wms this many times")
    parser.add_argument("--rate", type=float, default=200.0, help="open loop: scans offered per second")
    parser.add_argument("--open-seconds", type=float, default=20.0, help="open loop: how long")
    parser.add_argument("--senders", type=int, default=32, help="open loop: processes sending the slots")
    parser.add_argument("--pre-ping", action="store_true",
                        help="wms with SQLAlchemy's pre-ping on every checkout (the default pings idle ones only)")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        (workdir / "baseline_app.py").write_text(BASELINE_APP)
        (workdir / "bench_wms.py").write_text(WMS_APP)
        url, drop = prepare_database(options.database, workdir)
        servers = []
        try:
            scans = seed(url, options.clients)
            wms_port, base_port = free_port(), free_port()
            servers.append(start_server("bench_wms:app", url, wms_port, options.workers, workdir,
                                        {"BENCH_PRE_PING": "1" if options.pre_ping else "0"}))
            servers.append(start_server("baseline_app:app", url, base_port, options.workers, workdir))
            tokens = [token_for(wms_port, f"picker{c}") for c in range(options.clients)]
            drive(wms_port, "wms", tokens, scans, 2.0)  # warm up both
            drive(base_port, "baseline", [""] * options.clients, scans, 2.0)
            results = {"wms": [], "baseline": []}
            for _ in range(options.rounds):
                results["baseline"].append(drive(base_port, "baseline", [""] * options.clients, scans,
                                                 options.seconds))
                results["wms"].append(drive(wms_port, "wms", tokens, scans, options.seconds))
            offered = open_loop(wms_port, tokens, scans, options.rate, options.open_seconds, options.senders)
        finally:
            for proc in servers:
                proc.send_signal(signal.SIGTERM)
            for proc in servers:
                proc.wait(timeout=30)
            check_ledger(url)
            drop()

    print(f"database={options.database} clients={options.clients} gunicorn workers={options.workers} "
          f"seconds={options.seconds} rounds={options.rounds} "
          f"pre-ping={'every checkout' if options.pre_ping else 'idle only'}")
    print(f"{'endpoint':<28}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}")
    for name, label in (("baseline", "baseline: one SQL UPDATE"), ("wms", "wms: scan move + ledger")):
        runs = results[name]
        rps = statistics.median(r["rps"] for r in runs)
        p50 = statistics.median(r["p50_ms"] for r in runs)
        p99 = statistics.median(r["p99_ms"] for r in runs)
        errors = sum(r["errors"] for r in runs)
        print(f"{label:<28}{rps:>10.0f}{p50:>10.1f}{p99:>10.1f}{errors:>8}")
    ratios = [w["rps"] / b["rps"] for b, w in zip(results["baseline"], results["wms"], strict=True)]
    print("ratio wms/baseline per round: " + ", ".join(f"{r:.2f}" for r in ratios))
    print(f"ratio wms/baseline throughput (median of rounds): {statistics.median(ratios):.2f} (target >= 0.50)")
    print(f"open loop: {offered['rate']:.0f} scans/s offered for {offered['seconds']:.0f} s by {options.senders} "
          f"senders: {offered['requests']} sent, {offered['errors']} errors, p50 {offered['p50_ms']:.1f} ms, "
          f"p99 {offered['p99_ms']:.1f} ms (target < 50), max {offered['max_ms']:.1f} ms")


def check_ledger(url: str) -> None:
    from wms import create_app
    from wms.extensions import db
    from wms.services.stock import verify_ledger

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        check = verify_ledger()
        print(f"ledger after the run: {check.entries} entries, verify ok={check.ok}")
        db.engine.dispose()


if __name__ == "__main__":
    main()
