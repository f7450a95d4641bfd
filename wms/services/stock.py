"""Stock movements: the code that writes the ledger and the on-hand table (L1, S5).

Every change of stock goes through ``post_movement`` (one exception: a plain scan on
PostgreSQL, which ``wms.services.scan_fast_path`` writes in one statement under the same
rules): it appends the ledger entries and updates ``stock_quant`` in the same
transaction. A decrement is a guarded UPDATE (``... WHERE quantity - reserved >= n``)
so two concurrent writers can never take the same unit twice; if any line of a
movement would go negative the whole movement is refused and nothing is written.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.dialects import postgresql, sqlite

from wms.domain.locations import LocationType, holds_stock, may_hold
from wms.domain.permissions import Permission, require
from wms.errors import (
    AlreadyReversed,
    InsufficientStock,
    InvalidMovement,
    LocationInactive,
    LotRequired,
    NotFound,
    UnknownBarcode,
    UnknownLocation,
    UnknownLot,
)
from wms.extensions import db
from wms.models import Item, ItemBarcode, LedgerEntry, Location, Lot, MovementKind, Owner, StockQuant
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.uow import transaction

ledger = LedgerEntry.__table__
quants = StockQuant.__table__


@dataclass(frozen=True)
class Place:
    """The part of a location a movement needs: its id, type and whether it is in use."""

    id: int
    type: str
    code: str = ""
    active: bool = True

    @classmethod
    def of(cls, location: Location) -> Place:
        """The place of a Location row."""
        return cls(location.id, location.type, location.code, location.active)


@dataclass(frozen=True)
class StockChange:
    """One line of a movement: ``quantity`` units of one lot go from one place to another."""

    item_id: int
    lot_id: int
    owner_id: int
    source: Place
    destination: Place
    quantity: int
    # Picking consumes a reservation made at allocation; other moves may not touch it.
    from_reserved: bool = False


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
) -> PreparedMovement:
    """Check a movement and work out its ledger entries and on-hand changes (L1, S5); no I/O."""
    if kind not in MovementKind.ALL or kind == MovementKind.REVERSAL:
        raise InvalidMovement(f"Unknown movement kind '{kind}'.", kind=kind)
    if not changes:
        raise InvalidMovement("A movement needs at least one line.")
    now = utcnow()
    movement_id = uuid.uuid4().hex
    entries: list[dict] = []
    physical: set[int] = set()
    for change in changes:
        _check_change(change)
        for place, sign in ((change.source, -1), (change.destination, +1)):
            if holds_stock(place.type):
                physical.add(place.id)
            entries.append(
                dict(
                    movement_id=movement_id, kind=kind, item_id=change.item_id,
                    lot_id=change.lot_id, location_id=place.id, owner_id=change.owner_id,
                    quantity=sign * change.quantity, document_type=document_type,
                    document_id=document_id, user_id=actor_id, created_at=now,
                    reason=reason, reverses_entry_id=None,
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
) -> MovementResult:
    """Append one movement to the ledger and update on-hand in the same transaction (L1)."""
    movement = prepare_movement(actor.id, kind, changes, document_type=document_type,
                                document_id=document_id, reason=reason)
    with transaction():
        ids = _write(movement.entries, movement.takes, movement.puts)
    return MovementResult(movement.movement_id, ids, movement.created_at)


def _check_change(change: StockChange) -> None:
    if not isinstance(change.quantity, int) or isinstance(change.quantity, bool) or change.quantity <= 0:
        raise InvalidMovement("Quantity must be a positive whole number.", quantity=change.quantity)
    if change.source.id == change.destination.id:
        raise InvalidMovement("Source and destination are the same location.")
    for place in (change.source, change.destination):
        if not place.active:
            raise LocationInactive(location=place.code or place.id)
    if change.from_reserved and not holds_stock(change.source.type):
        raise InvalidMovement("Only stock in a physical location can be reserved.")


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


def _write(entries: list[dict], takes: list, puts: list) -> list[int]:
    """Insert the entries and apply the on-hand changes in the unit of work's transaction."""
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
        result = _core().execute(_INSERT_ENTRIES, entries)
        return [row[0] for row in result]
    if _core().dialect.name == "postgresql":
        return _append_and_apply_unnest(entries, takes, puts)
    for start in range(0, len(takes), BATCH_ROWS):
        _take_many(takes[start:start + BATCH_ROWS])
    for start in range(0, len(puts), BATCH_ROWS):
        _put_many(puts[start:start + BATCH_ROWS])
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
    "reverses_entry_id": "bigint",
}
_INSERT_ENTRIES_UNNEST = sa.text(
    f"INSERT INTO ledger_entry ({', '.join(_ENTRY_COLUMNS)}) "
    f"SELECT * FROM unnest({', '.join(f'CAST(:{c} AS {t}[])' for c, t in _ENTRY_COLUMNS.items())}) "
    "RETURNING id"
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
        _INSERT_ENTRIES_UNNEST, {c: [e[c] for e in entries] for c in _ENTRY_COLUMNS}
    ).scalars().all()
    return sorted(ids)


