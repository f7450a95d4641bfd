"""Scanned codes resolved to rows: items by barcode, GTIN or SKU; locations by code.

``resolve_item_id`` and its batch form ``resolve_item_ids`` are the one resolver of
item codes for every area.
"""

from __future__ import annotations

import sqlalchemy as sa

from wms.domain.movements import Place
from wms.errors import UnknownBarcode, UnknownLocation
from wms.extensions import db
from wms.models import Item, ItemBarcode, Location


def resolve_item_id(code: str) -> int:
    """The item a scanned code names: a barcode (GTIN or internal) or the SKU."""
    code = code.strip()
    item_id = db.session.execute(
        sa.select(ItemBarcode.item_id).where(ItemBarcode.code == code)
    ).scalar_one_or_none()
    if item_id is None:
        item_id = db.session.execute(sa.select(Item.id).where(Item.sku == code)).scalar_one_or_none()
    if item_id is None:
        raise UnknownBarcode(f"No item has the code '{code}'.", code=code)
    return item_id


#: Codes per IN (...) list: well within SQLite's and PostgreSQL's bound-parameter limits.
RESOLVE_CHUNK = 500


def resolve_item_ids(codes, *, must_exist: bool = True) -> dict[str, int]:
    """Item ids of many scanned codes (barcode, GTIN or SKU), keyed by the stripped code.

    Two queries per 500 codes, not two per code. A barcode wins over a SKU with the same
    text, as in ``resolve_item_id``. A code that names no item raises UnknownBarcode
    (the first one in the order given), or is left out with ``must_exist=False``.
    """
    wanted = list(dict.fromkeys(code.strip() for code in codes))
    found: dict[str, int] = {}
    for start in range(0, len(wanted), RESOLVE_CHUNK):
        chunk = wanted[start:start + RESOLVE_CHUNK]
        found.update(db.session.execute(sa.select(Item.sku, Item.id).where(Item.sku.in_(chunk))).all())
        found.update(db.session.execute(
            sa.select(ItemBarcode.code, ItemBarcode.item_id).where(ItemBarcode.code.in_(chunk))).all())
    if must_exist:
        for code in wanted:
            if code not in found:
                raise UnknownBarcode(f"No item has the code '{code}'.", code=code)
    return found


def resolve_places(*codes: str) -> list[Place]:
    """Locations by their scanned codes, in the order given."""
    rows = db.session.execute(
        sa.select(Location.id, Location.type, Location.code, Location.active).where(
            Location.code.in_(set(codes))
        )
    ).all()
    by_code = {r.code: Place(r.id, r.type, r.code, r.active) for r in rows}
    missing = [c for c in codes if c not in by_code]
    if missing:
        raise UnknownLocation(f"No location has the code '{missing[0]}'.", code=missing[0])
    return [by_code[c] for c in codes]

