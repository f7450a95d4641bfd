"""Camera-decode benchmark: plain pyzbar vs our pipeline (and zxing-cpp when installed).

Generates hard 1280x720 frames (Code 128, EAN-13, QR; small, rotated, blurred, noisy,
cluttered) and prints, per engine, frames decoded, misreads (any code returned that is
not the one in the frame) and the median milliseconds per frame.

    python bench/bench_decode.py --frames 201 --seed 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from devices.scanners.camera import decode_pipeline, decode_plain, decode_zxing, zxing_available  # noqa: E402
from devices.scanners.synthetic import make_frames  # noqa: E402


def run(engine, frames) -> dict:
    """Decode every frame with ``engine``; return counts and timings."""
    decoded = misreads = 0
    times = []
    per_kind: dict[str, int] = {}
    for frame in frames:
        started = time.perf_counter()
        found = engine(frame.image)
        times.append((time.perf_counter() - started) * 1000)
        texts = {d.scan.text for d in found}
        if frame.text in texts:
            decoded += 1
            per_kind[frame.symbology] = per_kind.get(frame.symbology, 0) + 1
        if texts - {frame.text}:
            misreads += 1
    return {
        "decoded": decoded,
        "misreads": misreads,
        "median_ms": statistics.median(times),
        "per_kind": per_kind,
    }


def main() -> None:
    """Run the benchmark and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=201)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    frames = make_frames(args.frames, args.seed)
    engines = {"pyzbar (plain)": decode_plain, "pipeline (ours)": decode_pipeline}
    if zxing_available():
        engines["zxing-cpp"] = decode_zxing
    results = {name: run(fn, frames) for name, fn in engines.items()}
    print(f"{args.frames} frames, seed {args.seed}, 1280x720")
    print(f"{'engine':<18}{'decoded':>9}{'rate':>8}{'misreads':>10}{'median ms':>11}  per symbology")
    for name, r in results.items():
        print(
            f"{name:<18}{r['decoded']:>9}{r['decoded'] / len(frames):>8.0%}{r['misreads']:>10}"
            f"{r['median_ms']:>11.1f}  {r['per_kind']}"
        )
    plain, ours = results["pyzbar (plain)"], results["pipeline (ours)"]
    print(
        f"pipeline/plain: decoded x{ours['decoded'] / max(plain['decoded'], 1):.2f}, "
        f"median time x{ours['median_ms'] / plain['median_ms']:.2f}"
    )


if __name__ == "__main__":
    main()
