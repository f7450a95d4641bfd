"""Reading and writing many rows at once: CPython's cycle collector paused meanwhile.

A use case that builds tens of thousands of plain tuples (a courier bill's lines and the
shipments they are matched to, an end-of-day report's rows per item and owner) forms no
reference cycles, but the collector walks the young objects every 700 allocations and
the older generations with them now and then: over a second of a 100,000-line bill's
import, and a fifth of the report's stock section. ``cycle_collector_paused`` switches it
off for the block and back on after (left alone when something else had paused it).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause the cycle collector for the block; reference counting frees memory as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
