"""A handheld's scanned move: read what the scan names, let the domain decide, write once.

``move_by_scan`` is the call a warehouse makes most (put-away, replenishment). It runs
in three steps, the same rules on SQLite and PostgreSQL:

1. **read**: one query (``SCAN_LOOKUP``) finds the item by barcode, both places and
   all free stock of the item at the source; a SKU or an unknown code is resolved
   step by step instead;
2. **decide**: ``wms.domain.movements.plan_scan_move`` applies the scan's rules
   (``SCAN_RULES``) and names the stock to take and the movement's kind;
3. **write**: ``post_movement``, one guarded statement on PostgreSQL (S5, L1).

The general path runs them in one transaction, the call's Idempotency-Key claimed and
its response recorded by the unit of work around them
(``wms.services.uow.run_in_transaction``). On PostgreSQL a scan first takes the
shorter way, **read once, write once**, two statements and no BEGIN or COMMIT
(``_move_once``, each statement its own transaction):

- the read: the caller's user row (``wms.services.auth.accept_login``: active, token
  version) and the lookup in one SELECT (``CALLER_AND_LOOKUP``);
- the rules, decided in Python on what it read, exactly as on the general path;
- the write: the movement and the call's record in one statement that writes nothing
  unless what the rules decided on still holds at write time: the free stock (S5),
  both places in use and of the type read, the caller unchanged, the key unused and
  not held by a request still running.

When the write writes nothing (stock taken meanwhile, the key used or in flight) or
the lookup needs the step-by-step resolution, the general path answers, from the
start: refusals, replays, 422 for another payload under the key and 409 in flight are
its answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache, partial

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.dialects import postgresql

from wms.domain.movements import FreeStock, Place, ScannedMove, StockChange, plan_scan_move
from wms.extensions import db
from wms.models import ItemBarcode, Location, Lot, Owner
from wms.models.users import User
from wms.services import audit as audit_trail
from wms.services import idempotency
from wms.services.auth import CALLER_COLUMNS, Login, accept_login, user_of_login
from wms.services.stock.codes import resolve_item_id, resolve_places
from wms.services.stock.ledger import (
    MovementResult,
    PreparedMovement,
    movement_parameters,
    movement_sql,
    post_movement,
    prepare_movement,
    quants,
)
from wms.services.uow import in_transaction, run_in_transaction

_source = sa.orm.aliased(Location, name="source")
_destination = sa.orm.aliased(Location, name="destination")
_FREE = (quants.c.lot_id, quants.c.owner_id, Lot.code.label("lot_code"), Owner.code.label("owner_code"),
         Owner.kind.label("owner_kind"), (quants.c.quantity - quants.c.reserved).label("free"))


_known_lot = sa.orm.aliased(Lot, name="known_lot")


def _lot_known(item_id) -> sa.Exists:
    return sa.exists().where(_known_lot.item_id == item_id, _known_lot.code == sa.bindparam("scanned_lot"))


#: Built once: one round trip for what a scan names, the item, both places and the free
#: stock of the item there (one row per lot and owner; one row with no stock if none).
SCAN_LOOKUP = (
    sa.select(
        ItemBarcode.item_id,
        _source.id.label("source_id"), _source.type.label("source_type"), _source.active.label("source_active"),
        _destination.id.label("destination_id"), _destination.type.label("destination_type"),
        _destination.active.label("destination_active"),
        _lot_known(ItemBarcode.item_id).label("lot_known"),
        *_FREE,
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
_FREE_STOCK = (
    sa.select(*_FREE)
    .join(Lot, Lot.id == quants.c.lot_id)
    .join(Owner, Owner.id == quants.c.owner_id)
    .where(quants.c.item_id == sa.bindparam("item_id"), quants.c.location_id == sa.bindparam("location_id"))
    .where(quants.c.quantity - quants.c.reserved > 0)
)
_LOT_KNOWN = sa.select(_lot_known(sa.bindparam("item_id")))


def move_by_scan(
    actor: User | Login,
    *,
    item_code: str,
    from_location: str,
    to_location: str,
    quantity: int,
    lot_code: str | None = None,
    owner_code: str | None = None,
) -> MovementResult:
    """Move stock between two places as scanned on a handheld (put-away, replenishment).

    ``actor`` is the caller, or a bearer login whose user the scan's read checks.
    """
    scan = (item_code.strip(), from_location, to_location, quantity, lot_code, owner_code)
    if db.engine.dialect.name == "postgresql" and not in_transaction() and not _session_in_transaction():
        done = _move_once(actor, *scan)
        if isinstance(done, MovementResult):
            return done
        actor = done
    elif isinstance(actor, Login):
        actor = user_of_login(actor)
    return run_in_transaction(partial(_move_by_scan, actor, *scan))


def _session_in_transaction() -> bool:
    """Whether the request's session has begun (without starting one)."""
    return db.session.registry.has() and db.session().in_transaction()


