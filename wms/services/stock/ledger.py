"""The ledger writer: the code that writes the ledger and the on-hand table (L1, S5).

Every change of stock goes through ``post_movement``: it appends the ledger entries and
updates ``stock_quant`` in the same transaction. A decrement is a guarded UPDATE
(``... WHERE quantity - reserved >= n``) so two concurrent writers can never take the
same unit twice; if any line of a movement would go negative the whole movement is
refused and nothing is written. Each line is checked first by the domain's
``CHANGE_RULES`` (``wms.domain.movements``).

Round trips are what a small server pays for most, so the writer sends few: a small
movement (a scan, a pick) on PostgreSQL is one statement; a large one (a receipt, a
shipment) three whatever its size; SQLite gets one prebuilt statement per row.

Each entry belongs to a business day (L2): the day a clerk dated it into, or else its
warehouse's open day (``open_day_sql``), chosen inside the writing statement on PostgreSQL
and by one small lookup on SQLite. Whether that day is still open is the database's guard's
to say (``wms.models.stock.DAY_GUARD_DDL``); its refusal is raised as ``DayClosed``.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from wms.domain.locations import LocationType, holds_stock
from wms.domain.movements import Place, StockChange, check_change
from wms.errors import DayClosed, InsufficientStock, InvalidMovement, UnknownLocation
from wms.extensions import db
from wms.models import LedgerEntry, Location, MovementKind, StockQuant
from wms.models.stock import DAY_CLOSED_MESSAGE, DAY_CLOSED_SQLSTATE
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.uow import transaction
from wms.services.warehouse_day import warehouse_today

ledger = LedgerEntry.__table__
quants = StockQuant.__table__


@dataclass(frozen=True)
class MovementResult:
    """What a posted movement wrote."""

    movement_id: str
    entry_ids: list[int]
    created_at: datetime


@dataclass(frozen=True)
class PreparedMovement:
    """A checked movement ready to write: its entries, and the on-hand rows it takes from and puts to."""

    movement_id: str
    created_at: datetime
    entries: list[dict]
    takes: list[tuple[tuple[int, int, int, int], int, int]]  # (key, quantity, from reserved), key order
    puts: list[tuple[tuple[int, int, int, int], int]]  # (key, quantity), key order


def prepare_movement(
    actor_id: int,
    kind: str,
    changes: list[StockChange],
    *,
    document_type: str | None = None,
    document_id: str | None = None,
    reason: str | None = None,
    business_day: date | None = None,
) -> PreparedMovement:
    """Check a movement and work out its ledger entries and on-hand changes (L1, S5); no I/O.

    ``business_day`` dates the entries into a day (L2); ``None`` is the warehouse's open day.
    """
    if kind not in MovementKind.ALL or kind == MovementKind.REVERSAL:
        raise InvalidMovement(f"Unknown movement kind '{kind}'.", kind=kind)
    if not changes:
        raise InvalidMovement("A movement needs at least one line.")
    now = utcnow()
    movement_id = uuid.uuid4().hex
    entries: list[dict] = []
    physical: set[int] = set()
    for change in changes:
        check_change(change)
        for place, sign in ((change.source, -1), (change.destination, +1)):
            if holds_stock(place.type):
                physical.add(place.id)
            entries.append(
                dict(
                    movement_id=movement_id, kind=kind, item_id=change.item_id,
                    lot_id=change.lot_id, location_id=place.id, owner_id=change.owner_id,
                    quantity=sign * change.quantity, document_type=document_type,
                    document_id=document_id, user_id=actor_id, created_at=now,
                    reason=reason, reverses_entry_id=None, business_day=business_day,
                )
            )
    reserved_use = {
        (c.item_id, c.lot_id, c.source.id, c.owner_id): c.quantity for c in changes if c.from_reserved
    }
    takes, puts = _on_hand_changes(entries, physical, reserved_use)
    return PreparedMovement(movement_id, now, entries, takes, puts)


def post_movement(
    actor: User,
    kind: str,
    changes: list[StockChange],
    *,
    document_type: str | None = None,
    document_id: str | None = None,
    reason: str | None = None,
    business_day: date | None = None,
) -> MovementResult:
    """Append one movement to the ledger and update on-hand in the same transaction (L1).

    The entries go into ``business_day`` if given, else into the warehouse's open day (L2);
    a closed day refuses them (``DayClosed``) and nothing is written.
    """
    movement = prepare_movement(actor.id, kind, changes, document_type=document_type,
                                document_id=document_id, reason=reason, business_day=business_day)
    with transaction():
        ids = _write(movement.entries, movement.takes, movement.puts)
    return MovementResult(movement.movement_id, ids, movement.created_at)



#: Movements with more entries than this are written in batches (receipts, shipments).
BATCH_THRESHOLD = 16
BATCH_ROWS = 1000


def _on_hand_changes(entries: list[dict], physical: set[int], reserved_use: dict) -> tuple[list, list]:
    """The entries summed per on-hand row: decrements (takes) and increments (puts)."""
    deltas: dict[tuple[int, int, int, int], int] = defaultdict(int)
    for e in entries:
        if e["location_id"] in physical:
            deltas[(e["item_id"], e["lot_id"], e["location_id"], e["owner_id"])] += e["quantity"]
    # A fixed order of row updates keeps concurrent movements from deadlocking.
    takes = [(key, -delta, reserved_use.get(key, 0)) for key, delta in sorted(deltas.items()) if delta < 0]
    puts = [(key, delta) for key, delta in sorted(deltas.items()) if delta > 0]
    return takes, puts


def _append_and_apply(entries: list[dict], physical: set[int], reserved_use: dict) -> list[int]:
    """Insert ledger entries and apply their sum to on-hand, decrements guarded (S5)."""
    return _write(entries, *_on_hand_changes(entries, physical, reserved_use))


def open_day_sql(dialect_name: str, warehouse: str) -> str:
    """SQL for a warehouse's open day (L2): today in the warehouse's time zone (``:today``),
    or, once today is closed, the day after its last closed day. ``warehouse`` is SQL for the
    warehouse's id. The one definition of the open day: the writer and the day list use it."""
    last_closed = f"(SELECT max(d.day) FROM ledger_day d WHERE d.warehouse_id = {warehouse})"
    if dialect_name == "postgresql":
        return f"GREATEST(CAST(:today AS date), {last_closed} + 1)"
    return f"max(:today, coalesce(date({last_closed}, '+1 day'), :today))"


