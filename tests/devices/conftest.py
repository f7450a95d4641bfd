"""Fixtures for device tests: simulators on real ptys and loopback TCP ports."""

from __future__ import annotations

import pytest

from devices.simulators.printer import PrinterSimulator
from devices.simulators.scale import ScaleSimulator
from devices.simulators.scanner import ScannerSimulator


@pytest.fixture(params=["pty", "tcp"])
def transport(request):
    """Run the test once on a pty and once on a TCP port."""
    return request.param


@pytest.fixture
def scale_sim(transport):
    """Factory for scale simulators that are always stopped."""
    sims = []

    def make(protocol, **kwargs):
        sim = ScaleSimulator(protocol, transport, **kwargs).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()


@pytest.fixture
def scanner_sim(transport):
    """A scanner simulator (suffix CR)."""
    with ScannerSimulator(transport) as sim:
        yield sim


@pytest.fixture
def printer_sim(transport):
    """Factory for printer simulators."""
    sims = []

    def make(language):
        sim = PrinterSimulator(language, transport).start()
        sims.append(sim)
        return sim

    yield make
    for sim in sims:
        sim.stop()
