"""Benchmark of the PDA app in a real browser: what a first load costs, and how fast a scan beeps.

The real server runs with the demo warehouse (``wms db upgrade``, ``wms demo``,
``wms serve --workers 2``, as the server tests start it) on a database of its own;
Debian's Chromium (headless, through Playwright) opens the app at a handheld's 360x640
screen with its CPU slowed four times (CDP ``Emulation.setCPUThrottlingRate``), about
what an entry-level Android PDA has against a desktop core. The demo picker logs in
through the login screen once; the pick screen opened is the demo's wave for that
picker (``GET /api/v1/shipping/waves?picker=picker``).

Three figures, read through the app's test contract (``window.wmsApp``):

1. **bytes of a first load** of the pick screen: before each load the page's service
   workers are unregistered, its Cache Storage emptied and the HTTP cache cleared
   (CDP ``Network.clearBrowserCache``), from a neutral page of the same origin; then
   ``/#/pick/<wave>`` is opened and every response's ``encodedDataLength`` (CDP
   ``Network.loadingFinished``: bytes on the wire, headers included) is summed until
   the screen is ready. What the service worker fetches for itself (its install's
   precache) runs in its own target and is counted apart, over the whole load;
2. **time to interactive**: navigation start to ``wmsApp.readyAt`` (the screen
   rendered and its scan field focused; ``performance.now()``, whose origin is the
   navigation start), the median of the cold loads (each as in 1);
3. **scan to feedback**: wedge scans typed on the pick screen (fast keystrokes and
   Enter, a mix of the task's bin and a wrong bin), each waited for; the latencies are
   the app's own, from the Enter keydown to the sound starting
   (``wmsApp.feedback[].latency``); p50, p95 (nearest rank) and max.

The figures are printed with their targets; nothing is asserted.

    python bench/bench_pda.py                        # SQLite file in a temp folder
    python bench/bench_pda.py --database postgresql  # a fresh database at 127.0.0.1:5432
    python bench/bench_pda.py --throttle 1           # the machine's own CPU speed
"""

from __future__ import annotations

import argparse
import math
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_scan import prepare_database  # noqa: E402  (the same databases as the scan benchmark)

from tests.server.conftest import start_server, stop_server  # noqa: E402
from tests.ui.conftest import PDA_DEVICE  # noqa: E402
from tests.ui.helpers import feedback, login, wait_ready, wedge  # noqa: E402

TARGET_KB = 120
TARGET_TTI_MS = 1000
TARGET_P95_MS = 150

#: A fixed loop of arithmetic; its time with and without throttling shows the slow-down.
BUSY_LOOP = "() => { const t = performance.now(); let x = 0; for (let i = 0; i < 5e7; i++) x += i % 7; " \
            "return performance.now() - t + (x < 0); }"


def loop_ms(page) -> float:
    """The fixed loop's best time of three on this page (the first runs warm the JIT up)."""
    return min(page.evaluate(BUSY_LOOP) for _ in range(3))

FORGET_OFFLINE_COPY = """async () => {
    if (navigator.serviceWorker) {
        for (const registration of await navigator.serviceWorker.getRegistrations()) {
            await registration.unregister();
        }
    }
    if (window.caches) {
        for (const key of await caches.keys()) { await caches.delete(key); }
    }
}"""


def picker_wave(server) -> tuple[str, list[dict], list[str]]:
    """The demo picker's wave still to pick, its pick list, and the warehouse's storage bins."""
    picker = server.as_("picker")
    waves = picker.get("/api/v1/shipping/waves", params={"picker": "picker"}).json()
    if not waves:
        raise SystemExit("the demo has no wave for the picker")
    open_waves = [w for w in waves if w.get("status") in ("released", "picking")] or waves
    number = open_waves[0]["number"]
    tasks = picker.get(f"/api/v1/shipping/waves/{number}/pick-list").json()
    rows = server.as_("supervisor").get("/api/v1/locations", params={"page_size": 100}).json()
    bins = [r["code"] for r in rows if r.get("type") == "storage"]
    return number, tasks, bins


class Transfers:
    """Bytes on the wire per request, from CDP ``Network.loadingFinished`` of one page."""

    def __init__(self, cdp):
        self.urls: dict[str, str] = {}
        self.finished: list[tuple[str, int]] = []
        self.recording = False
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)

    def _sent(self, event):
        self.urls[event["requestId"]] = event["request"]["url"]

    def _finished(self, event):
        if self.recording:
            self.finished.append((self.urls.get(event["requestId"], "?"), int(event["encodedDataLength"])))

    def start(self):
        self.finished, self.recording = [], True

    def stop(self) -> list[tuple[str, int]]:
        self.recording = False
        return list(self.finished)