def today_parameter(dialect_name: str):
    """The value of ``:today`` in ``open_day_sql`` (SQLite compares ISO text)."""
    today = warehouse_today()
    return today if dialect_name == "postgresql" else today.isoformat()


def _location_warehouse(location: str) -> str:
    return f"(SELECT wl.warehouse_id FROM location wl WHERE wl.id = {location})"


def is_day_closed_refusal(exc: sa.exc.DBAPIError) -> bool:
    """True for the closed-day guard's refusal of an insert (``DAY_GUARD_DDL``)."""
    return getattr(exc.orig, "sqlstate", None) == DAY_CLOSED_SQLSTATE or str(exc.orig).startswith(
        DAY_CLOSED_MESSAGE)


def _write(entries: list[dict], takes: list, puts: list) -> list[int]:
    """Insert the entries and apply the on-hand changes in the unit of work's transaction."""
    try:
        return _write_entries(entries, takes, puts)
    except sa.exc.DBAPIError as exc:
        if not is_day_closed_refusal(exc):
            raise
        raise DayClosed() from exc


def _write_entries(entries: list[dict], takes: list, puts: list) -> list[int]:
    session = db.session
    if len(takes) + len(puts) <= BATCH_THRESHOLD and _core().dialect.name == "postgresql":
        # A handheld's scan: the whole movement in one statement (one round trip).
        return _append_and_apply_one_statement(entries, takes, puts)
    if len(takes) + len(puts) <= BATCH_THRESHOLD:
        # SQLite has no data-modifying CTEs: one prebuilt statement per row.
        for key, quantity, from_reserved in takes:
            _take(key, quantity, from_reserved)
        for key, quantity in puts:
            _put(key, quantity)
        _choose_days(entries)
        result = _core().execute(_INSERT_ENTRIES, entries)
        return [row[0] for row in result]
    if _core().dialect.name == "postgresql":
        return _append_and_apply_unnest(entries, takes, puts)
    for start in range(0, len(takes), BATCH_ROWS):
        _take_many(takes[start:start + BATCH_ROWS])
    for start in range(0, len(puts), BATCH_ROWS):
        _put_many(puts[start:start + BATCH_ROWS])
    _choose_days(entries)
    # executemany without RETURNING is several times faster for thousands of rows.
    session.execute(sa.insert(ledger), entries)
    return list(session.execute(
        sa.select(ledger.c.id).where(ledger.c.movement_id == entries[0]["movement_id"]).order_by(ledger.c.id)
    ).scalars())


