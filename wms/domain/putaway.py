"""Put-away: which bin a received lot goes to (R7 keeps a consignor's stock apart). Pure rules.

The rule: a bin of the right type (``storage_location_type``, R7) that already holds the
item for the same owner, nearest first (walking order, then code), so one item stays in
few places; else the emptiest such bin, nearest first. The service reads a shortlist of
candidates (the best of each kind, in the same order); ``choose_bin`` decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class PutawayReason(StrEnum):
    """Why a bin was chosen, as a code screens word in their language."""

    HOLDS_ITEM = "holds_item"
    EMPTIEST = "emptiest"


HOLDS_ITEM = "already holds this item"
EMPTIEST = "emptiest bin, nearest first"


@dataclass(frozen=True)
class BinCandidate:
    """A bin that could take the lot: its place in the walking order and what it holds."""

    code: str
    path_order: int
    units: int  # all units on hand in it, any item
    holds_item: bool  # on hand of this item and owner already


@dataclass(frozen=True)
class BinChoice:
    """The chosen bin and why."""

    bin: str
    reason: str
    reason_code: PutawayReason


def bin_rank(candidate: BinCandidate) -> tuple:
    """The order of preference: holding the item first, then the emptiest, then the nearest."""
    if candidate.holds_item:
        return (0, 0, candidate.path_order, candidate.code)
    return (1, candidate.units, candidate.path_order, candidate.code)


def choose_bin(candidates: Iterable[BinCandidate]) -> BinChoice | None:
    """The bin a lot is put away to, or None when there is no candidate."""
    best = min(candidates, key=bin_rank, default=None)
    if best is None:
        return None
    if best.holds_item:
        return BinChoice(best.code, HOLDS_ITEM, PutawayReason.HOLDS_ITEM)
    return BinChoice(best.code, EMPTIEST, PutawayReason.EMPTIEST)
