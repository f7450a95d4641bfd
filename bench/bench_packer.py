"""A packer's cycle at a packing station: from the last verify scan to the label at the printer.

The real server runs with the demo warehouse (``wms db upgrade``, ``wms demo``,
``wms serve --workers 2``, as the server tests start it) on a database of its own. A
packing station is configured with a scale simulator (MT-SICS over TCP) and a label
printer simulator (ZPL over TCP), both in this process. Each cycle is an order of two
units, approved, allocated, counted at the bin and its first unit verified beforehand;
then, timed, what the station's screen sends for the parcel (``pack.js``):

1. ``verify``: the last unit's verify scan (S2 step 2);
2. ``weight``: the expected weight and the station's stable scale reading (the simulator
   set to the expected weight before the scan, as a packer puts the parcel on the pan);
3. ``waybill``: the tracking number from the courier's waybill provider (the demo's
   local provider: its own time is a few milliseconds, the provider a site uses adds
   its own round trip);
4. ``ship``: ship and deduct in one step at the station (the service reads the scale
   before its transaction, queues the label in it and sends it after the commit);
5. ``label``: until the label's bytes are at the printer simulator.

The cycle is the sum, from sending the verify scan to the label arriving. p50 and p95
(nearest rank) of each are printed with the target (the cycle's p95 under 500 ms);
nothing is asserted.

    python bench/bench_packer.py                        # SQLite file in a temp folder
    python bench/bench_packer.py --database postgresql  # a fresh database at 127.0.0.1:5432
    python bench/bench_packer.py --cycles 60
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_scan import prepare_database  # noqa: E402  (the same databases as the scan benchmark)

from devices.simulators.printer import PrinterSimulator  # noqa: E402
from devices.simulators.scale import ScaleSimulator  # noqa: E402
from tests.server.conftest import start_server, stop_server  # noqa: E402

SHIP = "/api/v1/shipping"
TARGET_P95_MS = 500
STEPS = ("verify", "weight", "waybill", "ship", "label", "cycle")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ok(response, *status: int) -> dict:
    if response.status_code not in (status or (200, 201)):
        raise SystemExit(f"{response.request.method} {response.request.url}: {response.status_code} {response.text}")
    return response.json()


def candidates(server) -> list[str]:
    """Demo items with at least 50 free units of the shop's own stock in an ordinary bin."""
    rows = ok(server.as_("supervisor").get("/api/v1/stock", params={"page_size": 100}))
    skus = {}
    for row in rows:
        if row["owner_code"] == "OWN" and row["available"] >= 50 and row["location_code"][:1] in "ABCD":
            skus.setdefault(row["sku"], row)
    return sorted(skus)


def prepared_order(server, sku: str) -> dict | None:
    """An order of two units, counted at the bin and its first unit verified: the task's data."""
    number = f"PACK-{uuid.uuid4().hex[:8]}"
    ok(server.as_("clerk").post(f"{SHIP}/orders", json={
        "number": number, "recipient_name": "张三丰", "recipient_phone": "13800138000",
        "recipient_address": "浙江省杭州市西湖区文三路1号", "lines": [{"item": sku, "quantity": 2}]}))
    ok(server.as_("supervisor").post(f"{SHIP}/orders/{number}/approve"))
    if not ok(server.as_("supervisor").post(f"{SHIP}/orders/{number}/allocate"))["fully_allocated"]:
        return None
    tasks = ok(server.as_("picker").get(f"{SHIP}/orders/{number}/pick-list"))
    for task in tasks:
        [row] = ok(server.as_("supervisor").get("/api/v1/stock", params={
            "item": task["sku"], "location": task["location"], "lot": task["lot"], "owner": "OWN"}))
        counted = ok(server.as_("picker").post(f"{SHIP}/tasks/{task['task_id']}/count", json={
            "location": task["location"], "item": task["sku"], "lot": task["lot"],
            "counted_quantity": row["quantity"]}))
        if counted["status"] != "counted":
            return None
    first = tasks[0]
    ok(server.as_("shipper").post(f"{SHIP}/orders/{number}/verify-scans",
                                   json={"item": first["sku"], "lot": first["lot"], "quantity": 1}))
    return {"number": number, "task": tasks[-1]}