# PostgreSQL: whole columns travel as arrays and unnest() turns them back into rows, so
# a movement of thousands of lines is three statements whatever its size.
_UNNEST_KEY = ("CAST(:item_id AS integer[]), CAST(:lot_id AS integer[]), "
               "CAST(:location_id AS integer[]), CAST(:owner_id AS integer[])")
_TAKE_UNNEST = sa.text(f"""
    UPDATE stock_quant AS q
    SET quantity = q.quantity - t.taken, reserved = q.reserved - t.from_reserved
    FROM unnest({_UNNEST_KEY}, CAST(:taken AS integer[]), CAST(:from_reserved AS integer[]))
         AS t(item_id, lot_id, location_id, owner_id, taken, from_reserved)
    WHERE q.item_id = t.item_id AND q.lot_id = t.lot_id AND q.location_id = t.location_id
      AND q.owner_id = t.owner_id
      AND q.quantity - q.reserved >= t.taken - t.from_reserved AND q.reserved >= t.from_reserved
    RETURNING q.item_id, q.lot_id, q.location_id, q.owner_id
""")
_PUT_UNNEST = sa.text(f"""
    INSERT INTO stock_quant (item_id, lot_id, location_id, owner_id, quantity, reserved)
    SELECT item_id, lot_id, location_id, owner_id, put, 0
    FROM unnest({_UNNEST_KEY}, CAST(:put AS integer[]))
         AS t(item_id, lot_id, location_id, owner_id, put)
    ON CONFLICT (item_id, lot_id, location_id, owner_id)
    DO UPDATE SET quantity = stock_quant.quantity + excluded.quantity
""")
_ENTRY_COLUMNS = {
    "movement_id": "text", "kind": "text", "item_id": "integer", "lot_id": "integer",
    "location_id": "integer", "owner_id": "integer", "quantity": "integer", "document_type": "text",
    "document_id": "text", "user_id": "integer", "created_at": "timestamptz", "reason": "text",
    "reverses_entry_id": "bigint", "business_day": "date",
}


def _entry_values(row: str) -> str:
    """The entry columns of ``row`` to insert, an undated entry's day its warehouse's open day."""
    open_day = open_day_sql("postgresql", _location_warehouse(f"{row}.location_id"))
    return ", ".join(f"COALESCE({row}.business_day, {open_day})" if c == "business_day" else f"{row}.{c}"
                     for c in _ENTRY_COLUMNS)


_INSERT_ENTRIES_UNNEST = sa.text(
    f"INSERT INTO ledger_entry ({', '.join(_ENTRY_COLUMNS)}) "
    f"SELECT {_entry_values('u')} "
    f"FROM unnest({', '.join(f'CAST(:{c} AS {t}[])' for c, t in _ENTRY_COLUMNS.items())}) "
    f"AS u({', '.join(_ENTRY_COLUMNS)}) RETURNING id"
)


