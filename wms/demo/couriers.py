"""Demo couriers: the eight presets, each issuing electronic waybills from the local provider."""

from __future__ import annotations

from wms.services.couriers import write_presets


def seed_demo(demo) -> None:
    """Create the preset couriers (``demo`` is a ``wms.demo.DemoContext``)."""
    demo.summary["couriers"] = len(write_presets()) or demo.summary.get("couriers", 0)