def _move_by_scan(actor: User, item_code: str, from_location: str, to_location: str, quantity: int,
                  lot_code: str | None, owner_code: str | None) -> MovementResult:
    item_id, source, destination, stock, lot_known = _read_scan(item_code, from_location, to_location, lot_code)
    plan = plan_scan_move(ScannedMove(
        actor.role, item_code, source, destination, quantity, stock,
        lot_code=lot_code, owner_code=owner_code, lot_known=lot_known,
    ))
    return post_movement(
        actor, plan.kind,
        [StockChange(item_id, plan.stock.lot_id, plan.stock.owner_id, source, destination, quantity)],
        document_type="scan", document_id=None,
    )


def _read_scan(item_code: str, from_location: str, to_location: str, lot_code: str | None):
    """The item, both places, the free stock of the item at the source, whether the scanned lot exists."""
    connection = db.session.connection()  # Core statements on the hot path: no ORM layer
    rows = connection.execute(SCAN_LOOKUP, {
        "code": item_code, "source_code": from_location, "destination_code": to_location, "scanned_lot": lot_code,
    }).all()
    if rows:
        return _found(rows, from_location, to_location)
    # A SKU instead of a barcode, or something unknown: resolved step by step (typed 404s).
    item_id = resolve_item_id(item_code)
    source, destination = resolve_places(from_location, to_location)
    stock = tuple(_free(r) for r in connection.execute(_FREE_STOCK, {"item_id": item_id, "location_id": source.id}))
    lot_known = bool(connection.execute(_LOT_KNOWN, {"item_id": item_id, "scanned_lot": lot_code}).scalar())
    return item_id, source, destination, stock, lot_known


def _found(rows, from_location: str, to_location: str):
    """What ``SCAN_LOOKUP``'s rows say: the item, both places, the free stock, whether the lot exists."""
    first = rows[0]
    source = Place(first.source_id, first.source_type, from_location, first.source_active)
    destination = Place(first.destination_id, first.destination_type, to_location, first.destination_active)
    stock = tuple(_free(r) for r in rows if r.lot_id is not None)
    return first.item_id, source, destination, stock, bool(first.lot_known)


def _free(row) -> FreeStock:
    return FreeStock(row.lot_id, row.owner_id, row.lot_code, row.owner_code, row.owner_kind, row.free)


# --- PostgreSQL: read once, write once -------------------------------------------------

_caller = sa.select(*CALLER_COLUMNS).where(User.__table__.c.id == sa.bindparam("caller_id")).subquery("caller")
_lookup = SCAN_LOOKUP.subquery("lookup")
#: Built once: the caller's row and the scan's lookup in one round trip (the caller's
#: columns alone when the lookup finds nothing; no row for an unknown caller).
CALLER_AND_LOOKUP = sa.select(_caller, _lookup).select_from(_caller.outerjoin(_lookup, sa.true()))

