"""The record of a mutating call, claimed and written in the use case's own transaction.

A PDA on flaky Wi-Fi may send the same request twice; every mutating call is also the
API's audit trail (user, method, path, status, time, response). The API hands the
services a ``CallRecord`` for the request (``recording``); the unit of work
(``wms.services.uow.run_in_transaction``) then, inside the use case's transaction,
runs the use case, renders its result with the call's ``render`` and stores it
(``store``) before the commit, so the effect and its record are never separated by a
crash. The Idempotency-Key is claimed by that insert (PostgreSQL: with the key's
advisory lock): a key used before, or held by a request still running, inserts
nothing, and the use case runs again, claiming the key first (``claim``): a recorded
response is then raised as ``Replayed`` (another payload under the same key:
``IdempotencyKeyReused``; a request with the key still running: ``IdempotencyInFlight``).
A first request, by far the most common, thus costs no read of the key; a retry runs
its use case once more, rolled back, before it is answered with the first response.

A refusal rolls the effect back; the API then stores the refusal in a transaction of
its own (``remember_refusal``) so a retry sees it again. Without a key the call runs
once and is recorded, not replayable.

The call's audit row (``wms.services.audit``) is written by ``store`` beside its record,
in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from wms.errors import IdempotencyInFlight, IdempotencyKeyReused
from wms.extensions import db
from wms.models.idempotency import IdempotencyRecord, advisory_lock_id
from wms.models.types import utcnow
from wms.services import audit as audit_trail


class RecordWrittenMeanwhile(Exception):
    """The key's record appeared between the claim and the store: run the use case again."""


class Replayed(Exception):
    """The call was made before with this key: its recorded response, to be sent again."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(status)
        self.status, self.body = status, body


@dataclass(eq=False)
class CallRecord:
    """One mutating request as the services record it; ``render`` turns a use case's
    result into the response (status, JSON body) the API sends for it."""

    user_id: int
    key: str | None  # the Idempotency-Key, if sent
    fingerprint: str  # what makes two requests the same (method, path, query, body)
    method: str
    path: str
    render: Callable[[Any], tuple[int, str]] | None = None
    recorded: bool = False  # a committed transaction holds the record
    audit: audit_trail.CallAudit | None = None  # what its audit row says (none: no row)


_current: ContextVar[CallRecord | None] = ContextVar("wms_call_record", default=None)


@contextmanager
def recording(call: CallRecord | None) -> Iterator[CallRecord | None]:
    """Make ``call`` the one the next use case's transaction claims and records."""
    token = _current.set(call)
    try:
        yield call
    finally:
        _current.reset(token)


def pending_call() -> CallRecord | None:
    """The request's call record while no transaction has recorded it yet."""
    call = _current.get()
    return None if call is None or call.recorded else call


_records = IdempotencyRecord.__table__
_KEY_MATCH = sa.and_(_records.c.user_id == sa.bindparam("user_id"), _records.c.key == sa.bindparam("key"))
_FIND = sa.select(_records.c.fingerprint, _records.c.response_status, _records.c.response_body).where(_KEY_MATCH)
# PostgreSQL: take the key's advisory lock and read its record in one round trip. Should
# the first request commit between this statement's snapshot and the lock, the record
# is missed here, and the insert in store() finds it (ON CONFLICT) and retries the whole.
_one_row = sa.select(sa.literal(1).label("one")).subquery()
_LOCK_AND_FIND = (
    sa.select(sa.func.pg_try_advisory_xact_lock(sa.bindparam("lock_id", type_=sa.BigInteger)).label("got"),
              _records.c.fingerprint, _records.c.response_status, _records.c.response_body)
    .select_from(_one_row.outerjoin(_records, _KEY_MATCH))
)


def replay_if_done() -> None:
    """Before a view touches a device: raise ``Replayed`` if this request's key was answered.

    A retried ship must not weigh again (the parcel has left the scale: the retry would
    be refused where it should get the first answer) nor print again. One read, outside
    any write transaction; the use case's own claim still decides everything else (a key
    in flight, a record written meanwhile).
    """
    call = pending_call()
    if call is None or call.key is None:
        return
    try:
        row = db.session.execute(_FIND, {"user_id": call.user_id, "key": call.key}).first()
    finally:
        db.session.commit()  # end the read: the use case begins its own transaction
    if row is None or row.fingerprint is None:
        return
    if row.fingerprint != call.fingerprint:
        raise IdempotencyKeyReused(key=call.key)
    raise Replayed(row.response_status, row.response_body)


