"""Demo devices: a scale and a label printer simulated on loopback TCP, wired to PACK-01,
and their control panel over HTTP (``devices.simulators.control``).

``wms serve --simulators`` starts them in the gunicorn master before it forks its
workers. The simulators' threads live in the master only; the workers reach them
over TCP like any networked device (a serial server, a printer on port 9100), opening
them per request. The forked workers close their copies of the simulators'
descriptors so that a connection the master drops is really gone, and the master
stops the simulators when it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading

import sqlalchemy as sa
from flask import Flask

from devices.simulators.control import SimulatorControl
from devices.simulators.printer import PrinterSimulator
from devices.simulators.scale import ScaleSimulator
from wms.extensions import db
from wms.models import Warehouse
from wms.services.stations import save_station
from wms.services.uow import transaction

DEMO_STATION = "PACK-01"
DEMO_WEIGHT = "1.250"

_running: list = []
_controls: list = []  # the simulators' control panel (devices.simulators.control)
_lock = threading.Lock()
_hooks: list[int] = []  # pid of the process whose exit and forks are hooked


def start_demo_simulators(app: Flask) -> list[str]:
    """Start the demo scale and printer, point station PACK-01 at them; lines to print."""
    with _lock:
        if not _running:
            scale = ScaleSimulator("mt-sics", "tcp", weight=DEMO_WEIGHT, unit="kg", decimals=3).start()
            try:
                printer = PrinterSimulator("zpl", "tcp").start()
            except BaseException:
                scale.stop()
                raise
            _running.extend([scale, printer])
            _controls.append(SimulatorControl(scale, printer).start())
            if not _hooks:
                _hooks.append(os.getpid())
                atexit.register(_stop_in, os.getpid())
                os.register_at_fork(after_in_child=_forget_in_child)
        scale, printer = _running
        control = _controls[0]
    with app.app_context():
        warehouse = _demo_warehouse()
        save_station(DEMO_STATION, {
            "name": "打包台 1 (simulated scale and printer)", "kind": "packing",
            "warehouse_id": warehouse.id, "active": True,
            "scale_url": scale.url, "scale_protocol": "mt-sics", "scale_options": {},
            "printer_url": printer.url, "printer_language": "zpl", "printer_options": {},
        })
        db.session.remove()
        # gunicorn forks its workers next: none of them may inherit this process's connections.
        db.engine.dispose()
    return [
        f"simulated scale (MT-SICS, {DEMO_WEIGHT} kg): {scale.url}",
        f"simulated label printer (ZPL): {printer.url}",
        f"station {DEMO_STATION} uses them: GET /api/v1/stations/{DEMO_STATION}/scale?stable=true",
        f"simulators' control panel: {control.url} (POST /scale {{\"weight\": \"0.850\"}}, "
        f"POST /printer {{\"online\": false}}; docs/devices.md)",
    ]


def running_simulators() -> list:
    """The demo simulators started in this process (scale, printer), if any."""
    return list(_running)


def stop_demo_simulators() -> None:
    """Stop the demo simulators (also run at exit of the process that started them)."""
    with _lock:
        sims, _running[:] = list(_running), []
        controls, _controls[:] = list(_controls), []
    for control in controls:
        control.stop()
    for sim in sims:
        sim.stop()


def _stop_in(owner: int) -> None:
    # atexit also runs in forked gunicorn workers when they exit; only the owner stops.
    if os.getpid() == owner:
        stop_demo_simulators()


def _forget_in_child() -> None:
    """In a forked worker: close the inherited descriptors, never touch the master's threads."""
    for sim in _running:
        for name in ("_client", "_listener"):
            sock = getattr(sim, name, None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
        for name in ("_master", "_slave"):
            fd = getattr(sim, name, None)
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
    _running.clear()
    for control in _controls:  # its socket only: the serving thread is the master's
        control.close_socket()
    _controls.clear()


def _demo_warehouse() -> Warehouse:
    warehouse = db.session.execute(sa.select(Warehouse).order_by(Warehouse.id).limit(1)).scalar_one_or_none()
    if warehouse is not None:
        return warehouse
    with transaction():
        warehouse = Warehouse(code="WH-DEMO", name="Demo warehouse")
        db.session.add(warehouse)
        db.session.flush()
    return warehouse