def cycle(server, station: str, courier: str, scale: ScaleSimulator, printer: PrinterSimulator,
          order: dict) -> dict[str, float]:
    """One parcel, timed step by step (ms), as the station's screen sends it."""
    shipper = server.as_("shipper")
    number, task = order["number"], order["task"]
    printed_before = len(printer.jobs)
    times: dict[str, float] = {}
    start = mark = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        times[step] = (now - mark) * 1000
        mark = now

    verified = ok(shipper.post(f"{SHIP}/orders/{number}/verify-scans",
                               json={"item": task["sku"], "lot": task["lot"], "quantity": 1}))
    if not verified["complete"]:
        raise SystemExit(f"{number}: not complete after the last scan: {verified}")
    lap("verify")
    expected = ok(shipper.get(f"{SHIP}/orders/{number}/expected-weight"))
    scale.set_weight(Decimal(expected["expected_grams"]) / 1000, stable=True)
    reading = ok(shipper.get(f"/api/v1/stations/{station}/scale", params={"stable": "true"}))
    if not reading.get("stable", True):
        raise SystemExit(f"{station}: the scale did not settle: {reading}")
    lap("weight")
    ok(shipper.post(f"{SHIP}/orders/{number}/waybill", json={"courier": courier}))
    lap("waybill")
    shipped = ok(shipper.post(f"{SHIP}/orders/{number}/ship", json={
        "station": station, "handover": "manifest", "shipper_signature": "王"}))
    lap("ship")
    if shipped.get("label_job") is None:
        raise SystemExit(f"{number}: shipped without a label job: {shipped}")
    jobs = printer.wait_for_jobs(printed_before + 1, timeout=10)
    if len(jobs) <= printed_before:
        raise SystemExit(f"{number}: the label never reached the printer")
    lap("label")
    times["cycle"] = (time.perf_counter() - start) * 1000
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cycles", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3, help="cycles run first and not counted")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = prepare_database(options.database, workdir)
        server = scale = printer = None
        try:
            server = start_server(workdir, url)
            scale = ScaleSimulator("mt-sics", "tcp")
            scale.set_weight("0.000", stable=True)
            scale.start()
            printer = PrinterSimulator("zpl", "tcp").start()
            station = f"BENCH-{uuid.uuid4().hex[:4]}"
            warehouse = ok(server.as_("admin").get("/api/v1/warehouses"))[0]["id"]
            ok(server.as_("admin").post("/api/v1/stations", json={
                "code": station, "name": "打包台 bench", "kind": "packing", "warehouse_id": warehouse,
                "scale_url": scale.url, "scale_protocol": "mt-sics", "printer_url": printer.url,
                "printer_language": "zpl"}))
            couriers = ok(server.as_("shipper").get("/api/v1/couriers", params={"active": "true"}))
            courier = couriers[0]["code"]
            skus = candidates(server)
            results: list[dict[str, float]] = []
            attempts = 0
            while len(results) < options.warmup + options.cycles:
                attempts += 1
                if attempts > 3 * (options.warmup + options.cycles):
                    raise SystemExit("too few demo orders could be prepared")
                order = prepared_order(server, skus[attempts % len(skus)])
                if order is not None:
                    results.append(cycle(server, station, courier, scale, printer, order))
            measured = results[options.warmup:]
        finally:
            if scale is not None:
                scale.stop()
            if printer is not None:
                printer.stop()
            if server is not None:
                stop_server(server)
                verified = server.wms("ledger", "verify", check=False)
                print(f"ledger after the run: verify exit code {verified.returncode}")
            drop()

    print(f"packer's cycle, {options.database}, {len(measured)} parcels (after {options.warmup} warm-up), "
          f"wms serve with 2 workers, courier {courier}")
    print(f"{'step':<8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for step in STEPS:
        values = [r[step] for r in measured]
        print(f"{step:<8} {percentile(values, 50):>8.1f} {percentile(values, 95):>8.1f} {max(values):>8.1f}")
    p95 = percentile([r["cycle"] for r in measured], 95)
    print(f"target: the cycle's p95 under {TARGET_P95_MS} ms: {'met' if p95 < TARGET_P95_MS else 'NOT met'} "
          f"({p95:.1f} ms)")


if __name__ == "__main__":
    main()