@functools.lru_cache(maxsize=256)
def _movement_statement(n_takes: int, n_puts: int, n_entries: int) -> sa.TextClause:
    """PostgreSQL: guarded decrements, upserts and entries of a small movement as one statement.

    Each decrement is a CTE that returns its row only if the stock was free (S5); the
    upserts and the entries are written only when every decrement returned its row. The
    decrements that did find their stock have run, though: the caller raises
    InsufficientStock, and the unit of work's rollback undoes them (no use case may
    catch that refusal and go on in the same transaction).
    """
    def key_of(prefix: str) -> str:
        return " AND ".join(f"{c} = CAST(:{prefix}_{c} AS integer)" for c in _KEY)

    ctes = [
        f"""t{i} AS (
            UPDATE stock_quant
            SET quantity = quantity - CAST(:t{i}_taken AS integer),
                reserved = reserved - CAST(:t{i}_from_reserved AS integer)
            WHERE {key_of(f"t{i}")}
              AND quantity - reserved >= CAST(:t{i}_taken AS integer) - CAST(:t{i}_from_reserved AS integer)
              AND reserved >= CAST(:t{i}_from_reserved AS integer)
            RETURNING 1)"""
        for i in range(n_takes)
    ]
    all_taken = " AND ".join(f"EXISTS (SELECT FROM t{i})" for i in range(n_takes)) or "TRUE"
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
        "(" + ", ".join(f"CAST(:e{i}_{c} AS {t})" for c, t in _ENTRY_COLUMNS.items()) + ")"
        for i in range(n_entries)
    )
    ctes.append(
        f"e AS (INSERT INTO ledger_entry ({', '.join(_ENTRY_COLUMNS)}) "
        f"SELECT v.* FROM ok, (VALUES {values}) AS v({', '.join(_ENTRY_COLUMNS)}) RETURNING id)"
    )
    taken = ", ".join(f"EXISTS (SELECT FROM t{i})" for i in range(n_takes))
    return sa.text(
        "WITH " + ",\n".join(ctes)
        + f"\nSELECT ARRAY(SELECT id FROM e ORDER BY id) AS ids, ARRAY[{taken}]::boolean[] AS taken"
    )


def _append_and_apply_one_statement(entries: list[dict], takes: list, puts: list) -> list[int]:
    """The small-movement writer on PostgreSQL (a scan, a pick): one round trip (L1, S5)."""
    params: dict = {}
    _movement_parameters(params, entries, takes, puts)
    row = _core().execute(_movement_statement(len(takes), len(puts), len(entries)), params).one()
    if len(row.ids) != len(entries):
        # A decrement found too little free stock; that row is unchanged, so name it.
        short = row.taken.index(False)
        _refuse_take(takes[short][0], takes[short][1])
    return row.ids


def _movement_parameters(params: dict, entries: list[dict], takes: list, puts: list) -> None:
    """Fill ``params`` for ``_movement_statement``."""
    for i, (key, quantity, from_reserved) in enumerate(takes):
        params.update({f"t{i}_{c}": v for c, v in zip(_KEY, key, strict=True)})
        params.update({f"t{i}_taken": quantity, f"t{i}_from_reserved": from_reserved})
    for i, (key, quantity) in enumerate(puts):
        params.update({f"p{i}_{c}": v for c, v in zip(_KEY, key, strict=True)})
        params[f"p{i}_put"] = quantity
    for i, entry in enumerate(entries):
        params.update({f"e{i}_{c}": v for c, v in entry.items()})


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


# --- corrections ------------------------------------------------------------------


