"""The stock section of the end-of-day report (rule L2): per item and owner opening, in, out, closing.

Computed from the ledger alone, so it always agrees with it, and read from the stored
closing balances (``wms.services.days``): a day whose previous day is closed costs the
last closing plus that day's entries, whatever the ledger's age.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from wms.extensions import db
from wms.models import Item, LedgerEntry, Owner
from wms.services.days import entries_between, holding_locations, last_closed_day, stored_balances
from wms.services.warehouse_day import warehouse_zone

ledger = LedgerEntry.__table__


class StockRow(NamedTuple):
    """One item and owner of a warehouse on one day; ``closing = opening + received_in - shipped_out``.

    A named tuple: a day's report has a row per item and owner (thousands), and a frozen
    dataclass's construction was a fifth of the section's time."""

    item_id: int
    item_sku: str
    item_name: str
    owner_id: int
    owner_code: str
    owner_name: str
    opening: int
    received_in: int
    shipped_out: int
    closing: int


def _movement_nets(warehouse_id: int, day: date, *, timed: bool = True):
    """Per (movement, item, owner) the net change on ``day`` at the warehouse's stock-holding
    places; with ``timed``, also ``at``, the movement's first entry's clock time."""
    columns = [ledger.c.movement_id, ledger.c.item_id, ledger.c.owner_id, sa.func.sum(ledger.c.quantity).label("net")]
    if timed:
        columns.append(sa.func.min(ledger.c.created_at).label("at"))
    return (
        sa.select(*columns)
        .where(ledger.c.business_day == day, ledger.c.location_id.in_(holding_locations(warehouse_id)))
        .group_by(ledger.c.movement_id, ledger.c.item_id, ledger.c.owner_id)
    )


def stock_rows(warehouse_id: int, day: date) -> list[StockRow]:
    """The stock section for a warehouse's business day ``day`` (L2), ordered by SKU and owner code.

    Semantics (what every figure means):

    - Only entries at the warehouse's locations that hold stock count (storage, receiving,
      quarantine, consignment, in transit); the virtual supplier, customer and lost-and-found
      are outside. An entry belongs to the day of its ``business_day``, not of its clock time.
    - ``received_in`` / ``shipped_out``: per (movement, item, owner) the net change of the
      day at those places; a positive net counts as in, a negative one as out (so internal
      moves such as put-aways and picks net to zero; an adjustment or a reversal counts as
      in or out by its sign).
    - ``opening``: the last stored closing before ``day`` (a closed day's ``day_balance``)
      plus the entries of the days between it and ``day`` that are not closed (all entries
      before ``day`` if no day was ever closed).
    - ``closing = opening + received_in - shipped_out``; for a closed day it equals its
      stored closing.
    - Rows whose opening is zero and which had no movement are left out.

    Two SQL statements whatever the ledger's size: the last closed day, then one aggregate
    over that day's stored balances, the entries after it and the day's movements, read once
    each (index ``ix_ledger_entry_business_day``), grouped once per item and owner.
    """
    previous = last_closed_day(warehouse_id, before=day)
    nets = _movement_nets(warehouse_id, day, timed=False).subquery("nets")
    zero = sa.literal(0, sa.BigInteger)
    parts = [
        sa.select(nets.c.item_id, nets.c.owner_id, zero.label("opening"),
                  sa.case((nets.c.net > 0, nets.c.net), else_=0).label("received_in"),
                  sa.case((nets.c.net < 0, -nets.c.net), else_=0).label("shipped_out"),
                  sa.literal(1, sa.BigInteger).label("moved")),
    ]
    if previous is None or previous < day - timedelta(days=1):
        # Days after the last closing that are not closed: their entries are the opening's too.
        # (None when the day before is closed: an empty range SQLite would still scan for.)
        before = entries_between(warehouse_id, previous, day - timedelta(days=1)).subquery("before")
        parts.insert(0, sa.select(before.c.item_id, before.c.owner_id, before.c.quantity.label("opening"),
                                  zero.label("received_in"), zero.label("shipped_out"), zero.label("moved")))
    if previous is not None:
        stored = stored_balances(warehouse_id, previous).subquery("stored")
        parts.insert(0, sa.select(stored.c.item_id, stored.c.owner_id, stored.c.quantity.label("opening"),
                                  zero.label("received_in"), zero.label("shipped_out"), zero.label("moved")))
    part = sa.union_all(*parts).subquery("part")
    totals = (
        sa.select(part.c.item_id, part.c.owner_id,
                  # integers back, not PostgreSQL's numeric sums (a Decimal per figure)
                  sa.cast(sa.func.sum(part.c.opening), sa.BigInteger).label("opening"),
                  sa.cast(sa.func.sum(part.c.received_in), sa.BigInteger).label("received_in"),
                  sa.cast(sa.func.sum(part.c.shipped_out), sa.BigInteger).label("shipped_out"))
        .group_by(part.c.item_id, part.c.owner_id)
        .having(sa.or_(sa.func.sum(part.c.opening) != 0, sa.func.sum(part.c.moved) > 0))
    ).subquery("totals")
    query = (
        sa.select(totals.c.item_id, Item.sku.label("item_sku"), Item.name.label("item_name"), totals.c.owner_id,
                  Owner.code.label("owner_code"), Owner.name.label("owner_name"), totals.c.opening,
                  totals.c.received_in, totals.c.shipped_out)
        .join(Item, Item.id == totals.c.item_id)
        .join(Owner, Owner.id == totals.c.owner_id)
        .order_by(Item.sku, Owner.code)
    )
    # Plain tuples from the connection (no ORM row processing): thousands of rows a day.
    return [
        StockRow(item_id, sku, name, owner_id, code, owner_name, opening, received_in, shipped_out,
                 opening + received_in - shipped_out)
        for item_id, sku, name, owner_id, code, owner_name, opening, received_in, shipped_out
        in db.session.connection().execute(query).all()
    ]


def hourly_movements(warehouse_id: int, day: date) -> list[tuple[int, int, int]]:
    """Per hour of ``day`` (0-23 in the warehouse's time zone) the units in and out (L2).

    In and out as in ``stock_rows`` (per movement, item and owner, its net at the warehouse's
    stock-holding places), each movement in the hour of its first entry's clock time; all 24
    hours are listed, idle ones with zeros. One SQL aggregate over the day's entries.
    """
    nets = _movement_nets(warehouse_id, day).subquery("nets")
    dialect = db.session.get_bind().dialect.name
    zone = warehouse_zone()
    if dialect == "postgresql":
        bucket = sa.cast(sa.func.extract("hour", sa.func.timezone(str(zone), nets.c.at)), sa.Integer)
    else:  # SQLite stores UTC text; its UTC hours are turned into the zone's below
        bucket = sa.func.strftime("%Y-%m-%d %H:00:00", nets.c.at)
    query = (
        sa.select(bucket.label("hour"),
                  sa.func.sum(sa.case((nets.c.net > 0, nets.c.net), else_=0)).label("received_in"),
                  sa.func.sum(sa.case((nets.c.net < 0, -nets.c.net), else_=0)).label("shipped_out"))
        .group_by(bucket)
    )
    hours = {h: [0, 0] for h in range(24)}
    for row in db.session.execute(query):
        hour = row.hour
        if not isinstance(hour, int):
            hour = datetime.fromisoformat(f"{hour}+00:00").astimezone(zone).hour
        hours[hour][0] += int(row.received_in)
        hours[hour][1] += int(row.shipped_out)
    return [(h, i, o) for h, (i, o) in sorted(hours.items())]