def cold_load(page, cdp, transfers: Transfers, server, wave: str, rate: float, worker_requests: list) -> dict:
    """One first load of the pick screen: no service worker, no caches; bytes and readiness."""
    page.evaluate(FORGET_OFFLINE_COPY)
    page.goto(server.url("/api/v1/health"))
    cdp.send("Network.clearBrowserCache")
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    worker_requests.clear()
    transfers.start()
    page.goto(server.url(f"/#/pick/{wave}"), wait_until="commit")
    wait_ready(page, "pick", timeout=60_000)
    ready_at = page.evaluate("() => window.wmsApp.readyAt")
    loaded = transfers.stop()
    page.wait_for_timeout(2000)  # let the service worker's install finish before counting its fetches
    worker_bytes = 0
    for request in list(worker_requests):
        try:
            sizes = request.sizes()
        except Exception:  # noqa: BLE001  (a fetch still running or aborted)
            continue
        worker_bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return {"bytes": sum(n for _, n in loaded), "requests": loaded, "tti_ms": ready_at,
            "worker_bytes": worker_bytes, "worker_requests": len(worker_requests)}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def back_to_the_bin(page, wave: str) -> None:
    """Open the pick screen afresh (by way of home), so that it asks for the bin again."""
    page.evaluate("() => { location.hash = '#/home'; }")
    wait_ready(page, "home")
    page.evaluate("(wave) => { location.hash = '#/pick/' + encodeURIComponent(wave); }", wave)
    wait_ready(page, "pick")


def scans_on_pick_screen(page, wave: str, right: str, wrong: str, count: int,
                         pause_ms: int) -> tuple[list[dict], int]:
    """Wedge ``count`` scans at the bin step, right and wrong bins mixed (one in three right).

    A right bin moves the screen on to the item; it is opened again before the next
    scan (not timed), so every scan is a scan of a bin. Returns the feedback each scan
    produced and how many produced none within 5 s."""
    codes = [right if i % 3 == 1 else wrong for i in range(count)]
    random.Random(7).shuffle(codes)
    results, silent = [], 0
    for code in codes:
        before = len(feedback(page))
        wedge(page, code)
        try:
            page.wait_for_function("(n) => (window.wmsApp.feedback || []).length > n", arg=before, timeout=5000)
            results.append(feedback(page)[before])
        except Exception:  # noqa: BLE001  (no sound within 5 s: counted, not timed)
            silent += 1
        page.wait_for_timeout(pause_ms)
        if code == right:
            back_to_the_bin(page, wave)
    return results, silent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--throttle", type=float, default=4.0, help="CPU slow-down (CDP), 1 for none")
    parser.add_argument("--loads", type=int, default=5, help="cold loads of the pick screen")
    parser.add_argument("--scans", type=int, default=40, help="wedge scans on the pick screen")
    parser.add_argument("--pause", type=int, default=300, help="ms between one scan's sound and the next scan")
    parser.add_argument("--chromium", default=os.environ.get("WMS_CHROMIUM", "/usr/bin/chromium"))
    options = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        url, drop = prepare_database(options.database, workdir)
        server = None
        try:
            server = start_server(workdir, url)
            wave, tasks, bins = picker_wave(server)
            with sync_playwright() as driver:
                args = ["--no-sandbox"] if os.geteuid() == 0 else []
                browser = driver.chromium.launch(executable_path=options.chromium, headless=True, args=args)
                context = browser.new_context(base_url=server.base, locale="zh-CN", **PDA_DEVICE)
                worker_requests: list = []
                context.on("requestfinished",
                           lambda request: request.service_worker and worker_requests.append(request))
                page = context.new_page()
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                transfers = Transfers(cdp)

                page.goto(server.url("/api/v1/health"))
                unthrottled = loop_ms(page)
                page.goto("/#/login")
                login(page, "picker")
                loads = [cold_load(page, cdp, transfers, server, wave, options.throttle, worker_requests)
                         for _ in range(options.loads)]
                throttled = loop_ms(page)  # after the navigations: is the slow-down still on?

                # The screen's current task: the first open one no hold stops (walking order).
                workable = [t for t in tasks if t.get("status") == "open" and not t.get("holds")]
                right = workable[0]["location"] if workable else bins[0]
                wrong = next(b for b in bins if b not in {t["location"] for t in tasks})
                checks: list = []  # the scans' check calls, to tell the round trip from the rest
                page.on("requestfinished", lambda request: "/check?" in request.url and checks.append(request))
                scans, silent = scans_on_pick_screen(page, wave, right, wrong, options.scans, options.pause)
                round_trips = [r.timing["responseEnd"] for r in checks if r.timing.get("responseEnd", -1) >= 0]
                browser_version = browser.version
                browser.close()
        finally:
            if server is not None:
                stop_server(server)
                verified = server.wms("ledger", "verify", check=False)
                print(f"ledger after the run: verify exit code {verified.returncode}")
            drop()

    report(options, browser_version, wave, right, wrong, loads, scans, silent, unthrottled, throttled, round_trips)