def reverse_movement(actor: User, movement_id: str, reason: str) -> MovementResult:
    """Cancel a movement by appending the opposite entries (L1: never edit, reverse)."""
    require(actor.role, Permission.LEDGER_REVERSE)
    if not reason or not reason.strip():
        raise InvalidMovement("A reversal needs a reason.")
    with transaction():
        # Locked, so two supervisors reversing at once queue and the second is told it's done.
        originals = db.session.execute(
            sa.select(ledger).where(ledger.c.movement_id == movement_id).order_by(ledger.c.id).with_for_update()
        ).all()
        if not originals:
            raise NotFound(f"No movement {movement_id}.", movement_id=movement_id)
        if originals[0].kind == MovementKind.REVERSAL:
            raise InvalidMovement("A reversal cannot itself be reversed; post a new movement.")
        already = db.session.execute(
            sa.select(sa.func.count()).select_from(ledger)
            .where(ledger.c.reverses_entry_id.in_([o.id for o in originals]))
        ).scalar_one()
        if already:
            raise AlreadyReversed(movement_id=movement_id)
        location_types = dict(
            db.session.execute(
                sa.select(Location.id, Location.type).where(
                    Location.id.in_({o.location_id for o in originals})
                )
            ).all()
        )
        now = utcnow()
        new_id = uuid.uuid4().hex
        entries = [
            dict(
                movement_id=new_id, kind=MovementKind.REVERSAL, item_id=o.item_id,
                lot_id=o.lot_id, location_id=o.location_id, owner_id=o.owner_id,
                quantity=-o.quantity, document_type=o.document_type,
                document_id=o.document_id, user_id=actor.id, created_at=now,
                reason=reason.strip(), reverses_entry_id=o.id,
            )
            for o in originals
        ]
        physical = {i for i, t in location_types.items() if holds_stock(t)}
        ids = _append_and_apply(entries, physical, {})
    return MovementResult(new_id, ids, now)


# --- scans from handhelds -----------------------------------------------------------


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
        found.update(db.session.execute(sa.select(Item.sku, Item.id).where(Item.sku.in_(chunk))).tuples())
        found.update(db.session.execute(
            sa.select(ItemBarcode.code, ItemBarcode.item_id).where(ItemBarcode.code.in_(chunk))).tuples())
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


_source = sa.orm.aliased(Location, name="source")
_destination = sa.orm.aliased(Location, name="destination")
# One round trip for what a scan names: the item, both places and the free stock there.
SCAN_LOOKUP = (
    sa.select(
        ItemBarcode.item_id,
        _source.id.label("source_id"), _source.type.label("source_type"), _source.active.label("source_active"),
        _destination.id.label("destination_id"), _destination.type.label("destination_type"),
        _destination.active.label("destination_active"),
        quants.c.lot_id, quants.c.owner_id, Lot.code.label("lot_code"), Owner.code.label("owner_code"),
        Owner.kind.label("owner_kind"), (quants.c.quantity - quants.c.reserved).label("free"),
    )
    .select_from(ItemBarcode)
    .join(_source, _source.code == sa.bindparam("source_code"))
    .join(_destination, _destination.code == sa.bindparam("destination_code"))
    .outerjoin(quants, sa.and_(quants.c.item_id == ItemBarcode.item_id, quants.c.location_id == _source.id,
                               quants.c.quantity - quants.c.reserved > 0))
    .outerjoin(Lot, Lot.id == quants.c.lot_id)
    .outerjoin(Owner, Owner.id == quants.c.owner_id)
    .where(ItemBarcode.code == sa.bindparam("code"))
)


def move_by_scan(
    actor: User,
    *,
    item_code: str,
    from_location: str,
    to_location: str,
    quantity: int,
    lot_code: str | None = None,
    owner_code: str | None = None,
) -> MovementResult:
    """Move stock between two places as scanned on a handheld (put-away, replenishment)."""
    require(actor.role, Permission.STOCK_MOVE)
    with transaction():
        rows = _core().execute(SCAN_LOOKUP, {
            "code": item_code.strip(), "source_code": from_location, "destination_code": to_location,
        }).all()
        if rows:
            first = rows[0]
            item_id = first.item_id
            source = Place(first.source_id, first.source_type, from_location, first.source_active)
            destination = Place(first.destination_id, first.destination_type, to_location,
                                first.destination_active)
            candidates = [
                r for r in rows
                if r.lot_id is not None and (not lot_code or r.lot_code == lot_code)
                and (not owner_code or r.owner_code == owner_code)
            ]
        else:  # a SKU instead of a barcode, or something unknown: resolve step by step
            item_id = resolve_item_id(item_code)
            source, destination = resolve_places(from_location, to_location)
            candidates = _free_stock(item_id, source.id, lot_code, owner_code)
        try:
            chosen, kind = plan_scan_move(actor.role, source, destination, candidates, item_code, quantity)
        except InsufficientStock:
            if not candidates and lot_code and not _lot_exists(item_id, lot_code):
                raise UnknownLot(f"Item has no lot '{lot_code}'.", lot=lot_code) from None
            raise
        return post_movement(
            actor, kind,
            [StockChange(item_id, chosen.lot_id, chosen.owner_id, source, destination, quantity)],
            document_type="scan", document_id=None,
        )


