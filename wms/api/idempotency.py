"""The Idempotency-Key header: a PDA on flaky Wi-Fi may send the same request twice.

Every mutating call is also recorded (user, method, path, status, time, response) in
the same transaction as its effect: that record is the API's audit trail.

- a retry after completion gets the first response again (success or refusal);
- the same key with another payload is refused with 422 ``idempotency_key_reused``;
- a retry while the first is still running gets 409 ``idempotency_in_flight``.

The record is written in the same transaction as the effect, so a crash can never
separate them. Without the header the call still runs as one transaction.
"""

from __future__ import annotations

import hashlib
from functools import partial, wraps

import sqlalchemy as sa
from flask import Response, current_app, make_response, request
from sqlalchemy.dialects import postgresql, sqlite

from wms.api.security import current_user
from wms.errors import (
    DomainError,
    IdempotencyInFlight,
    IdempotencyKeyInvalid,
    IdempotencyKeyReused,
)
from wms.extensions import db
from wms.models.idempotency import IdempotencyRecord, advisory_lock_id
from wms.models.types import utcnow
from wms.services.uow import RetryUseCase, run_in_transaction

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"


def request_fingerprint() -> str:
    """A hash of what makes two requests the same: method, path, query and body."""
    digest = hashlib.sha256()
    for part in (request.method, request.path, request.query_string.decode("latin-1")):
        digest.update(part.encode() + b"\0")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def valid_key(key: str) -> bool:
    """A key is 1 to IDEMPOTENCY_KEY_MAX_LENGTH printable characters."""
    return 0 < len(key) <= current_app.config.get("IDEMPOTENCY_KEY_MAX_LENGTH", 255) and key.isprintable()


_records = IdempotencyRecord.__table__
_KEY_MATCH = sa.and_(_records.c.user_id == sa.bindparam("user_id"), _records.c.key == sa.bindparam("key"))
_FIND = sa.select(_records.c.fingerprint, _records.c.response_status, _records.c.response_body).where(_KEY_MATCH)
# PostgreSQL: take the key's advisory lock and read its record in one round trip. Should
# the first request commit between this statement's snapshot and the lock, the record
# is missed here, and the insert in _store finds it (ON CONFLICT) and retries the whole.
_one_row = sa.select(sa.literal(1).label("one")).subquery()
_LOCK_AND_FIND = (
    sa.select(sa.func.pg_try_advisory_xact_lock(sa.bindparam("lock_id", type_=sa.BigInteger)).label("got"),
              _records.c.fingerprint, _records.c.response_status, _records.c.response_body)
    .select_from(_one_row.outerjoin(_records, _KEY_MATCH))
)


def _claim(user_id: int, key: str, fingerprint: str) -> Response | None:
    """Take the key for this transaction; the stored response if it was used before."""
    connection = db.session.connection()  # Core statements: no ORM layer needed
    params = {"user_id": user_id, "key": key}
    if connection.dialect.name == "postgresql":
        row = connection.execute(_LOCK_AND_FIND, {**params, "lock_id": advisory_lock_id(user_id, key)}).one()
        if row.fingerprint is None:
            if not row.got:
                raise IdempotencyInFlight()
            return None
        # Recorded: the first request is done, so a retry replays it even while another
        # retry of it holds the key's lock (only an unrecorded key is in flight).
    else:
        # SQLite needs no lock: BEGIN IMMEDIATE already runs writers one at a time.
        row = connection.execute(_FIND, params).first()
        if row is None:
            return None
    if row.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key=key)
    replay = Response(row.response_body, status=row.response_status, mimetype="application/json")
    replay.headers[REPLAY_HEADER] = "true"
    return replay


def _store_statement(insert) -> sa.Insert:
    return (
        insert(_records).values(
            user_id=sa.bindparam("s_user_id"), key=sa.bindparam("s_key"),
            fingerprint=sa.bindparam("s_fingerprint"), method=sa.bindparam("s_method"),
            path=sa.bindparam("s_path"), response_status=sa.bindparam("s_status"),
            response_body=sa.bindparam("s_body"), created_at=sa.bindparam("s_at"),
        )
        .on_conflict_do_nothing(index_elements=[_records.c.user_id, _records.c.key])
        .returning(_records.c.id)
    )


# Built once per dialect: the record is written on every mutating call.
_STORE = {"postgresql": _store_statement(postgresql.insert), "sqlite": _store_statement(sqlite.insert)}


def _store(user_id: int, key: str | None, fingerprint: str, status: int, body: str) -> None:
    connection = db.session.connection()
    stored = connection.execute(_STORE[connection.dialect.name], {
        "s_user_id": user_id, "s_key": key, "s_fingerprint": fingerprint, "s_method": request.method,
        "s_path": request.path[:400], "s_status": status, "s_body": body, "s_at": utcnow(),
    }).first()
    if stored is None:
        raise RetryUseCase()  # the first request finished meanwhile: replay its response


def _remember_refusal(user_id: int, key: str, fingerprint: str, error: DomainError) -> Response | None:
    replay = _claim(user_id, key, fingerprint)
    if replay is None:
        _store(user_id, key, fingerprint, error.status, current_app.json.dumps(error.to_dict()))
    return replay


def _run_and_record(view, args, kwargs) -> Response:
    """A call without a key: its effect and who made it, in one transaction (no replay)."""
    response = make_response(view(*args, **kwargs))
    if response.status_code < 500:
        _store(current_user().id, None, request_fingerprint(), response.status_code,
               response.get_data(as_text=True))
    return response


def idempotent(view):
    """Decorate a mutating view: one transaction, replayable by Idempotency-Key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return run_in_transaction(partial(_run_and_record, view, args, kwargs))
        if not valid_key(key):
            raise IdempotencyKeyInvalid(max_length=current_app.config.get("IDEMPOTENCY_KEY_MAX_LENGTH", 255))
        user_id = current_user().id
        fingerprint = request_fingerprint()

        def first_run() -> Response:
            replay = _claim(user_id, key, fingerprint)
            if replay is not None:
                return replay
            response = make_response(view(*args, **kwargs))
            if response.status_code < 500:
                _store(user_id, key, fingerprint, response.status_code, response.get_data(as_text=True))
            return response

        try:
            return run_in_transaction(first_run)
        except (IdempotencyKeyReused, IdempotencyInFlight):
            raise
        except DomainError as refusal:
            # The effect was rolled back; the refusal itself is what a retry must see.
            replay = run_in_transaction(partial(_remember_refusal, user_id, key, fingerprint, refusal))
            if replay is not None:
                return replay
            raise

    wrapper.idempotent = True
    return wrapper
