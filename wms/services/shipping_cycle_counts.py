"""Cycle counts opened by count differences at the bin (S2 step 1): listed and closed.

A bin with an open cycle count is not allocated from until the count is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from wms.domain.permissions import Permission, require, require_any
from wms.domain.shipping import (
    CYCLE_COUNT,
    CycleCountAction,
    CycleCountStatus,
)
from wms.errors import (
    NotFound,
)
from wms.extensions import db
from wms.models import (
    CycleCountTask,
    Item,
    Location,
    User,
)
from wms.services.uow import run_in_transaction

# --- cycle counts opened by count exceptions ---------------------------------------------


@dataclass(frozen=True)
class CycleCountView:
    """A cycle count: the bin and item to count, why, and whether it is done."""

    id: int
    location: str
    sku: str
    status: str
    reason: str
    created_at: datetime


def list_cycle_counts(actor: User, status: str = CycleCountStatus.OPEN) -> list[CycleCountView]:
    """Cycle-count tasks opened by count differences (S2 step 1)."""
    require_any(actor.role, Permission.STOCK_ADJUST, Permission.PICK)
    rows = db.session.execute(
        sa.select(CycleCountTask, Location.code, Item.sku)
        .join(Location, Location.id == CycleCountTask.location_id)
        .join(Item, Item.id == CycleCountTask.item_id)
        .where(CycleCountTask.status == CycleCountStatus(status).value).order_by(CycleCountTask.id)
    ).all()
    return [_view(t, code, sku) for t, code, sku in rows]


def _view(task: CycleCountTask, location: str, sku: str) -> CycleCountView:
    return CycleCountView(task.id, location, sku, task.status, task.reason, task.created_at)


def complete_cycle_count(actor: User, task_id: int) -> CycleCountView:
    """Close a cycle count once the bin is counted and adjusted; its stock is allocatable again."""
    require(actor.role, Permission.STOCK_ADJUST)

    def use_case() -> CycleCountView:
        task = db.session.get(CycleCountTask, task_id)
        if task is None:
            raise NotFound(f"No cycle count {task_id}.", task_id=task_id)
        task.status = CYCLE_COUNT.next(task.status, CycleCountAction.COMPLETE).value
        db.session.flush()
        return _view(task, db.session.get(Location, task.location_id).code, db.session.get(Item, task.item_id).sku)

    return run_in_transaction(use_case)
