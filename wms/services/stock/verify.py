"""The check that on-hand equals the ledger and every movement balances (L1)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from wms.domain.locations import LocationType, holds_stock
from wms.domain.permissions import Permission, require
from wms.extensions import db
from wms.models import Location
from wms.models.users import User
from wms.services.stock.ledger import ledger, quants


@dataclass
class LedgerCheck:
    """Result of ``verify_ledger``: empty lists mean the books balance."""

    entries: int
    quants: int
    on_hand_mismatches: list[dict]
    unbalanced_movements: list[dict]
    negative_quants: list[dict]

    @property
    def ok(self) -> bool:
        """True when on-hand equals the ledger and every movement balances."""
        return not (self.on_hand_mismatches or self.unbalanced_movements or self.negative_quants)


def verify_ledger(limit: int = 100) -> LedgerCheck:
    """Prove on-hand equals the sum of the ledger per (item, lot, location, owner)."""
    key = ("item_id", "lot_id", "location_id", "owner_id")
    virtual = [t.value for t in LocationType if not holds_stock(t)]
    physical_entries = (
        sa.select(*(ledger.c[k] for k in key), ledger.c.quantity.label("q"))
        .join(Location, Location.id == ledger.c.location_id)
        .where(Location.type.not_in(virtual))
    )
    negated_quants = sa.select(*(quants.c[k] for k in key), (-quants.c.quantity).label("q"))
    both = sa.union_all(physical_entries, negated_quants).subquery()
    mismatch_rows = db.session.execute(
        sa.select(*(both.c[k] for k in key), sa.func.sum(both.c.q).label("difference"))
        .group_by(*(both.c[k] for k in key))
        .having(sa.func.sum(both.c.q) != 0)
        .limit(limit)
    ).all()
    unbalanced = db.session.execute(
        sa.select(ledger.c.movement_id, ledger.c.item_id, ledger.c.lot_id, ledger.c.owner_id,
                  sa.func.sum(ledger.c.quantity).label("sum"))
        .group_by(ledger.c.movement_id, ledger.c.item_id, ledger.c.lot_id, ledger.c.owner_id)
        .having(sa.func.sum(ledger.c.quantity) != 0)
        .limit(limit)
    ).all()
    negative = db.session.execute(
        sa.select(quants)
        .where(sa.or_(quants.c.quantity < 0, quants.c.reserved > quants.c.quantity))
        .limit(limit)
    ).all()
    return LedgerCheck(
        entries=db.session.execute(sa.select(sa.func.count()).select_from(ledger)).scalar_one(),
        quants=db.session.execute(sa.select(sa.func.count()).select_from(quants)).scalar_one(),
        on_hand_mismatches=[r._asdict() for r in mismatch_rows],
        unbalanced_movements=[r._asdict() for r in unbalanced],
        negative_quants=[r._asdict() for r in negative],
    )



def check_ledger(actor: User) -> LedgerCheck:
    """verify_ledger for a user allowed to run it."""
    require(actor.role, Permission.LEDGER_VERIFY)
    return verify_ledger()

