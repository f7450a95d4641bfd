"""Scale latency benchmark: from the simulator's stable flag to the reading at the caller.

For each protocol the simulator swings the load (unstable), then settles it at a
recorded instant; the driver's ``read_stable`` returns, and the difference is printed.

    python bench/bench_scale.py --runs 10 --transport pty
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from devices.scales import MtSicsScale, ToledoScale, Xk3190Scale  # noqa: E402
from devices.simulators.scale import ScaleSimulator  # noqa: E402

DRIVERS = {"mt-sics": MtSicsScale, "toledo": ToledoScale, "xk3190": Xk3190Scale}


def measure(protocol: str, transport: str, runs: int, interval: float) -> list[float]:
    """Milliseconds from 'stable' in the simulator to the stable reading in the caller."""
    out = []
    with ScaleSimulator(protocol, transport, weight="0", decimals=2, interval=interval) as sim:
        options = {"stable_count": 3, "stable_seconds": 0.2} if protocol == "xk3190" else {}
        with DRIVERS[protocol](sim.url, timeout=5, **options) as scale:
            for i in range(runs):
                target = Decimal(10 + i).quantize(Decimal("0.01"))
                sim.set_weight(target, stable=False)
                settled = {}

                def settle(target=target, settled=settled):
                    time.sleep(0.15)
                    settled["at"] = time.monotonic()
                    sim.set_weight(target, stable=True)

                t = threading.Thread(target=settle, daemon=True)
                t.start()
                while True:
                    reading = scale.read_stable(5)
                    if reading.weight.value == target and "at" in settled:
                        break
                out.append((time.monotonic() - settled["at"]) * 1000)
                t.join(1)
    return out


def main() -> None:
    """Run and print median / max latency per protocol."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--transport", choices=["pty", "tcp"], default="pty")
    parser.add_argument("--interval", type=float, default=0.1, help="Continuous frame interval, s")
    args = parser.parse_args()
    print(
        f"transport {args.transport}, {args.runs} runs, continuous frames every {args.interval * 1000:.0f} ms"
    )
    print(f"{'protocol':<10}{'median ms':>11}{'max ms':>9}  how stability is known")
    how = {
        "mt-sics": "S command, balance replies when stable",
        "toledo": "motion bit in SWB",
        "xk3190": "3 identical frames spanning 0.2 s (software)",
    }
    for protocol in DRIVERS:
        ms = measure(protocol, args.transport, args.runs, args.interval)
        print(f"{protocol:<10}{statistics.median(ms):>11.1f}{max(ms):>9.1f}  {how[protocol]}")


if __name__ == "__main__":
    main()