def report(options, browser_version, wave, right, wrong, loads, scans, silent, unthrottled, throttled,
           round_trips) -> None:
    first = loads[0]
    kbs = [load["bytes"] / 1024 for load in loads]
    ttis = [load["tti_ms"] for load in loads]
    latencies = [s["latency"] for s in scans if isinstance(s.get("latency"), (int, float))]
    kinds = {kind: sum(s.get("kind") == kind for s in scans) for kind in ("ok", "warn", "error")}
    codes = Counter(f"{s.get('kind')} {s.get('code')}" for s in scans)
    tti = statistics.median(ttis)

    print(f"Chromium {browser_version}, 360x640, CPU throttled x{options.throttle:g} "
          f"(a fixed loop: {unthrottled:.0f} ms unthrottled, {throttled:.0f} ms on the pick screen after "
          f"{len(loads)} loads, x{throttled / unthrottled:.1f}); database={options.database}; wave {wave}")
    print()
    print(f"first load of the pick screen, {len(first['requests'])} responses until ready:")
    for url, size in sorted(first["requests"], key=lambda r: -r[1])[:12]:
        print(f"  {size / 1024:>8.1f} KB  {url}")
    print(f"  service worker's own fetches during the load: {first['worker_requests']} "
          f"({first['worker_bytes'] / 1024:.1f} KB, not in the figure below)")
    print()
    rows = [
        ("bytes of a first load of the pick screen", f"{kbs[0]:.1f} KB (loads: {', '.join(f'{k:.1f}' for k in kbs)})",
         f"< {TARGET_KB} KB", kbs[0] < TARGET_KB),
        (f"time to interactive, median of {len(ttis)} cold loads",
         f"{tti:.0f} ms ({', '.join(f'{t:.0f}' for t in ttis)})", f"< {TARGET_TTI_MS} ms", tti < TARGET_TTI_MS),
    ]
    if latencies:
        p95 = percentile(latencies, 95)
        rows.append((f"scan to feedback, {len(latencies)} scans ({right} / {wrong})",
                     f"p50 {percentile(latencies, 50):.0f} ms, p95 {p95:.0f} ms, max {max(latencies):.0f} ms",
                     f"p95 < {TARGET_P95_MS} ms", p95 < TARGET_P95_MS))
    else:
        rows.append(("scan to feedback", "no feedback recorded", f"p95 < {TARGET_P95_MS} ms", False))
    print(f"{'figure':<48}{'measured':<52}{'target':<16}met")
    for name, measured, target, met in rows:
        print(f"{name:<48}{measured:<52}{target:<16}{'yes' if met else 'no'}")
    for kind in ("ok", "warn", "error"):
        of_kind = [s["latency"] for s in scans if s.get("kind") == kind and isinstance(s.get("latency"), (int, float))]
        if of_kind:
            print(f"  {kind} scans: p50 {percentile(of_kind, 50):.0f} ms, p95 {percentile(of_kind, 95):.0f} ms, "
                  f"max {max(of_kind):.0f} ms")
    if round_trips:
        print(f"  of which the check call's round trip ({len(round_trips)} calls, request sent to answer read): "
              f"p50 {percentile(round_trips, 50):.0f} ms, p95 {percentile(round_trips, 95):.0f} ms, "
              f"max {max(round_trips):.0f} ms")
    print(f"scans: {kinds['ok']} ok, {kinds['warn']} warn, {kinds['error']} error, {silent} without feedback in 5 s"
          f" ({', '.join(f'{label}: {n}' for label, n in codes.most_common())})")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"({time.monotonic() - started:.0f} s)")