def claim(call: CallRecord) -> None:
    """Take the call's key for this transaction; raise ``Replayed`` if it was used before."""
    if call.key is None:
        return
    connection = db.session.connection()  # Core statements: no ORM layer needed
    params = {"user_id": call.user_id, "key": call.key}
    if connection.dialect.name == "postgresql":
        row = connection.execute(
            _LOCK_AND_FIND, {**params, "lock_id": advisory_lock_id(call.user_id, call.key)}).one()
        if row.fingerprint is None:
            if not row.got:
                raise IdempotencyInFlight()
            return
        # Recorded: the first request is done, so a retry replays it even while another
        # retry of it holds the key's lock (only an unrecorded key is in flight).
    else:
        # SQLite needs no lock: BEGIN IMMEDIATE already runs writers one at a time.
        row = connection.execute(_FIND, params).first()
        if row is None:
            return
    if row.fingerprint != call.fingerprint:
        raise IdempotencyKeyReused(key=call.key)
    raise Replayed(row.response_status, row.response_body)


def _store_statement(insert, *, locked: bool = False) -> sa.Insert:
    values = {
        "user_id": sa.bindparam("s_user_id"), "key": sa.bindparam("s_key"),
        "fingerprint": sa.bindparam("s_fingerprint"), "method": sa.bindparam("s_method"),
        "path": sa.bindparam("s_path"), "response_status": sa.bindparam("s_status"),
        "response_body": sa.bindparam("s_body"), "created_at": sa.bindparam("s_at"),
    }
    if locked:
        # PostgreSQL, a key not claimed first: take its advisory lock in the same statement;
        # a key held by a request still running inserts nothing, like a key used before.
        got = sa.func.pg_try_advisory_xact_lock(sa.bindparam("lock_id", type_=sa.BigInteger))
        stmt = insert(_records).from_select(list(values), sa.select(*(
            sa.type_coerce(value, _records.c[name].type) for name, value in values.items())).where(got))
    else:
        stmt = insert(_records).values(**values)
    return (
        stmt.on_conflict_do_nothing(index_elements=[_records.c.user_id, _records.c.key])
        .returning(_records.c.id)
    )


# Built once per dialect: the record is written on every mutating call.
_STORE = {"postgresql": _store_statement(postgresql.insert), "sqlite": _store_statement(sqlite.insert)}
_STORE_LOCKED = _store_statement(postgresql.insert, locked=True)


def store(call: CallRecord, status: int, body: str, *, claimed: bool = True) -> None:
    """Write the call's record with its response in the current transaction.

    A key not ``claimed`` first is claimed here, by the insert itself (optimistically):
    if it was used before or is held by a request still running, nothing is inserted
    and ``RecordWrittenMeanwhile`` sends the use case round again, claiming first.
    """
    connection = db.session.connection()
    params = record_parameters(call, status, body)
    statement = _STORE[connection.dialect.name]
    if not claimed and call.key is not None and connection.dialect.name == "postgresql":
        statement, params["lock_id"] = _STORE_LOCKED, advisory_lock_id(call.user_id, call.key)
    if connection.execute(statement, params).first() is None:
        raise RecordWrittenMeanwhile()  # the key was used or is in use: claim it and see
    if call.audit is not None:
        connection.execute(audit_trail.INSERT, audit_trail.entry_parameters(
            call.audit, call.user_id, status, body, call.key, params["s_at"]))


def record_parameters(call: CallRecord, status: int, body: str) -> dict:
    """The parameters of the call's record (``store``, ``RECORD_SQL``)."""
    return {
        "s_user_id": call.user_id, "s_key": call.key, "s_fingerprint": call.fingerprint,
        "s_method": call.method, "s_path": call.path[:400], "s_status": status, "s_body": body,
        "s_at": utcnow(),
    }


# PostgreSQL: the record written inside another statement, with its effect (the scan's
# one write). KEY_FREE_SQL holds when the key was not used before and no request holding
# it is running (its advisory lock, taken here until the statement ends); the plain
# insert of RECORD_SQL fails the whole statement should the key be recorded meanwhile.
KEY_FREE_SQL = ("NOT EXISTS (SELECT FROM idempotency_record "
                "WHERE user_id = CAST(:s_user_id AS integer) AND key = CAST(:s_key AS text)) "
                "AND pg_try_advisory_xact_lock(CAST(:lock_id AS bigint))")
RECORD_SQL = (
    "INSERT INTO idempotency_record "
    "(user_id, key, fingerprint, method, path, response_status, response_body, created_at) "
    "SELECT CAST(:s_user_id AS integer), CAST(:s_key AS text), CAST(:s_fingerprint AS text), "
    "CAST(:s_method AS text), CAST(:s_path AS text), CAST(:s_status AS integer), {body}, "
    "CAST(:s_at AS timestamptz) FROM {source} RETURNING id"
)


def key_free_parameters(call: CallRecord) -> dict:
    """The parameters of ``KEY_FREE_SQL`` beyond ``record_parameters``."""
    return {"lock_id": advisory_lock_id(call.user_id, call.key)}


def record_result(call: CallRecord, result: Any, *, claimed: bool) -> None:
    """Render a use case's result and store it (a 5xx answer is not recorded)."""
    status, body = call.render(result)
    if status < 500:
        store(call, status, body, claimed=claimed)


def remember_refusal(call: CallRecord, status: int, body: str) -> None:
    """Store a refusal whose effect was rolled back, so a retry with the key sees it again."""
    claim(call)
    store(call, status, body)
