"""Closing and reopening the warehouse's day, and the stored closing balances (rule L2).

The clerk closes a day after checking it: from then on nothing is posted into it (the
database's guard refuses such entries, ``wms.models.stock.DAY_GUARD_DDL``) and its closing
quantity per item and owner is stored (``day_balance``: the previous closing plus the day's
entries), so the end-of-day report reads the last closing and one day's entries whatever the
ledger's age. Corrections go into the open day (``open_day``). A supervisor may reopen the
last closed day with a reason; every close and reopen stays recorded (``ledger_day_event``).
Which days may be closed or reopened is ``wms.domain.days``'s to say.

Closing takes a lock on the ledger that lets no insert in while it adds up the balances
(PostgreSQL; on SQLite every writer holds the database's write lock): a posting still in
flight commits before the balances are read, or it meets the closed day and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial

import sqlalchemy as sa

from wms.domain.days import check_close, check_reopen
from wms.domain.locations import VIRTUAL_TYPES
from wms.domain.permissions import Permission, require
from wms.errors import InvalidInput, NotFound
from wms.extensions import db
from wms.models import DayAction, DayBalance, LedgerDay, LedgerDayEvent, LedgerEntry, Location, User, Warehouse
from wms.models.types import utcnow
from wms.services.stock.ledger import open_day_sql, today_parameter
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import warehouse_today

ledger = LedgerEntry.__table__
balances = DayBalance.__table__


@dataclass(frozen=True)
class DayEvent:
    """One close or reopen of a day."""

    action: str
    at: datetime
    user: str
    reason: str | None


@dataclass(frozen=True)
class DayStatus:
    """A warehouse day: closed or open, who closed it, and its closes and reopens."""

    warehouse: str
    day: date
    closed: bool
    open_day: bool
    closed_at: datetime | None = None
    closed_by: str | None = None
    events: list[DayEvent] = field(default_factory=list)


def resolve_warehouse(code: str | None) -> Warehouse:
    """The warehouse of ``code``; without a code, the only warehouse there is."""
    if code is None:
        found = db.session.execute(sa.select(Warehouse).order_by(Warehouse.id).limit(2)).scalars().all()
        if len(found) != 1:
            raise InvalidInput("Name the warehouse: there is more than one (or none).", field="warehouse")
        return found[0]
    warehouse = db.session.execute(sa.select(Warehouse).where(Warehouse.code == code)).scalar_one_or_none()
    if warehouse is None:
        raise NotFound(f"No warehouse {code}.", warehouse=code)
    return warehouse


def last_closed_day(warehouse_id: int, before: date | None = None) -> date | None:
    """The warehouse's last closed day (before ``before`` if given), None if none was ever closed."""
    query = sa.select(sa.func.max(LedgerDay.day)).where(LedgerDay.warehouse_id == warehouse_id)
    if before is not None:
        query = query.where(LedgerDay.day < before)
    return db.session.execute(query).scalar_one()


def open_day(warehouse_id: int) -> date:
    """The day postings go into now: today, or the day after the last closed day once today is closed."""
    dialect = db.session.get_bind().dialect.name
    value = db.session.execute(sa.text(f"SELECT {open_day_sql(dialect, ':warehouse')}"),
                               {"warehouse": warehouse_id, "today": today_parameter(dialect)}).scalar_one()
    return value if isinstance(value, date) else date.fromisoformat(value)


def holding_locations(warehouse_id: int):
    """The warehouse's locations that hold stock (``wms.domain.locations.holds_stock``)."""
    return sa.select(Location.id).where(
        Location.warehouse_id == warehouse_id, Location.type.not_in(sorted(t.value for t in VIRTUAL_TYPES)))


def entries_between(warehouse_id: int, after: date | None, until: date):
    """The entries at the warehouse's stock-holding places dated after ``after`` (all if None)
    and on or before ``until``: the ledger's part of a balance."""
    where = [ledger.c.business_day <= until, ledger.c.location_id.in_(holding_locations(warehouse_id))]
    if after is not None:
        where.append(ledger.c.business_day > after)
    return sa.select(ledger.c.item_id, ledger.c.owner_id, ledger.c.quantity).where(*where)


def stored_balances(warehouse_id: int, day: date):
    """The stored closing quantities of a closed day."""
    return sa.select(balances.c.item_id, balances.c.owner_id, balances.c.quantity).where(
        balances.c.warehouse_id == warehouse_id, balances.c.day == day)