def _columns(rows: list[tuple], names: tuple[str, ...]) -> dict[str, list]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def _append_and_apply_unnest(entries: list[dict], takes: list, puts: list) -> list[int]:
    """The batched writer on PostgreSQL: guarded decrements, upserts, entries (L1, S5)."""
    connection = _core()
    if takes:
        rows = [(*key, quantity, from_reserved) for key, quantity, from_reserved in takes]
        done = {tuple(r) for r in connection.execute(
            _TAKE_UNNEST, _columns(rows, (*_KEY, "taken", "from_reserved")))}
        for key, quantity, _ in takes:
            if key not in done:
                _refuse_take(key, quantity)
    if puts:
        connection.execute(_PUT_UNNEST, _columns([(*key, quantity) for key, quantity in puts], (*_KEY, "put")))
    ids = connection.execute(
        _INSERT_ENTRIES_UNNEST,
        {**{c: [e[c] for e in entries] for c in _ENTRY_COLUMNS}, "today": today_parameter("postgresql")},
    ).scalars().all()
    return sorted(ids)


@functools.lru_cache(maxsize=256)
def _movement_statement(n_takes: int, n_puts: int, n_entries: int, shared: tuple[str, ...]) -> sa.TextClause:
    """PostgreSQL: guarded decrements, upserts and entries of a small movement as one statement.

    Each decrement is a CTE that returns its row only if the stock was free (S5); the
    upserts and the entries are written only when every decrement returned its row. The
    decrements that did find their stock have run, though: the caller raises
    InsufficientStock, and the unit of work's rollback undoes them (no use case may
    catch that refusal and go on in the same transaction).
    """
    return sa.text(movement_sql(n_takes, n_puts, n_entries, shared))


def movement_sql(n_takes: int, n_puts: int, n_entries: int, shared: tuple[str, ...], *, gate: str = "",
                 then: tuple[str, ...] = ()) -> str:
    """The SQL of ``_movement_statement``: ``shared``, the entries' columns sent once for all
    (``shared_columns``); ``gate``, a condition every decrement also needs (the statement then
    writes nothing unless it holds); ``then``, more CTEs written with the movement (they may
    read ``ok``, one row when it is written, and ``e``, its entries' ids)."""
    def key_of(prefix: str) -> str:
        return " AND ".join(f"{c} = CAST(:{prefix}_{c} AS integer)" for c in _KEY)

    ctes = [f"gate AS (SELECT WHERE {gate})"] if gate else []
    gated = " AND EXISTS (SELECT FROM gate)" if gate else ""
    ctes += [
        f"""t{i} AS (
            UPDATE stock_quant
            SET quantity = quantity - CAST(:t{i}_taken AS integer),
                reserved = reserved - CAST(:t{i}_from_reserved AS integer)
            WHERE {key_of(f"t{i}")}
              AND quantity - reserved >= CAST(:t{i}_taken AS integer) - CAST(:t{i}_from_reserved AS integer)
              AND reserved >= CAST(:t{i}_from_reserved AS integer){gated}
            RETURNING 1)"""
        for i in range(n_takes)
    ]
    all_taken = " AND ".join(f"EXISTS (SELECT FROM t{i})" for i in range(n_takes)) or "TRUE"
    if gate:
        all_taken += " AND EXISTS (SELECT FROM gate)"
    ctes.append(f"ok AS (SELECT WHERE {all_taken})")
    ctes += [
        f"""p{i} AS (
            INSERT INTO stock_quant (item_id, lot_id, location_id, owner_id, quantity, reserved)
            SELECT {", ".join(f"CAST(:p{i}_{c} AS integer)" for c in _KEY)}, CAST(:p{i}_put AS integer), 0 FROM ok
            ON CONFLICT (item_id, lot_id, location_id, owner_id)
            DO UPDATE SET quantity = stock_quant.quantity + excluded.quantity)"""
        for i in range(n_puts)
    ]
    values = ", ".join(
        "(" + ", ".join(f"CAST(:e{'' if c in shared else i}_{c} AS {t})" for c, t in _ENTRY_COLUMNS.items()) + ")"
        for i in range(n_entries)
    )
    ctes.append(
        f"e AS (INSERT INTO ledger_entry ({', '.join(_ENTRY_COLUMNS)}) "
        f"SELECT {_entry_values('v')} FROM ok, (VALUES {values}) AS v({', '.join(_ENTRY_COLUMNS)}) RETURNING id)"
    )
    ctes += then
    taken = ", ".join(f"EXISTS (SELECT FROM t{i})" for i in range(n_takes))
    return (
        "WITH " + ",\n".join(ctes)
        + f"\nSELECT ARRAY(SELECT id FROM e ORDER BY id) AS ids, ARRAY[{taken}]::boolean[] AS taken"
    )


