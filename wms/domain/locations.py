"""Location types and which of them physically hold stock (Tryton-style moves)."""

from __future__ import annotations

from enum import StrEnum


class LocationType(StrEnum):
    """Where stock can be: real places in the warehouse and the virtual ends of moves."""

    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    RECEIVING = "receiving"
    STORAGE = "storage"
    QUARANTINE = "quarantine"
    CONSIGNMENT = "consignment"
    LOST_AND_FOUND = "lost_and_found"
    IN_TRANSIT = "in_transit"


#: Virtual locations are the far side of a movement; their balance may go negative.
VIRTUAL_TYPES = frozenset({LocationType.SUPPLIER, LocationType.CUSTOMER, LocationType.LOST_AND_FOUND})

#: Locations whose stock may be picked for shipping (quarantine and receiving may not).
AVAILABLE_TYPES = frozenset({LocationType.STORAGE})


def holds_stock(location_type: str) -> bool:
    """True for places with a physical on-hand balance that may never go negative (S5)."""
    return LocationType(location_type) not in VIRTUAL_TYPES


#: Where consignor-owned stock may be (R7): its own area, or passing through the dock
#: and quarantine on the way in or out; never the warehouse's own storage.
CONSIGNOR_TYPES = frozenset({LocationType.CONSIGNMENT, LocationType.RECEIVING, LocationType.QUARANTINE,
                             LocationType.IN_TRANSIT})


#: What an owner can be: the warehouse's own stock, or a consignor's (R7).
OWNER_KINDS = ("own", "consignor")


def may_hold(owner_kind: str, location_type: str) -> bool:
    """Rule R7: consignor stock only where consignment stock goes, own stock never there."""
    if owner_kind == "consignor":
        return LocationType(location_type) in CONSIGNOR_TYPES or not holds_stock(location_type)
    return LocationType(location_type) != LocationType.CONSIGNMENT
