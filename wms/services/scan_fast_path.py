"""The handheld's scan on PostgreSQL in two statements, with ``move_by_scan`` as its fallback.

A scanned move is the call a warehouse makes most. Made of the general parts (check
the caller, claim the Idempotency-Key, look up the scan, write the movement, record the
call) it costs nine round trips to the database; this path makes two, each a
transaction of its own (autocommit, so no BEGIN or COMMIT round trips either):

1. **read**: the caller's row (active, token version, role), whether the key was used
   or is being processed right now (its advisory lock), what the scan names (item,
   both places, the free stock there) and two ledger entry ids from the sequence;
2. **write**, all or nothing: the guarded decrement (S5), the upsert, both ledger
   entries (L1) and the API's record of the call with the response it returns. A key
   used since the read fails the statement on the record's unique index, so a request
   and its retry never both take effect.

Nothing is locked between the two, as in the general path under READ COMMITTED: the
guards in the write are what keep stock and keys right. The decisions in between are
the general path's own: the role's permissions, ``plan_scan_move`` (physical places,
quarantine release, one lot, rule R7) and ``prepare_movement``. The fast path only
ever *succeeds*: whenever anything is not the plain case (an unknown code, a refusal,
a replayed or busy key, stock taken meanwhile, a failed statement) nothing has been
written and it returns None, and the caller runs the general path, which gives the
answer (and the refusal, error code and record) the service always gave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from wms.domain.permissions import Permission, permissions_of
from wms.errors import DomainError
from wms.extensions import db
from wms.models.idempotency import IdempotencyRecord, advisory_lock_id
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.auth import login_is_current
from wms.services.stock import (
    SCAN_LOOKUP,
    MovementResult,
    Place,
    StockChange,
    movement_parameters,
    movement_statement,
    plan_scan_move,
    prepare_movement,
)


@dataclass(frozen=True)
class ScanCall:
    """One scan request as the API received it."""

    user_id: int
    token_version: int
    key: str | None  # the Idempotency-Key, if sent
    fingerprint: str
    method: str
    path: str
    item_code: str
    from_location: str
    to_location: str
    quantity: int
    lot_code: str | None = None
    owner_code: str | None = None


_users = User.__table__
_records = IdempotencyRecord.__table__
_key = sa.bindparam("key", type_=sa.Text)
_lookup = SCAN_LOOKUP.lateral("scan")
_entry_id = sa.func.nextval(sa.func.pg_get_serial_sequence("ledger_entry", "id"))
_READ = (
    sa.select(
        _users.c.role, _users.c.active, _users.c.token_version,
        sa.case((_key.is_(None), sa.true()),
                else_=sa.func.pg_try_advisory_xact_lock(sa.bindparam("lock_id", type_=sa.BigInteger))).label("got"),
        sa.exists().where(_records.c.user_id == _users.c.id, _records.c.key == _key).label("used"),
        _entry_id.label("entry_id_1"), _entry_id.label("entry_id_2"),
        *_lookup.c,
    )
    .select_from(_users.outerjoin(_lookup, sa.true()))
    .where(_users.c.id == sa.bindparam("user_id"))
)
_DIALECT = pg_psycopg.dialect()
#: Both statements as the driver's SQL, compiled once: they run on the driver's cursor.
_READ_COMPILED = _READ.compile(dialect=_DIALECT)
READ_SQL = str(_READ_COMPILED)
#: Values the statement binds itself (the sequence's table and column, constants).
_READ_CONSTANTS = {name: value for name, value in _READ_COMPILED.params.items() if value is not None}
WRITE_SQL = str(movement_statement(1, 1, 2, explicit_ids=True, with_record=True).compile(dialect=_DIALECT))


class WriteOutcomeUnknown(Exception):
    """The connection dropped during the write, which commits itself: it may have been kept."""


def try_move_by_scan(call: ScanCall, render: Callable[[MovementResult], str]) -> str | None:
    """Post the scan in two statements and return the response body ``render`` made; None to fall back.

    ``render`` turns the result into the 201 response body, which is stored with the
    effect so that a retry with the same key replays it byte for byte.
    """
    import psycopg  # the postgres extra; this path runs on PostgreSQL only

    raw = db.engine.raw_connection()
    driver = raw.driver_connection
    try:
        # Each statement is its own transaction: no BEGIN and no COMMIT round trips.
        driver.autocommit = True
        return _read_decide_write(driver, call, render)
    except WriteOutcomeUnknown as exc:
        raw.invalidate(exc.__cause__)
        raise exc.__cause__ from None  # like a failed COMMIT: never run again, report it
    except psycopg.Error as exc:
        if driver.broken or driver.closed:
            raw.invalidate(exc)
        return None  # nothing was written: the general path retries or reports it
    finally:
        if not (driver.broken or driver.closed):
            driver.autocommit = False
        raw.close()


def _read_decide_write(driver, call: ScanCall, render: Callable[[MovementResult], str]) -> str | None:
    from psycopg.rows import namedtuple_row

    cursor = driver.cursor(row_factory=namedtuple_row)
    cursor.execute(READ_SQL, {
        **_READ_CONSTANTS, "user_id": call.user_id, "key": call.key,
        "lock_id": advisory_lock_id(call.user_id, call.key) if call.key is not None else 0,
        "code": call.item_code.strip(), "source_code": call.from_location, "destination_code": call.to_location,
    })
    rows = cursor.fetchall()
    if not rows:
        return None  # no such user: the general path refuses the login
    first = rows[0]
    if not login_is_current(first.active, first.token_version, call.token_version) or not first.got \
            or first.used or first.item_id is None or Permission.STOCK_MOVE not in permissions_of(first.role):
        return None
    source = Place(first.source_id, first.source_type, call.from_location, first.source_active)
    destination = Place(first.destination_id, first.destination_type, call.to_location, first.destination_active)
    candidates = [
        r for r in rows
        if r.lot_id is not None and (not call.lot_code or r.lot_code == call.lot_code)
        and (not call.owner_code or r.owner_code == call.owner_code)
    ]
    try:
        chosen, kind = plan_scan_move(first.role, source, destination, candidates, call.item_code, call.quantity)
        movement = prepare_movement(
            call.user_id, kind,
            [StockChange(first.item_id, chosen.lot_id, chosen.owner_id, source, destination, call.quantity)],
            document_type="scan",
        )
    except DomainError:
        return None
    if chosen.free < call.quantity or len(movement.entries) != 2 or len(movement.takes) != 1 \
            or len(movement.puts) != 1:
        return None
    entry_ids = sorted((first.entry_id_1, first.entry_id_2))
    body = render(MovementResult(movement.movement_id, entry_ids, movement.created_at))
    params = {
        "r_user_id": call.user_id, "r_key": call.key, "r_fingerprint": call.fingerprint,
        "r_method": call.method, "r_path": call.path, "r_response_status": 201, "r_response_body": body,
        "r_created_at": utcnow(),
    }
    entries = [{"id": entry_id, **entry} for entry_id, entry in zip(entry_ids, movement.entries, strict=True)]
    movement_parameters(params, entries, movement.takes, movement.puts)
    try:
        cursor.execute(WRITE_SQL, params)
        written = cursor.fetchone()
    except Exception as exc:
        if driver.broken or driver.closed:
            raise WriteOutcomeUnknown() from exc  # it may have committed before the line dropped
        raise  # the statement failed whole (a key used meanwhile, a deadlock): nothing was written
    if written.ids != entry_ids or not written.recorded:
        return None  # stock taken meanwhile: the general path says what is left
    return body
