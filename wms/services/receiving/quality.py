"""A supplier's quality (rule R5): its switching state, defect rates per item, and the
inspections that decided them, newest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from wms.domain.permissions import Permission, require_any
from wms.domain.receiving import defect_rate_percent
from wms.domain.sampling import Outcome, switching_state
from wms.errors import NotFound
from wms.extensions import db
from wms.models import Item, Supplier
from wms.models.receiving import Inspection
from wms.models.users import User
from wms.services.receiving.inspection import sampling_rules, supplier_history


@dataclass(frozen=True)
class QualityTotals:
    """Decided lots and what their inspections found."""

    lots: int
    rejected_lots: int
    units_inspected: int
    defects: int

    @property
    def defect_rate_percent(self) -> str | None:
        """Defects per unit inspected, as a percent with two decimals (a rate shown, never one that decides)."""
        return defect_rate_percent(self.defects, self.units_inspected)


@dataclass(frozen=True)
class ItemQuality(QualityTotals):
    """The totals of one item of the supplier."""

    item_id: int = 0
    sku: str = ""


@dataclass(frozen=True)
class SupplierQuality:
    """A supplier's switching state (R5), its totals, per item, and its latest decided inspections."""

    supplier_id: int
    supplier_code: str
    supplier_name: str
    state: str
    rate_percent: int
    reason: str
    reason_code: str
    reason_params: dict
    lots_considered: int
    totals: QualityTotals
    items: list[ItemQuality]
    history: list[Inspection]


def supplier_quality(actor: User, supplier_id: int, *, item_id: int | None = None,
                     limit: int = 50) -> SupplierQuality:
    """A supplier's switching state, defect rates and inspection history (per item if asked)."""
    require_any(actor.role, Permission.RECEIPT_INSPECT, Permission.REPORT_READ, Permission.RECEIPT_POST)
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"No supplier {supplier_id}.", id=supplier_id)
    rules = sampling_rules()
    status = switching_state(supplier_history(supplier_id), rules)
    decided = [Inspection.supplier_id == supplier_id, Inspection.outcome != Outcome.PENDING.value]
    if item_id is not None:
        decided.append(Inspection.item_id == item_id)
    items = [
        ItemQuality(lots=row.lots, rejected_lots=int(row.rejected_lots or 0),
                    units_inspected=int(row.units_inspected or 0), defects=int(row.defects or 0),
                    item_id=row.item_id, sku=row.sku)
        for row in db.session.execute(
            sa.select(Inspection.item_id, Item.sku, sa.func.count().label("lots"),
                      sa.func.sum(sa.case((Inspection.outcome == Outcome.REJECTED.value, 1), else_=0))
                      .label("rejected_lots"),
                      sa.func.sum(Inspection.units_inspected).label("units_inspected"),
                      sa.func.sum(Inspection.defects).label("defects"))
            .join(Item, Item.id == Inspection.item_id)
            .where(*decided)
            .group_by(Inspection.item_id, Item.sku).order_by(Item.sku)
        )
    ]
    totals = QualityTotals(lots=sum(i.lots for i in items), rejected_lots=sum(i.rejected_lots for i in items),
                           units_inspected=sum(i.units_inspected for i in items),
                           defects=sum(i.defects for i in items))
    history = db.session.execute(
        sa.select(Inspection).where(*decided)
        .order_by(Inspection.decided_at.desc(), Inspection.id.desc()).limit(limit)
    ).scalars().all()
    return SupplierQuality(
        supplier_id=supplier.id, supplier_code=supplier.code, supplier_name=supplier.name,
        state=status.state.value, rate_percent=rules.rate_of(status.state), reason=status.reason,
        reason_code=status.reason_code.value, reason_params=dict(status.reason_params),
        lots_considered=status.lots, totals=totals, items=items, history=list(history),
    )