def balances_at(warehouse_id: int, until: date, closed: date | None):
    """Per item and owner the quantity at the end of ``until``: the stored closing of ``closed``
    (a closed day before ``until``, or None) plus the entries after it; a subquery."""
    parts = entries_between(warehouse_id, closed, until)
    if closed is not None:
        parts = sa.union_all(stored_balances(warehouse_id, closed), parts)
    part = parts.subquery("part")
    return (sa.select(part.c.item_id, part.c.owner_id, sa.func.sum(part.c.quantity).label("quantity"))
            .group_by(part.c.item_id, part.c.owner_id))


def _lock_ledger() -> None:
    """Keep inserts out of the ledger until this transaction ends (PostgreSQL); closers queue too."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("LOCK TABLE ledger_entry IN SHARE ROW EXCLUSIVE MODE"))


def close_day(actor: User, day: date, warehouse_code: str | None = None) -> DayStatus:
    """Close a warehouse day and store its closing balances (L2): clerk or supervisor."""
    require(actor.role, Permission.DAY_CLOSE)
    return run_in_transaction(partial(_close, actor, day, warehouse_code))


def _close(actor: User, day: date, warehouse_code: str | None) -> DayStatus:
    _lock_ledger()  # first: the balances must see every posting committed before the close
    warehouse = resolve_warehouse(warehouse_code)
    last = last_closed_day(warehouse.id)
    check_close(day, warehouse_today(), last)
    now = utcnow()
    db.session.add(LedgerDay(warehouse_id=warehouse.id, day=day, closed_at=now, closed_by=actor.id))
    db.session.add(LedgerDayEvent(warehouse_id=warehouse.id, day=day, action=DayAction.CLOSE, at=now,
                                  user_id=actor.id))
    db.session.flush()
    closing = balances_at(warehouse.id, day, last).subquery("closing")
    db.session.execute(sa.insert(balances).from_select(
        ["warehouse_id", "day", "item_id", "owner_id", "quantity"],
        sa.select(sa.literal(warehouse.id), sa.literal(day, sa.Date), closing.c.item_id, closing.c.owner_id,
                  closing.c.quantity).where(closing.c.quantity != 0),
    ))
    return _status(warehouse, day)


def reopen_day(actor: User, day: date, reason: str, warehouse_code: str | None = None) -> DayStatus:
    """Reopen the last closed day (L2): supervisor only, with a reason, recorded."""
    require(actor.role, Permission.DAY_REOPEN)
    return run_in_transaction(partial(_reopen, actor, day, reason, warehouse_code))


def _reopen(actor: User, day: date, reason: str, warehouse_code: str | None) -> DayStatus:
    _lock_ledger()  # a close running meanwhile finishes first
    warehouse = resolve_warehouse(warehouse_code)
    reason = check_reopen(day, last_closed_day(warehouse.id), reason)
    db.session.execute(sa.delete(balances).where(balances.c.warehouse_id == warehouse.id, balances.c.day == day))
    db.session.execute(sa.delete(LedgerDay).where(LedgerDay.warehouse_id == warehouse.id, LedgerDay.day == day))
    db.session.add(LedgerDayEvent(warehouse_id=warehouse.id, day=day, action=DayAction.REOPEN, at=utcnow(),
                                  user_id=actor.id, reason=reason[:400]))
    db.session.flush()
    return _status(warehouse, day)


def list_days(actor: User, warehouse_code: str | None = None, days: int = 14) -> list[DayStatus]:
    """The warehouse's recent days, newest first, from its open day back: closed or open."""
    require(actor.role, Permission.LEDGER_READ)
    warehouse = resolve_warehouse(warehouse_code)
    newest = open_day(warehouse.id)
    return [_status(warehouse, newest - timedelta(days=n), newest) for n in range(days)]


def _status(warehouse: Warehouse, day: date, current: date | None = None) -> DayStatus:
    current = current or open_day(warehouse.id)
    last = last_closed_day(warehouse.id)
    closed = db.session.execute(
        sa.select(LedgerDay.closed_at, User.username).join(User, User.id == LedgerDay.closed_by)
        .where(LedgerDay.warehouse_id == warehouse.id, LedgerDay.day == day)
    ).first()
    events = [DayEvent(row.action, row.at, row.username, row.reason) for row in db.session.execute(
        sa.select(LedgerDayEvent.action, LedgerDayEvent.at, LedgerDayEvent.reason, User.username)
        .join(User, User.id == LedgerDayEvent.user_id)
        .where(LedgerDayEvent.warehouse_id == warehouse.id, LedgerDayEvent.day == day)
        .order_by(LedgerDayEvent.id)
    )]
    return DayStatus(
        warehouse=warehouse.code, day=day, closed=last is not None and day <= last, open_day=day == current,
        closed_at=closed.closed_at if closed else None, closed_by=closed.username if closed else None,
        events=events,
    )
