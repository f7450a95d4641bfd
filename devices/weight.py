"""Weights as Decimal with a unit, and scale readings that carry their stability."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal

UNITS = ("kg", "g", "lb", "oz", "t")


@dataclass(frozen=True)
class Weight:
    """A weight: an exact Decimal value and its unit (never a float)."""

    value: Decimal
    unit: str

    def __post_init__(self):
        if not isinstance(self.value, Decimal):
            raise TypeError("Weight.value must be a Decimal")

    def __str__(self) -> str:
        return f"{self.value} {self.unit}"

    def to_dict(self) -> dict:
        """Return the weight as a JSON-ready mapping (value as a string)."""
        return {"value": str(self.value), "unit": self.unit}


@dataclass(frozen=True)
class Reading:
    """One weight reported by a scale."""

    weight: Weight
    stable: bool
    tare: Weight | None = None
    net: bool = False
    at: float = field(default_factory=time.monotonic, compare=False)

    def to_dict(self) -> dict:
        """Return the reading as a JSON-ready mapping."""
        out = {"weight": self.weight.to_dict(), "stable": self.stable, "net": self.net}
        if self.tare is not None:
            out["tare"] = self.tare.to_dict()
        return out


class StabilityWindow:
    """Decides stability in software: N identical readings spanning at least T seconds.

    For protocols without a motion flag (XK3190 continuous output).
    """

    def __init__(self, count: int = 5, seconds: float = 0.5):
        if count < 2:
            raise ValueError("count must be >= 2")
        self.count = count
        self.seconds = seconds
        self._weight: Weight | None = None
        self._since = 0.0
        self._seen = 0

    def reset(self) -> None:
        """Forget the readings seen so far."""
        self._weight = None
        self._seen = 0

    def feed(self, weight: Weight, at: float) -> bool:
        """Add a reading taken at monotonic time ``at``; return True once stable."""
        if weight != self._weight:
            self._weight, self._since, self._seen = weight, at, 0
        self._seen += 1
        return self._seen >= self.count and (at - self._since) >= self.seconds
