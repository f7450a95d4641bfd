"""Camera-decode benchmark: plain pyzbar vs our pipeline (and zxing-cpp when installed).

Two generated sets of 1280x720 frames, in the same run:

- ``frames``: Code 128, EAN-13 and QR; small, rotated, blurred, noisy, cluttered;
- ``hard``: EAN-13, Code 128, QR and DataMatrix; lower contrast, some motion blur, and
  JPEG-compressed, as a phone in a dim aisle sends them.

Per set and engine it prints the frames decoded (the code in the frame returned), the
rate, misreads (frames where any code returned is not the one in the frame), frames the
pipeline refused as ambiguous (independent reads disagreed: no read, typed), and the
median milliseconds per frame.

    python bench/bench_decode.py --frames 201 --seed 1
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from devices.errors import DecodeAmbiguous  # noqa: E402
from devices.scanners.camera import decode_pipeline, decode_plain, decode_zxing, zxing_available  # noqa: E402
from devices.scanners.synthetic import make_frames, make_hard_frames  # noqa: E402

SETS = {"frames": make_frames, "hard": make_hard_frames}


def run(engine, frames) -> dict:
    """Decode every frame with ``engine``; return counts and timings."""
    decoded = misreads = ambiguous = 0
    times = []
    per_kind: dict[str, int] = {}
    for frame in frames:
        started = time.perf_counter()
        try:
            texts = {d.scan.text for d in engine(frame.image)}
        except DecodeAmbiguous:
            texts = set()
            ambiguous += 1
        times.append((time.perf_counter() - started) * 1000)
        if frame.text in texts:
            decoded += 1
            per_kind[frame.symbology] = per_kind.get(frame.symbology, 0) + 1
        if texts - {frame.text}:
            misreads += 1
    return {
        "decoded": decoded,
        "misreads": misreads,
        "ambiguous": ambiguous,
        "median_ms": statistics.median(times),
        "per_kind": per_kind,
    }


def main() -> None:
    """Run the benchmark and print a table per set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=201)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--set", choices=[*SETS, "both"], default="both")
    args = parser.parse_args()
    engines = {"pyzbar (plain)": decode_plain, "pipeline (ours)": decode_pipeline}
    if zxing_available():
        engines["zxing-cpp"] = decode_zxing
    for set_name in SETS if args.set == "both" else [args.set]:
        frames = SETS[set_name](args.frames, args.seed)
        results = {name: run(fn, frames) for name, fn in engines.items()}
        print(f"set {set_name!r}: {args.frames} frames, seed {args.seed}, 1280x720")
        print(f"{'engine':<18}{'decoded':>9}{'rate':>7}{'misreads':>10}{'ambiguous':>11}{'median ms':>11}"
              "  per symbology")
        for name, r in results.items():
            print(
                f"{name:<18}{r['decoded']:>9}{r['decoded'] / len(frames):>7.0%}{r['misreads']:>10}"
                f"{r['ambiguous']:>11}{r['median_ms']:>11.1f}  {r['per_kind']}"
            )
        plain, ours = results["pyzbar (plain)"], results["pipeline (ours)"]
        print(
            f"pipeline/plain: decoded x{ours['decoded'] / max(plain['decoded'], 1):.2f}, "
            f"median time x{ours['median_ms'] / plain['median_ms']:.2f}\n"
        )


if __name__ == "__main__":
    main()
