"""Lots: found or created by code at receipt, listed oldest receipt first (S1)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.extensions import db
from wms.models import Lot
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.queries import paginate


def get_or_create_lot(
    item_id: int, code: str, *, received_at: datetime | None = None,
    expiry_date=None, supplier_id: int | None = None,
) -> Lot:
    """The item's lot with this code; a new lot's receipt time is the FIFO key (S1)."""
    lot = db.session.execute(
        sa.select(Lot).where(Lot.item_id == item_id, Lot.code == code)
    ).scalar_one_or_none()
    if lot is None:
        lot = Lot(item_id=item_id, code=code, received_at=received_at or utcnow(),
                  expiry_date=expiry_date, supplier_id=supplier_id)
        db.session.add(lot)
        db.session.flush()
    return lot



def list_lots(actor: User, item_id: int | None, page: int, page_size: int):
    """Lots, oldest receipt first (the FIFO order of S1)."""
    require(actor.role, Permission.STOCK_READ)
    stmt = sa.select(Lot).order_by(Lot.received_at, Lot.id)
    if item_id is not None:
        stmt = stmt.where(Lot.item_id == item_id)
    return paginate(stmt, page, page_size)

