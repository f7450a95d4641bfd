"""Fixtures: device simulators on real ptys and loopback TCP ports, and station helpers."""

from __future__ import annotations

import pytest

from devices.simulators.printer import PrinterSimulator
from devices.simulators.scale import ScaleSimulator


@pytest.fixture(params=["tcp", "pty"])
def transport(request):
    """Run the test once over loopback TCP and once over a pty."""
    return request.param


@pytest.fixture
def simulators():
    """Start simulators that are always stopped: ``simulators.scale(...)``, ``.printer(...)``."""

    class Simulators:
        def __init__(self):
            self.started = []

        def scale(self, protocol="mt-sics", transport="tcp", *, overload=False, underload=False,
                  paused=False, corrupt_checksum=False, **kwargs):
            # State is set before the thread starts: a continuous scale must not stream a
            # frame of the old state that a TCP client would get first on connecting.
            sim = ScaleSimulator(protocol, transport, **kwargs)
            sim.set_range(overload=overload, underload=underload)
            sim.paused, sim.corrupt_checksum = paused, corrupt_checksum
            sim.start()
            self.started.append(sim)
            return sim

        def printer(self, language="zpl", transport="tcp", **kwargs):
            sim = PrinterSimulator(language, transport, **kwargs).start()
            self.started.append(sim)
            return sim

    sims = Simulators()
    yield sims
    for sim in sims.started:
        sim.stop()


@pytest.fixture
def make_station(api, world):
    """Create a station through the API as admin; returns its JSON."""
    counter = iter(range(1, 1000))

    def make(code=None, **fields):
        body = {"code": code or f"ST-{next(counter):02d}", "name": "打包台", "kind": "packing",
                "warehouse_id": world.warehouse_id, **fields}
        response = api.as_("admin").post("/api/v1/stations", json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return make