#: At write time, what the rules decided on still holds: the caller (its role, active,
#: token version) and both places (in use, of the type read). S5 is the decrement's own guard.
_UNCHANGED = (
    'EXISTS (SELECT FROM "user" WHERE id = CAST(:g_user_id AS integer) AND active '
    "AND token_version = CAST(:g_token_version AS integer) AND role = CAST(:g_role AS text)) "
    "AND EXISTS (SELECT FROM location WHERE id = CAST(:g_source_id AS integer) AND active "
    "AND type = CAST(:g_source_type AS text)) "
    "AND EXISTS (SELECT FROM location WHERE id = CAST(:g_destination_id AS integer) AND active "
    "AND type = CAST(:g_destination_type AS text))"
)
#: Stand-ins for the two entry ids in the rendered response the record stores; the write
#: puts the ids it inserts in their place (the response is rendered once, by the API's schema).
_ENTRY_ID_STAND_INS = (9007199254740881, 9007199254740882)
_RECORDED_BODY = (
    f"replace(replace(CAST(:s_body AS text), '{_ENTRY_ID_STAND_INS[0]}', (SELECT min(id) FROM e)::text), "
    f"'{_ENTRY_ID_STAND_INS[1]}', (SELECT max(id) FROM e)::text)"
)


@lru_cache(maxsize=32)
def _driver_sql(statement: sa.Executable) -> tuple[str, dict]:
    """A statement compiled once for PostgreSQL's driver, and the values of its fixed
    parameters: the hot path skips SQLAlchemy's per-call compilation (its cache key)."""
    compiled = statement.compile(dialect=postgresql.psycopg.dialect())
    return str(compiled), {name: value for name, value in compiled.params.items() if value is not None}


@lru_cache(maxsize=16)
def _write_once(n_takes: int, n_puts: int, n_entries: int, shared: tuple[str, ...], recorded: bool,
                keyed: bool, audited: bool = False) -> sa.TextClause:
    """The scan's one write: the movement and, for an API call, its record and audit row, or nothing."""
    gate = _UNCHANGED + (" AND " + idempotency.KEY_FREE_SQL if keyed else "")
    then = (f"r AS ({idempotency.RECORD_SQL.format(body=_RECORDED_BODY, source='ok')})",) if recorded else ()
    if recorded and audited:
        then += (f"a AS ({audit_trail.AUDIT_SQL.format(source='ok')})",)
    return sa.text(movement_sql(n_takes, n_puts, n_entries, shared, gate=gate, then=then))


class _GeneralPath(Exception):
    """The scan is one the general path answers (nothing was written)."""


def _move_once(actor: User | Login, item_code: str, from_location: str, to_location: str, quantity: int,
               lot_code: str | None, owner_code: str | None) -> MovementResult | User:
    """The scan in two autocommit statements: its result, or the checked caller for the general path."""
    login = actor if isinstance(actor, Login) else Login(actor.id, actor.token_version)
    try:
        with _autocommit() as cursor:
            return _read_decide_write(cursor, login, item_code, from_location, to_location, quantity,
                                      lot_code, owner_code)
    except _GeneralPath:
        return user_of_login(login)


