"""A control panel for running simulators over HTTP, on 127.0.0.1 only.

The simulators are driven in Python (``ScaleSimulator.set_weight``, ``unplug()``); a
simulator started inside another process (the demo's, in the server's master) is driven
through this small JSON interface instead, so a person trying the packing station can put
a parcel on the scale or switch the printer off:

- ``GET /``: the scale's weight and stable flag, the printer's connection, paper and jobs;
- ``POST /scale`` ``{"weight": "0.850", "stable": true}``: a load on the pan;
- ``POST /printer`` ``{"online": false}`` (unplugged) or ``{"online": true}``, and
  ``{"paper_out": true}``.

Bad input is a 400 with ``{"code": "invalid_input", "message": ...}`` and changes nothing.
"""

from __future__ import annotations

import json
import threading
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BODY = 4096
MAX_WEIGHT = Decimal("100000")


class _Refused(Exception):
    pass


def _state(scale, printer) -> dict:
    state: dict = {}
    if scale is not None:
        state["scale"] = {"url": scale.url, "weight": str(scale.weight), "stable": scale.stable}
    if printer is not None:
        state["printer"] = {"url": printer.url, "online": printer.plugged,
                            "paper_out": printer.paper_out, "jobs": len(printer.jobs)}
    return state


def _weight(value) -> Decimal:
    try:
        weight = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise _Refused("weight is a number of the scale's unit, e.g. \"0.850\"") from None
    if not weight.is_finite() or weight < 0 or weight > MAX_WEIGHT:
        raise _Refused(f"weight is between 0 and {MAX_WEIGHT}")
    return weight


def _flag(body: dict, name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise _Refused(f"{name} is true or false")
    return value


class SimulatorControl:
    """Serves the control panel of a scale and a printer simulator (either may be None)."""

    def __init__(self, scale=None, printer=None, host: str = "127.0.0.1", port: int = 0) -> None:
        self.scale, self.printer = scale, printer
        control = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet: the server's log is the service's
                pass

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                if self.path != "/":
                    return self._answer(404, {"code": "not_found", "message": "GET / or POST /scale, /printer"})
                self._answer(200, _state(control.scale, control.printer))

            def do_POST(self) -> None:  # noqa: N802
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                    if length < 0 or length > MAX_BODY:
                        raise _Refused(f"a body of at most {MAX_BODY} bytes")
                    try:
                        body = json.loads(self.rfile.read(length) or b"{}")
                    except ValueError:
                        raise _Refused("the body is a JSON object") from None
                    if not isinstance(body, dict):
                        raise _Refused("the body is a JSON object")
                    if self.path == "/scale" and control.scale is not None:
                        control.drive_scale(body)
                    elif self.path == "/printer" and control.printer is not None:
                        control.drive_printer(body)
                    else:
                        return self._answer(404, {"code": "not_found", "message": "POST /scale or /printer"})
                except _Refused as refused:
                    return self._answer(400, {"code": "invalid_input", "message": str(refused)})
                self._answer(200, _state(control.scale, control.printer))

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="simulator-control", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/"

    def drive_scale(self, body: dict) -> None:
        stable = _flag(body, "stable")
        if "weight" in body:
            self.scale.set_weight(_weight(body["weight"]), stable=True if stable is None else stable)
        elif stable is not None:
            self.scale.set_stable(stable)
        else:
            raise _Refused("give weight and/or stable")

    def drive_printer(self, body: dict) -> None:
        online, paper_out = _flag(body, "online"), _flag(body, "paper_out")
        if online is None and paper_out is None:
            raise _Refused("give online and/or paper_out")
        if paper_out is not None:
            self.printer.paper_out = paper_out
        if online is True:
            self.printer.plug()
        elif online is False:
            self.printer.unplug()

    def start(self) -> SimulatorControl:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def close_socket(self) -> None:
        """In a forked child: close the inherited listening socket, leave the parent's thread be."""
        self._server.server_close()
