"""The parcel's weight check at the ship step: what it should weigh, within what, and the verdict.

The expected weight is the units' item weights plus the packaging's tare; the tolerance
a warehouse's percentage of it (an item may set its own grams per unit), never below a
minimum. A stable weight outside it is refused unless a supervisor accepted this
parcel's measured weight; a parcel with an unweighed item ships unchecked. Pure rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from wms.errors import ParcelWeightMismatch


class WeightCheck(StrEnum):
    """What the weight check found at the ship step, recorded on the handover.

    ``unchecked``: a unit's item has no weight, so there is no expected weight to compare
    with; the parcel ships and the handover says it was not checked.
    """

    PASSED = "passed"
    OVERRIDDEN = "overridden"
    UNCHECKED = "unchecked"


@dataclass(frozen=True)
class ParcelLine:
    """Units of one item in the parcel: the item's weight and its own tolerance per unit, if any."""

    sku: str
    quantity: int
    weight_grams: int | None
    tolerance_grams: int | None = None


@dataclass(frozen=True)
class WeightTolerance:
    """A warehouse's tolerance: a percentage of the expected weight, never less than a minimum."""

    percent: Decimal
    minimum_grams: int


@dataclass(frozen=True)
class ExpectedWeight:
    """What the parcel should weigh and within what; ``grams`` is None when an item has no weight."""

    grams: int | None
    tolerance_grams: int | None
    unweighed: tuple[str, ...] = ()


def expected_parcel_weight(lines: list[ParcelLine], tare_grams: int, tolerance: WeightTolerance) -> ExpectedWeight:
    """The parcel's expected weight: its units' item weights plus the packaging's tare.

    The tolerance is the warehouse's percentage of that weight, except that an item with
    its own tolerance adds that many grams per unit instead of its percentage; the
    total is never below the warehouse's minimum. Items without a weight make the
    expected weight unknown (the SKUs are named).
    """
    unweighed = tuple(sorted({line.sku for line in lines if line.weight_grams is None}))
    if unweighed:
        return ExpectedWeight(None, None, unweighed)
    share = Decimal(tolerance.percent) / 100
    grams = tare_grams
    allowed = Decimal(tare_grams) * share
    for line in lines:
        grams += line.weight_grams * line.quantity
        if line.tolerance_grams is not None:
            allowed += line.tolerance_grams * line.quantity
        else:
            allowed += Decimal(line.weight_grams * line.quantity) * share
    rounded = int(allowed.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return ExpectedWeight(grams, max(tolerance.minimum_grams, rounded))


def check_parcel_weight(expected: ExpectedWeight, measured_grams: int, *, overridden: bool = False) -> WeightCheck:
    """The ship step's weight check: a measured weight outside the tolerance is refused.

    ``unchecked`` when the expected weight is unknown; ``overridden`` when a supervisor
    accepted this parcel's measured weight and it is outside; ParcelWeightMismatch
    (expected, measured and tolerance in grams) otherwise.
    """
    if expected.grams is None:
        return WeightCheck.UNCHECKED
    if abs(measured_grams - expected.grams) <= expected.tolerance_grams:
        return WeightCheck.PASSED
    if overridden:
        return WeightCheck.OVERRIDDEN
    raise ParcelWeightMismatch(
        f"The parcel weighs {measured_grams} g; {expected.grams} g ± {expected.tolerance_grams} g was expected.",
        expected_grams=expected.grams, measured_grams=measured_grams, tolerance_grams=expected.tolerance_grams,
    )


OVERRIDE_REASON_MAX = 400
