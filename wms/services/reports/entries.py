"""The drill-down of the end-of-day report (rule L2): the ledger entries behind a figure.

A figure of the report's stock section (an item and owner's in or out of the day, or an
hour's) opens onto exactly the entries it sums (``day_entries``); the report itself is
``wms.services.reports.day_report``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from wms.domain.permissions import Permission, require
from wms.errors import InvalidInput, NotFound
from wms.extensions import db
from wms.models import Item, LedgerEntry, Location, Lot, Owner, User
from wms.services.shipping_documents import resolve_warehouse
from wms.services.warehouse_day import warehouse_today, warehouse_zone


@dataclass(frozen=True)
class DayEntry:
    id: int
    created_at: datetime
    business_day: date
    kind: str
    movement_id: str
    item_sku: str
    owner_code: str
    location: str
    lot: str
    quantity: int
    document_type: str | None
    document_id: str | None
    user: str


@dataclass(frozen=True)
class DayEntries:
    total: int
    quantity: int
    limit: int
    offset: int
    entries: list[DayEntry]


def day_entries_for(actor: User, warehouse_code: str | None, day: date | None, *, item: str | None = None,
                    owner: str | None = None, direction: str = "all", hour: int | None = None,
                    limit: int = 100, offset: int = 0) -> DayEntries:
    """The entries behind a figure of the stock section, for a clerk or supervisor."""
    require(actor.role, Permission.REPORT_READ)
    return day_entries(resolve_warehouse(warehouse_code).id, day or warehouse_today(), item=item, owner=owner,
                       direction=direction, hour=hour, limit=limit, offset=offset)


def day_entries(warehouse_id: int, day: date, *, item: str | None = None, owner: str | None = None,
                direction: str = "all", hour: int | None = None, limit: int = 100,
                offset: int = 0) -> DayEntries:
    """The day's entries behind an in or out figure of the stock section (or of an hour).

    The figures are the stock section's (``wms.services.reports.stock``): per movement, item
    and owner, the net change of the day at the warehouse's stock-holding places, in when
    positive, out when negative, in the hour of the movement's first entry. The entries listed
    are exactly those nets' entries, so ``quantity`` (their sum; for ``out`` as the positive
    figure, for ``all`` the net in less out) is the figure drilled into.
    """
    from wms.services.days import holding_locations
    from wms.services.reports.stock import _movement_nets

    if direction not in ("in", "out", "all"):
        raise InvalidInput("The direction is in, out or all.", field="direction", value=direction)
    nets = _movement_nets(warehouse_id, day)
    item_id = _find_id(Item, Item.sku, item, "item")
    owner_id = _find_id(Owner, Owner.code, owner, "owner")
    if item_id is not None:
        nets = nets.where(LedgerEntry.item_id == item_id)
    if owner_id is not None:
        nets = nets.where(LedgerEntry.owner_id == owner_id)
    nets = nets.subquery("nets")
    picked = [nets.c.net > 0 if direction == "in" else nets.c.net < 0 if direction == "out" else nets.c.net != 0]
    if hour is not None:
        zone = warehouse_zone()
        local_start = datetime.combine(day, time(hour), tzinfo=zone)
        picked += [nets.c.at >= local_start.astimezone(timezone.utc),
                   nets.c.at < (local_start + timedelta(hours=1)).astimezone(timezone.utc)]
    entries = (
        sa.select(LedgerEntry.id, LedgerEntry.quantity)
        .join(nets, sa.and_(nets.c.movement_id == LedgerEntry.movement_id, nets.c.item_id == LedgerEntry.item_id,
                            nets.c.owner_id == LedgerEntry.owner_id))
        .where(LedgerEntry.business_day == day, LedgerEntry.location_id.in_(holding_locations(warehouse_id)),
               *picked)
    ).subquery("entries")
    total, quantity = db.session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(entries.c.quantity), 0))
    ).one()
    rows = db.session.execute(
        sa.select(LedgerEntry.id, LedgerEntry.created_at, LedgerEntry.business_day, LedgerEntry.kind,
                  LedgerEntry.movement_id, Item.sku, Owner.code.label("owner"), Location.code.label("location"),
                  Lot.code.label("lot"), LedgerEntry.quantity, LedgerEntry.document_type, LedgerEntry.document_id,
                  sa.func.coalesce(User.display_name, User.username).label("user"))
        .join(entries, entries.c.id == LedgerEntry.id)
        .join(Item, Item.id == LedgerEntry.item_id).join(Owner, Owner.id == LedgerEntry.owner_id)
        .join(Location, Location.id == LedgerEntry.location_id).join(Lot, Lot.id == LedgerEntry.lot_id)
        .join(User, User.id == LedgerEntry.user_id)
        .order_by(LedgerEntry.created_at, LedgerEntry.id).limit(limit).offset(offset)
    ).all()
    sign = -1 if direction == "out" else 1
    return DayEntries(int(total), sign * int(quantity), limit, offset, [
        DayEntry(r.id, r.created_at, r.business_day, r.kind, r.movement_id, r.sku, r.owner, r.location, r.lot,
                 r.quantity, r.document_type, r.document_id, r.user)
        for r in rows
    ])


def _find_id(model, column, value: str | None, name: str) -> int | None:
    if value is None:
        return None
    found = db.session.execute(sa.select(model.id).where(column == value)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"No {name} '{value}'.", **{name: value})
    return found