def _append_and_apply_one_statement(entries: list[dict], takes: list, puts: list) -> list[int]:
    """The small-movement writer on PostgreSQL (a scan, a pick): one round trip (L1, S5)."""
    params: dict = {}
    shared = movement_parameters(params, entries, takes, puts)
    row = _core().execute(_movement_statement(len(takes), len(puts), len(entries), shared), params).one()
    if len(row.ids) != len(entries):
        # A decrement found too little free stock; that row is unchanged, so name it.
        short = row.taken.index(False)
        _refuse_take(takes[short][0], takes[short][1])
    return row.ids


def movement_parameters(params: dict, entries: list[dict], takes: list, puts: list) -> tuple[str, ...]:
    """Fill ``params`` for ``movement_sql``; returns the entries' shared columns, sent once (a
    statement of fewer parameters and less text is one the driver parses once per worker)."""
    shared = tuple(c for c in _ENTRY_COLUMNS if all(e[c] == entries[0][c] for e in entries[1:]))
    params["today"] = today_parameter("postgresql")
    for i, (key, quantity, from_reserved) in enumerate(takes):
        params.update({f"t{i}_{c}": v for c, v in zip(_KEY, key, strict=True)})
        params.update({f"t{i}_taken": quantity, f"t{i}_from_reserved": from_reserved})
    for i, (key, quantity) in enumerate(puts):
        params.update({f"p{i}_{c}": v for c, v in zip(_KEY, key, strict=True)})
        params[f"p{i}_put"] = quantity
    params.update({f"e_{c}": entries[0][c] for c in shared})
    for i, entry in enumerate(entries):
        params.update({f"e{i}_{c}": v for c, v in entry.items() if c not in shared})
    return shared


def _take_many(takes: list[tuple[tuple[int, int, int, int], int, int]]) -> None:
    """Guarded decrement of many rows in one executemany; all of them or a refusal (S5)."""
    # Read what is free first, so a refusal can name the short line precisely.
    free: dict[tuple[int, int, int, int], tuple[int, int]] = {}
    lot_ids = sorted({key[1] for key, _, _ in takes})
    for start in range(0, len(lot_ids), BATCH_ROWS):
        rows = db.session.execute(
            sa.select(*(quants.c[c] for c in _KEY), quants.c.quantity, quants.c.reserved)
            .where(quants.c.lot_id.in_(lot_ids[start:start + BATCH_ROWS]))
        )
        for row in rows:
            free[tuple(row[:4])] = (row.quantity, row.reserved)
    for key, quantity, from_reserved in takes:
        on_hand, reserved = free.get(key, (0, 0))
        if on_hand - reserved < quantity - from_reserved or reserved < from_reserved:
            _refuse_take(key, quantity)
    params = [
        {**{f"k_{c}": v for c, v in zip(_KEY, key, strict=True)},
         "free_needed": quantity - from_reserved, "from_reserved": from_reserved, "taken": quantity}
        for key, quantity, from_reserved in takes
    ]
    # The guard stays the authority: stock taken meanwhile by another writer refuses all.
    if db.session.execute(_TAKE, params).rowcount != len(takes):
        raise InsufficientStock("Stock changed while this movement was posted; nothing was moved.",
                                requested_lines=len(takes))


def _put_many(puts: list[tuple[tuple[int, int, int, int], int]]) -> None:
    """Add stock to many places in one executemany, creating on-hand rows on first use."""
    params = [{**{f"p_{c}": v for c, v in zip(_KEY, key, strict=True)}, "put": quantity} for key, quantity in puts]
    db.session.execute(_PUT[db.session.get_bind().dialect.name], params)