def _read_decide_write(cursor, login: Login, item_code: str, from_location: str, to_location: str,
                       quantity: int, lot_code: str | None, owner_code: str | None) -> MovementResult:
    driver_error = db.engine.dialect.loaded_dbapi.Error
    sql, fixed = _driver_sql(CALLER_AND_LOOKUP)
    try:
        rows = cursor.execute(sql, {
            **fixed, "caller_id": login.user_id, "code": item_code, "source_code": from_location,
            "destination_code": to_location, "scanned_lot": lot_code,
        }).fetchall()
    except driver_error as exc:
        raise _GeneralPath() from exc  # the general path meets the error again, or runs
    accept_login(login, rows[0] if rows else None)
    caller = rows[0]  # the caller's row (id, role, token version) and the lookup's first
    if caller.item_id is None:
        raise _GeneralPath()  # a SKU or an unknown code: resolved step by step
    item_id, source, destination, stock, lot_known = _found(rows, from_location, to_location)
    plan = plan_scan_move(ScannedMove(
        caller.role, item_code, source, destination, quantity, stock,
        lot_code=lot_code, owner_code=owner_code, lot_known=lot_known,
    ))
    movement = prepare_movement(
        caller.id, plan.kind,
        [StockChange(item_id, plan.stock.lot_id, plan.stock.owner_id, source, destination, quantity)],
        document_type="scan", document_id=None,
    )
    call = idempotency.pending_call()
    params, shared = _write_parameters(movement, caller, source, destination, call)
    sql = _driver_sql(_write_once(len(movement.takes), len(movement.puts), len(movement.entries), shared,
                                  call is not None, call is not None and call.key is not None,
                                  call is not None and call.audit is not None))[0]
    try:
        row = cursor.execute(sql, params).fetchone()
    except driver_error as exc:
        if cursor.connection.broken and (call is None or call.key is None):
            # Lost while writing, nothing to tell whether it was written: not run again.
            raise sa.exc.DBAPIError.instance(sql, params, exc, driver_error, connection_invalidated=True) from exc
        raise _GeneralPath() from exc  # the key recorded meanwhile (its unique index), or the server gone
    if len(row.ids) != len(movement.entries):
        raise _GeneralPath()  # written nothing: what the rules decided on changed meanwhile
    if call is not None:
        call.recorded = True
    return MovementResult(movement.movement_id, row.ids, movement.created_at)


@contextmanager
def _autocommit() -> Iterator:
    """A cursor of a pooled connection's driver (psycopg) in autocommit: each statement its own
    transaction, no BEGIN or COMMIT sent. The hot path talks to the driver itself (SQLAlchemy's
    execution path costs about as much again as the driver's); a connection the server
    dropped leaves the pool."""
    from psycopg.rows import namedtuple_row  # the driver, imported where it is used

    pooled = db.engine.raw_connection()
    driver = pooled.driver_connection
    try:
        try:
            driver.autocommit = True
        except db.engine.dialect.loaded_dbapi.Error as exc:
            raise _GeneralPath() from exc  # a connection lost unseen: the general path's retry
        with driver.cursor(row_factory=namedtuple_row) as cursor:
            yield cursor
    finally:
        if driver.broken or driver.closed:
            pooled.invalidate()
        else:
            driver.autocommit = False
        pooled.close()


def _write_parameters(movement: PreparedMovement, caller, source: Place, destination: Place,
                      call: idempotency.CallRecord | None) -> tuple[dict, tuple[str, ...]]:
    """The write's parameters and the entries' shared columns (``_GeneralPath`` for a movement
    the one write cannot post)."""
    if len(movement.takes) != 1 or len(movement.entries) != len(_ENTRY_ID_STAND_INS):
        raise _GeneralPath()  # a decrement that failed after another had run would stay: one take only
    params = {
        "g_user_id": caller.id, "g_token_version": caller.token_version, "g_role": caller.role,
        "g_source_id": source.id, "g_source_type": source.type,
        "g_destination_id": destination.id, "g_destination_type": destination.type,
    }
    shared = movement_parameters(params, movement.entries, movement.takes, movement.puts)
    if call is not None:
        status, body = call.render(MovementResult(movement.movement_id, list(_ENTRY_ID_STAND_INS),
                                                  movement.created_at))
        if status >= 500 or any(body.count(str(n)) != 1 for n in _ENTRY_ID_STAND_INS):
            raise _GeneralPath()
        params.update(idempotency.record_parameters(call, status, body))
        if call.audit is not None:
            params.update(audit_trail.entry_parameters(call.audit, call.user_id, status, body, call.key,
                                                       params["s_at"]))
        if call.key is not None:
            params.update(idempotency.key_free_parameters(call))
    return params, shared
