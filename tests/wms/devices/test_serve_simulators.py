"""``wms serve --simulators``: a real gunicorn whose workers reach the master's simulators."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys

import pytest
import requests

from tests.factories import PASSWORDS
from tests.server.conftest import free_port, wait_for

pytestmark = pytest.mark.slow


def refuses(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return False
    except OSError:
        return True


def test_serve_with_simulators_reads_the_scale_through_gunicorn(world, database_url, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "DATABASE_URL": database_url, "WMS_SECRET_KEY": "serve-test"}
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from wms.cli import main; main()", "serve", "--simulators",
             "--port", str(port), "--workers", "2"],
            stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        text = wait_for(lambda: "WMS serving on" in log.read_text() and log.read_text(), 30, "startup")
        scale_port = int(re.search(r"simulated scale .*socket://127\.0\.0\.1:(\d+)", text).group(1))
        printer_port = int(re.search(r"simulated label printer .*tcp://127\.0\.0\.1:(\d+)", text).group(1))
        with requests.Session() as http:
            def healthy():
                try:
                    return http.get(f"{base}/health", timeout=1).status_code == 200
                except requests.ConnectionError:
                    return False

            wait_for(healthy, 30, "gunicorn workers")
            token = http.post(f"{base}/auth/token", json={
                "username": "shipper", "password": PASSWORDS["shipper"]}, timeout=5).json()["token"]
            http.headers["Authorization"] = f"Bearer {token}"
            for _ in range(4):  # several requests: both workers open the devices per request
                reading = http.get(f"{base}/stations/PACK-01/scale?stable=true", timeout=10)
                assert reading.status_code == 200, reading.text
                assert (reading.json()["value"], reading.json()["stable"]) == ("1.250", True)
            printed = http.post(f"{base}/stations/PACK-01/labels", timeout=10, json={
                "label": "bin", "data": {"location": "A-01-01"}})
            assert printed.status_code == 202, printed.text
            health = http.get(f"{base}/stations/PACK-01/health", timeout=10).json()
            assert health["ok"] is True, health
            # The control panel the startup names: a parcel on the scale, the printer switched off.
            control = re.search(r"simulators' control panel: (http://127\.0\.0\.1:\d+/)", text).group(1)
            control_port = int(control.rsplit(":", 1)[1].strip("/"))
            put = requests.post(f"{control}scale", json={"weight": "0.850"}, timeout=5)
            assert put.status_code == 200 and put.json()["scale"]["weight"] == "0.850", put.text
            reading = http.get(f"{base}/stations/PACK-01/scale?stable=true", timeout=10).json()
            assert reading["value"] == "0.850"
            bad = requests.post(f"{control}scale", json={"weight": "-1"}, timeout=5)
            assert (bad.status_code, bad.json()["code"]) == (400, "invalid_input")
            assert requests.get(control, timeout=5).json()["scale"]["weight"] == "0.850"  # unchanged
            off = requests.post(f"{control}printer", json={"online": False}, timeout=5)
            assert off.json()["printer"]["online"] is False
            assert http.get(f"{base}/stations/PACK-01/health", timeout=10).json()["ok"] is False
            assert requests.post(f"{control}printer", json={"online": True}, timeout=5).json()["printer"]["online"]
            assert http.get(f"{base}/stations/PACK-01/health", timeout=10).json()["ok"] is True
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(5)
            raise
    # The simulators lived in the master and went with it.
    assert refuses("127.0.0.1", scale_port) and refuses("127.0.0.1", printer_port)
    assert refuses("127.0.0.1", control_port)