def plan_scan_move(role: str, source: Place, destination: Place, candidates: list, item_code: str,
                   quantity: int):
    """Which stock a scanned move takes, and the movement's kind; or why it is refused.

    ``candidates`` are the rows of free stock of the item at the source that match the
    scanned lot and owner (``lot_id``, ``owner_id``, ``lot_code``, ``owner_code``,
    ``owner_kind``). The PostgreSQL fast path (``wms.services.scan_fast_path``) applies
    the same rules as data in its one statement; a test holds the two equal.
    """
    if not (holds_stock(source.type) and holds_stock(destination.type)):
        raise InvalidMovement("Scanned moves are between physical locations only.")
    if source.type == LocationType.QUARANTINE:
        # Quarantined goods were rejected or are in doubt (R4-R6): releasing them to
        # stock is a supervisor's decision, not a scan on the floor.
        require(role, Permission.STOCK_ADJUST)
    if not candidates:
        raise InsufficientStock(
            "Nothing of this item is free at the location.",
            item_code=item_code, location=source.code, requested=quantity, available=0,
        )
    if len(candidates) > 1:
        raise LotRequired(lots=sorted(c.lot_code for c in candidates))
    chosen = candidates[0]
    if not may_hold(chosen.owner_kind, destination.type):
        # rule R7: consignment stock is never mixed with own stock
        raise InvalidMovement(
            "Consignor stock stays in consignment locations, own stock out of them (R7).",
            owner=chosen.owner_code, destination=destination.code,
        )
    return chosen, MovementKind.PUTAWAY if source.type == LocationType.RECEIVING else MovementKind.MOVE


def _free_stock(item_id: int, location_id: int, lot_code: str | None, owner_code: str | None) -> list:
    stmt = (
        sa.select(quants.c.lot_id, quants.c.owner_id, Lot.code.label("lot_code"), Owner.code.label("owner_code"),
                  Owner.kind.label("owner_kind"), (quants.c.quantity - quants.c.reserved).label("free"))
        .join(Lot, Lot.id == quants.c.lot_id)
        .join(Owner, Owner.id == quants.c.owner_id)
        .where(quants.c.item_id == item_id, quants.c.location_id == location_id)
        .where(quants.c.quantity - quants.c.reserved > 0)
    )
    if lot_code:
        stmt = stmt.where(Lot.code == lot_code)
    if owner_code:
        stmt = stmt.where(Owner.code == owner_code)
    return db.session.execute(stmt).all()


def _lot_exists(item_id: int, lot_code: str) -> bool:
    return db.session.execute(
        sa.select(Lot.id).where(Lot.item_id == item_id, Lot.code == lot_code)
    ).first() is not None


# --- adjustments ------------------------------------------------------------------


