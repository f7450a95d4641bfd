"""Devices after an unplug: the simulator is killed mid-read, then restarted or left gone.

Every scale protocol behaves the same: with ``reconnect=True`` (the default) a device
that comes back within the read is reconnected and the read returns its weight (MT-SICS
sends its command again); a device that stays gone is ``device_disconnected`` soon after
the loss, not a timeout or ``scale_unstable`` once the whole timeout has run out. The
scanner shares the driver layer, so a vanished scanner ends ``listen`` the same way.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from decimal import Decimal

import pytest

from devices.errors import DeviceDisconnected
from devices.registry import create_device
from devices.scanners import SerialScanner
from devices.simulators.scale import ScaleSimulator
from devices.simulators.scanner import ScannerSimulator

PROTOCOLS = ("mt-sics", "toledo", "xk3190")
TIMEOUT = 5.0
# Generous on a loaded machine, yet well under TIMEOUT: the loss is reported, not waited out.
PROMPTLY = TIMEOUT * 0.6
# Room for a restart on a loaded machine; the default window (1 s) is what PROMPTLY checks.
RESTART_WINDOW = 3.0


@pytest.fixture(params=PROTOCOLS)
def protocol(request):
    """Run the test once per scale protocol."""
    return request.param


@pytest.fixture
def scale_site(transport, tmp_path):
    """Start scale simulators at one address, so a restarted one is found where the old one was."""
    sims: list[ScaleSimulator] = []
    link = str(tmp_path / "scale0") if transport == "pty" else None
    port = 0

    def start(protocol, **state):
        nonlocal port
        sim = ScaleSimulator(protocol, transport, port=port, link=link, interval=0.02, **state).start()
        port = sim.port
        sims.append(sim)
        return sim

    yield start
    for sim in sims:
        sim.stop()


def open_scale(protocol, url, **options):
    """Open a scale of ``protocol`` with the registry's defaults (so ``reconnect=True``)."""
    if protocol == "xk3190":
        options = {"stable_count": 3, "stable_seconds": 0.1, **options}
    return create_device(f"scale:{protocol}", url, timeout=TIMEOUT, **options).open()


def wait_until(condition, seconds: float = 5.0) -> None:
    """Poll ``condition`` until it holds (or give up after ``seconds``)."""
    give_up = time.monotonic() + seconds
    while not condition() and time.monotonic() < give_up:
        time.sleep(0.01)


@contextlib.contextmanager
def disconnected_promptly(match: str | None = None):
    """Expect DeviceDisconnected, raised well before TIMEOUT has run out."""
    started = time.monotonic()
    with pytest.raises(DeviceDisconnected, match=match) as lost:
        yield lost
    assert time.monotonic() - started < PROMPTLY


class Outage:
    """Kill a simulator from another thread while the test's read is under way.

    Waits until ``mid_read()`` holds, stops the simulator (its sockets and pty close
    as when the process dies) and, given ``restart``, starts a new one after a short gap.
    """

    def __init__(self, sim, mid_read, restart=None, gap: float = 0.1):
        self.sim, self.mid_read, self.restart, self.gap = sim, mid_read, restart, gap
        self.killed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outage", daemon=True)

    def _run(self) -> None:
        wait_until(self.mid_read)
        self.sim.stop()
        self.killed.set()
        if self.restart is not None:
            time.sleep(self.gap)
            self.restart()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._thread.join(10)


def mid_read_of(protocol, sim):
    """A condition that holds once the read in progress has reached the device."""
    if protocol == "mt-sics":
        return lambda: b"S\r\n" in sim.received  # the balance holds S until the load settles
    started = time.monotonic()
    return lambda: time.monotonic() - started > 0.3  # a few swinging frames into read_stable


def test_scale_killed_and_restarted_mid_read_returns_the_new_weight(protocol, scale_site):
    sim = scale_site(protocol, weight="2", stable=False, stability_timeout=30)
    with open_scale(protocol, sim.url, reconnect_window=RESTART_WINDOW) as scale:
        assert not scale.read(TIMEOUT).stable
        restart = functools.partial(scale_site, protocol, weight="7", decimals=2)
        with Outage(sim, mid_read_of(protocol, sim), restart) as outage:
            reading = scale.read_stable(TIMEOUT)
        assert outage.killed.is_set()
        assert reading.weight.value == Decimal("7.00") and reading.stable


def test_scale_killed_and_restarted_between_reads_is_read_again(protocol, scale_site):
    sim = scale_site(protocol, weight="2", decimals=2)
    with open_scale(protocol, sim.url) as scale:
        assert scale.read_stable(TIMEOUT).weight.value == Decimal("2.00")
        sim.stop()
        scale_site(protocol, weight="3", decimals=2)
        assert scale.read_stable(TIMEOUT).weight.value == Decimal("3.00")


def test_scale_killed_mid_read_and_not_back_is_disconnected_promptly(protocol, scale_site):
    sim = scale_site(protocol, weight="2", stable=False, stability_timeout=30)
    with open_scale(protocol, sim.url) as scale:
        assert not scale.read(TIMEOUT).stable
        with Outage(sim, mid_read_of(protocol, sim)) as outage, disconnected_promptly() as lost:
            scale.read_stable(TIMEOUT)
        assert outage.killed.is_set()
        assert lost.value.code == "device_disconnected" and lost.value.url == sim.url


def test_scale_that_stays_gone_is_disconnected_on_every_read_within_the_window(protocol, scale_site):
    sim = scale_site(protocol, weight="2", decimals=2)
    with open_scale(protocol, sim.url, reconnect_window=0.3) as scale:
        scale.read(TIMEOUT)
        sim.stop()
        for read in (scale.read, scale.read_stable):
            with disconnected_promptly(match="did not come back"):
                read(TIMEOUT)
        assert scale.health(TIMEOUT).code == "device_disconnected"


def test_reconnect_window_never_outlasts_the_read(scale_site):
    sim = scale_site("mt-sics", weight="2")
    with open_scale("mt-sics", sim.url, reconnect_window=60) as scale:
        sim.stop()
        with disconnected_promptly():
            scale.read(0.5)


def test_scale_without_reconnect_reports_a_kill_mid_read_at_once(protocol, scale_site):
    sim = scale_site(protocol, weight="2", stable=False, stability_timeout=30)
    with open_scale(protocol, sim.url, reconnect=False) as scale:
        assert not scale.read(TIMEOUT).stable
        with Outage(sim, mid_read_of(protocol, sim)), disconnected_promptly():
            scale.read_stable(TIMEOUT)


def test_scanner_killed_while_listening_is_disconnected_not_a_quiet_end(transport):
    sim = ScannerSimulator(transport).start()
    try:
        with SerialScanner(sim.url) as scanner:
            listening = scanner.listen(timeout=TIMEOUT)
            sim.scan("]C0BEFORE")
            assert next(listening).text == "BEFORE"
            started = time.monotonic()
            with Outage(sim, lambda: time.monotonic() - started > 0.2), disconnected_promptly():
                next(listening)
    finally:
        sim.stop()


def test_reconnect_window_is_a_registry_option_in_seconds():
    scale = create_device("scale:toledo", "loop://", reconnect_window="0.5")
    assert scale.reconnect_window == 0.5 and isinstance(scale.reconnect_window, float)
