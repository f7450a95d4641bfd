"""Station scale latency: from the simulator's stable flag to the weight in the HTTP response.

A station is configured in a throw-away SQLite database; a scale simulator swings the
load, then settles it at a recorded instant while ``GET /stations/<code>/scale?stable=true``
is waiting. The time from settling to the response arriving at the caller is printed.
Each request looks the station up, opens the device, waits and closes it, as in
production. ``--server client`` goes through Flask's test client (no network);
``--server gunicorn`` starts ``wms serve`` on 127.0.0.1 and calls it over HTTP.

    python bench/bench_station_scale.py --runs 20 --server client
    python bench/bench_station_scale.py --runs 20 --server gunicorn --workers 2
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from devices.simulators.scale import ScaleSimulator  # noqa: E402

PROTOCOLS = {
    "mt-sics": ({}, "S command; the balance replies once stable"),
    "toledo": ({}, "motion bit in the continuous frame"),
    "xk3190": ({"stable_count": 3, "stable_seconds": 0.2}, "3 identical frames spanning 0.2 s"),
}
PASSWORD = "bench-password-1"


def prepare(database: str) -> None:
    """Create the schema, a warehouse and an admin in a fresh SQLite file."""
    from wms import create_app
    from wms.extensions import db
    from wms.models import User, Warehouse
    from wms.services.uow import transaction

    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        with transaction():
            db.session.add(Warehouse(code="WH-B", name="bench"))
            user = User(username="bench", display_name="bench", role="admin")
            user.set_password(PASSWORD)
            db.session.add(user)
        db.engine.dispose()


class TestClientCaller:
    """Calls the API in-process through Flask's test client."""

    def __init__(self, database: str):
        from wms import create_app

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
        self.client = self.app.test_client()
        token = self.client.post("/api/v1/auth/token", json={"username": "bench", "password": PASSWORD})
        self.headers = {"Authorization": f"Bearer {token.get_json()['token']}"}

    def get(self, path: str) -> tuple[int, dict]:
        response = self.client.get(path, headers=self.headers)
        return response.status_code, response.get_json()

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        response = self.client.post(path, json=body, headers=self.headers)
        return response.status_code, response.get_json()

    def close(self) -> None:
        from wms.extensions import db

        with self.app.app_context():
            db.engine.dispose()


class GunicornCaller:
    """Starts ``wms serve`` on a free loopback port and calls it over HTTP."""

    def __init__(self, database: str, workers: int):
        import requests

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": database, "WMS_SECRET_KEY": "bench"}
        self.server = subprocess.Popen(
            [sys.executable, "-c", "from wms.cli import main; main()", "serve", "--port", str(port),
             "--workers", str(workers)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, start_new_session=True)
        self.base = f"http://127.0.0.1:{port}"
        self.http = requests.Session()
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.http.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        token = self.http.post(f"{self.base}/api/v1/auth/token",
                               json={"username": "bench", "password": PASSWORD}, timeout=5).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str) -> tuple[int, dict]:
        response = self.http.get(self.base + path, timeout=15)
        return response.status_code, response.json()

    def post(self, path: str, body: dict) -> tuple[int, dict]:
        response = self.http.post(self.base + path, json=body, timeout=15)
        return response.status_code, response.json()

    def close(self) -> None:
        self.http.close()
        self.server.send_signal(signal.SIGTERM)
        self.server.wait(30)


def measure(caller, protocol: str, transport: str, runs: int, interval: float) -> list[float]:
    """Milliseconds from 'stable' in the simulator to the reading in the HTTP response."""
    options, _ = PROTOCOLS[protocol]
    out = []
    with ScaleSimulator(protocol, transport, weight="0", decimals=2, interval=interval) as sim:
        code = f"BENCH-{protocol.upper()}"
        status, body = caller.post("/api/v1/stations", {
            "code": code, "name": code, "kind": "packing", "warehouse_id": 1,
            "scale_url": sim.url, "scale_protocol": protocol, "scale_options": options})
        assert status == 201, body
        for i in range(runs):
            target = Decimal(10 + i).quantize(Decimal("0.01"))
            sim.set_weight(target, stable=False)
            settled: dict = {}

            def settle(target=target, settled=settled):
                time.sleep(0.15)
                settled["at"] = time.monotonic()
                sim.set_weight(target, stable=True)

            thread = threading.Thread(target=settle, daemon=True)
            thread.start()
            while True:
                status, body = caller.get(f"/api/v1/stations/{code}/scale?stable=true&timeout=5")
                if status == 200 and Decimal(body["value"]) == target and "at" in settled:
                    break
            out.append((time.monotonic() - settled["at"]) * 1000)
            thread.join(1)
    return out


def main() -> None:
    """Run and print median / p90 / max latency per protocol."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--server", choices=["client", "gunicorn"], default="client")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--transport", choices=["tcp", "pty"], default="tcp")
    parser.add_argument("--interval", type=float, default=0.1, help="Continuous frame interval, s")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = f"sqlite:///{os.path.join(tmp, 'bench.db')}"
        prepare(database)
        caller = (GunicornCaller(database, args.workers) if args.server == "gunicorn"
                  else TestClientCaller(database))
        try:
            where = (f"gunicorn, {args.workers} workers, HTTP on 127.0.0.1" if args.server == "gunicorn"
                     else "Flask test client")
            print(f"{where}; scale over {args.transport}; {args.runs} runs; "
                  f"continuous frames every {args.interval * 1000:.0f} ms")
            print(f"{'protocol':<10}{'median ms':>11}{'p90 ms':>9}{'max ms':>9}  stability from")
            for protocol, (_, how) in PROTOCOLS.items():
                ms = sorted(measure(caller, protocol, args.transport, args.runs, args.interval))
                p90 = ms[min(len(ms) - 1, int(len(ms) * 0.9))]
                print(f"{protocol:<10}{statistics.median(ms):>11.1f}{p90:>9.1f}{ms[-1]:>9.1f}  {how}")
        finally:
            caller.close()


if __name__ == "__main__":
    main()