_KEY = ("item_id", "lot_id", "location_id", "owner_id")
_INSERT_ENTRIES = sa.insert(ledger).returning(ledger.c.id)
_OPEN_DAYS = sa.text(
    f"SELECT l.id, {open_day_sql('sqlite', 'l.warehouse_id')} FROM location l WHERE l.id IN :ids"
).bindparams(sa.bindparam("ids", expanding=True))


def _choose_days(entries: list[dict]) -> None:
    """SQLite: date the undated entries into their warehouse's open day (one lookup)."""
    undated = {e["location_id"] for e in entries if e["business_day"] is None}
    if not undated:
        return
    rows = _core().execute(_OPEN_DAYS, {"ids": sorted(undated), "today": today_parameter("sqlite")})
    days = {location_id: date.fromisoformat(day) for location_id, day in rows}
    for e in entries:
        if e["business_day"] is None:
            e["business_day"] = days[e["location_id"]]


def _core() -> sa.Connection:
    """The unit of work's connection, for Core statements on the hot path (no ORM layer)."""
    return db.session.connection()


def _key_filter(key: tuple[int, int, int, int]):
    return sa.and_(*(quants.c[column] == value for column, value in zip(_KEY, key, strict=True)))


# Built once: these run on every scan, and building a statement costs more than running it.
_KEY_PARAMS = sa.and_(*(quants.c[column] == sa.bindparam(f"k_{column}") for column in _KEY))
_TAKE = (
    sa.update(quants)
    .where(_KEY_PARAMS)
    .where(quants.c.quantity - quants.c.reserved >= sa.bindparam("free_needed"))
    .where(quants.c.reserved >= sa.bindparam("from_reserved"))
    .values(quantity=quants.c.quantity - sa.bindparam("taken"),
            reserved=quants.c.reserved - sa.bindparam("from_reserved"))
)


def _upsert(insert) -> sa.Insert:
    stmt = insert(quants).values(
        item_id=sa.bindparam("p_item_id"), lot_id=sa.bindparam("p_lot_id"),
        location_id=sa.bindparam("p_location_id"), owner_id=sa.bindparam("p_owner_id"),
        quantity=sa.bindparam("put"), reserved=0,
    )
    return stmt.on_conflict_do_update(
        index_elements=[quants.c[column] for column in _KEY],
        set_={"quantity": quants.c.quantity + stmt.excluded.quantity},
    )


_PUT = {"postgresql": _upsert(postgresql.insert), "sqlite": _upsert(sqlite.insert)}


def _take(key: tuple[int, int, int, int], quantity: int, from_reserved: int) -> None:
    """Guarded decrement: succeeds only if the stock is there, atomically (S5)."""
    params = {f"k_{column}": value for column, value in zip(_KEY, key, strict=True)}
    params.update(free_needed=quantity - from_reserved, from_reserved=from_reserved, taken=quantity)
    if _core().execute(_TAKE, params).rowcount != 1:
        _refuse_take(key, quantity)


def _refuse_take(key: tuple[int, int, int, int], quantity: int) -> None:
    """Raise InsufficientStock with what is actually free at the place."""
    row = db.session.execute(sa.select(quants.c.quantity, quants.c.reserved).where(_key_filter(key))).first()
    available = 0 if row is None else row.quantity - row.reserved
    raise InsufficientStock(
        item_id=key[0], lot_id=key[1], location_id=key[2], owner_id=key[3],
        requested=quantity, available=available,
    )


def _put(key: tuple[int, int, int, int], quantity: int) -> None:
    """Add stock to a place, creating its on-hand row on first use."""
    params = {f"p_{column}": value for column, value in zip(_KEY, key, strict=True)}
    params["put"] = quantity
    connection = _core()
    connection.execute(_PUT[connection.dialect.name], params)



def virtual_location(warehouse_id: int, location_type: LocationType) -> Place:
    """The warehouse's virtual location of a type (supplier, customer, lost-and-found)."""
    location = db.session.execute(
        sa.select(Location)
        .where(Location.warehouse_id == warehouse_id, Location.type == location_type.value)
        .order_by(Location.id)
        .limit(1)
    ).scalar_one_or_none()
    if location is None:
        raise UnknownLocation(f"The warehouse has no {location_type.value} location.")
    return Place.of(location)