def adjust_stock(
    actor: User,
    *,
    item_id: int,
    lot_id: int,
    location_id: int,
    owner_id: int,
    quantity_change: int,
    reason: str,
    kind: str = MovementKind.ADJUSTMENT,
) -> MovementResult:
    """Book a found or lost quantity against lost-and-found; needs a reason (L1)."""
    require(actor.role, Permission.STOCK_ADJUST)
    if kind not in (MovementKind.ADJUSTMENT, MovementKind.COUNT_DIFFERENCE):
        raise InvalidMovement("Adjustments are 'adjustment' or 'count_difference'.")
    if not reason or not reason.strip():
        raise InvalidMovement("An adjustment needs a reason.")
    if quantity_change == 0:
        raise InvalidMovement("An adjustment of zero changes nothing.")
    with transaction():
        location = db.session.get(Location, location_id)
        if location is None:
            raise UnknownLocation(location_id=location_id)
        if not location.holds_stock:
            raise InvalidMovement("Adjust a physical location, not a virtual one.")
        lot = db.session.get(Lot, lot_id)
        if lot is None or lot.item_id != item_id:
            raise UnknownLot(lot_id=lot_id)
        owner = db.session.get(Owner, owner_id)
        if owner is None:
            raise NotFound(f"No owner {owner_id}.", owner_id=owner_id)
        if not may_hold(owner.kind, location.type):
            raise InvalidMovement("Consignor stock stays in consignment locations, own stock out of them (R7).")
        lost_found = virtual_location(location.warehouse_id, LocationType.LOST_AND_FOUND)
        place = Place.of(location)
        source, destination = (lost_found, place) if quantity_change > 0 else (place, lost_found)
        return post_movement(
            actor, kind,
            [StockChange(item_id, lot_id, owner_id, source, destination, abs(quantity_change))],
            document_type="adjustment", reason=reason.strip(),
        )


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


# --- the check that on-hand equals the ledger (L1) ----------------------------------


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


# --- queries ------------------------------------------------------------------------


def list_stock(actor: User, filters: dict, page: int, page_size: int):
    """On-hand rows with item, lot and location, filtered; empty rows left out by default."""
    from wms.services.queries import paginate

    require(actor.role, Permission.STOCK_READ)
    stmt = (
        sa.select(
            quants.c.item_id, Item.sku, Item.name.label("item_name"), quants.c.lot_id,
            Lot.code.label("lot_code"), Lot.received_at, Lot.expiry_date,
            quants.c.location_id, Location.code.label("location_code"), quants.c.owner_id,
            Owner.code.label("owner_code"), quants.c.quantity, quants.c.reserved,
            (quants.c.quantity - quants.c.reserved).label("available"),
        )
        .join(Item, Item.id == quants.c.item_id)
        .join(Lot, Lot.id == quants.c.lot_id)
        .join(Location, Location.id == quants.c.location_id)
        .join(Owner, Owner.id == quants.c.owner_id)
        .order_by(Item.sku, Lot.received_at, Location.path_order, Location.code)
    )
    if not filters.get("include_empty"):
        stmt = stmt.where(quants.c.quantity > 0)
    if filters.get("item"):
        stmt = stmt.where(quants.c.item_id == resolve_item_id(filters["item"]))
    if filters.get("location"):
        stmt = stmt.where(Location.code == filters["location"])
    if filters.get("lot"):
        stmt = stmt.where(Lot.code == filters["lot"])
    if filters.get("owner"):
        stmt = stmt.where(Owner.code == filters["owner"])
    for column in ("item_id", "lot_id", "location_id", "owner_id"):
        if filters.get(column) is not None:
            stmt = stmt.where(quants.c[column] == filters[column])
    rows, total = paginate(stmt, page, page_size, scalars=False)
    return [r._asdict() for r in rows], total


def list_ledger(actor: User, filters: dict, page: int, page_size: int):
    """Ledger entries, newest first, filtered by item, lot, location, document, user, time."""
    from wms.services.queries import paginate

    require(actor.role, Permission.LEDGER_READ)
    stmt = sa.select(LedgerEntry).order_by(LedgerEntry.id.desc())
    exact = ("item_id", "lot_id", "location_id", "owner_id", "movement_id", "kind",
             "document_type", "document_id", "user_id")
    for column in exact:
        if filters.get(column) is not None:
            stmt = stmt.where(getattr(LedgerEntry, column) == filters[column])
    if filters.get("since") is not None:
        stmt = stmt.where(LedgerEntry.created_at >= filters["since"])
    if filters.get("until") is not None:
        stmt = stmt.where(LedgerEntry.created_at < filters["until"])
    return paginate(stmt, page, page_size)


def list_lots(actor: User, item_id: int | None, page: int, page_size: int):
    """Lots, oldest receipt first (the FIFO order of S1)."""
    from wms.services.queries import paginate

    require(actor.role, Permission.STOCK_READ)
    stmt = sa.select(Lot).order_by(Lot.received_at, Lot.id)
    if item_id is not None:
        stmt = stmt.where(Lot.item_id == item_id)
    return paginate(stmt, page, page_size)


def check_ledger(actor: User) -> LedgerCheck:
    """verify_ledger for a user allowed to run it."""
    require(actor.role, Permission.LEDGER_VERIFY)
    return verify_ledger()
