"""The handheld's scan on PostgreSQL in one statement, with ``move_by_scan`` as its fallback.

A scanned move is the call a warehouse makes most. Made of the general parts (check
the caller, claim the Idempotency-Key, look up the scan, write the movement, record the
call) it costs nine round trips to the database; round trips are what a small server
pays for most. This path sends one statement, run as its own transaction
(autocommit): all of it happens, or none of it.

- **who**: the caller's row must be active with the token's version (as ``user_from_session``);
- **the key**: no request with it running (its advisory lock) and none recorded;
- **what the scan names**: the item's barcode, both places and the free stock there;
- **the rules of** ``plan_scan_move`` **and** ``prepare_movement``, applied as data
  computed here from the domain (``rule_parameters``: the roles that may move or
  release quarantine, the physical location types, rule R7's owner/place pairs, where
  a move is a put-away): exactly one matching lot, physical places, both active and
  different, a supervisor's release from quarantine, R7;
- **the writes**: the guarded decrement (S5), the upsert, both ledger entries (L1),
  and the API's record of the call with the response it returns. The record is
  inserted without ON CONFLICT: a key used meanwhile fails the whole statement.

The fast path only ever *succeeds*. For anything but the plain case (a SKU instead of a
barcode, any refusal, a replayed or busy key, too little stock, a failed statement) it
writes nothing and returns None, and the caller runs the general path, which gives the
answer (and the refusal, error code and record) the service always gave. A test holds
the statement's rules equal to ``plan_scan_move`` for every combination of role,
place types, owner kind, lots found and active places; others compare what both paths
write for the same scans.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import psycopg as pg_psycopg

from wms.domain.locations import OWNER_KINDS, LocationType, holds_stock, may_hold
from wms.domain.permissions import ROLE_PERMISSIONS, Permission
from wms.extensions import db
from wms.models.idempotency import advisory_lock_id
from wms.models.types import utcnow
from wms.services.stock import SCAN_LOOKUP, MovementResult


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


def rule_parameters() -> dict[str, object]:
    """plan_scan_move's rules as data for the statement, computed from the domain."""
    physical = [t for t in LocationType if holds_stock(t)]
    return {
        "movers": [role.value for role, granted in ROLE_PERMISSIONS.items() if Permission.STOCK_MOVE in granted],
        "releasers": [role.value for role, granted in ROLE_PERMISSIONS.items()
                      if Permission.STOCK_ADJUST in granted],
        "physical": [t.value for t in physical],
        # R7 per owner kind: the physical places its stock may go to.
        "may_hold": {kind: [t.value for t in physical if may_hold(kind, t)] for kind in OWNER_KINDS},
        "release_from": LocationType.QUARANTINE.value,
        "putaway_from": LocationType.RECEIVING.value,
    }


def _sql_text(value: str) -> str:
    if not value.replace("_", "").replace(":", "").isalnum():
        raise ValueError(f"not a plain rule value: {value!r}")
    return f"'{value}'"


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(map(_sql_text, values)) + "]::text[]"


def allowed_sql(rules: dict) -> str:
    """Whether a scan found as ``s`` (with the caller's ``role`` and the number of
    matching ``lots``) is the plain case: plan_scan_move's and prepare_movement's checks.
    The rules are written into the statement as literals once, not sent with every scan."""
    r7 = " ".join(f"WHEN {_sql_text(kind)} THEN s.destination_type = ANY({_sql_array(types)})"
                  for kind, types in rules["may_hold"].items())
    return f"""s.lots = 1 AND s.role = ANY({_sql_array(rules["movers"])})
    AND ARRAY[s.source_type, s.destination_type]::text[] <@ {_sql_array(rules["physical"])}
    AND (s.source_type <> {_sql_text(rules["release_from"])} OR s.role = ANY({_sql_array(rules["releasers"])}))
    AND CASE s.owner_kind {r7} ELSE false END
    AND s.source_active AND s.destination_active AND s.source_id <> s.destination_id"""


def kind_sql(rules: dict) -> str:
    """The movement's kind for a scan found as ``s``: a put-away from the dock, else a move."""
    return f"CASE WHEN s.source_type = {_sql_text(rules['putaway_from'])} THEN 'putaway' ELSE 'move' END"


_LOOKUP = SCAN_LOOKUP.compile()  # generic SQL with :name parameters, embedded below
_SCAN = sa.text(f"""
WITH caller AS (
    SELECT role FROM "user"
    WHERE id = CAST(:user_id AS int) AND active AND token_version = CAST(:token_version AS int)
), key_free AS (
    SELECT WHERE CAST(:key AS text) IS NULL OR (
        pg_try_advisory_xact_lock(CAST(:lock_id AS bigint))
        AND NOT EXISTS (SELECT FROM idempotency_record
                        WHERE user_id = CAST(:user_id AS int) AND key = :key))
), found AS (
    SELECT * FROM ({_LOOKUP}) AS found
    WHERE lot_id IS NOT NULL
      AND (CAST(:lot AS text) IS NULL OR lot_code = :lot)
      AND (CAST(:owner AS text) IS NULL OR owner_code = :owner)
), plan AS (
    SELECT s.*, {kind_sql(rule_parameters())} AS kind
    FROM (SELECT found.*, caller.role, (SELECT count(*) FROM found) AS lots FROM found, caller, key_free) AS s
    WHERE {allowed_sql(rule_parameters())}
), taken AS (
    UPDATE stock_quant AS q SET quantity = q.quantity - CAST(:quantity AS int)
    FROM plan AS p
    WHERE q.item_id = p.item_id AND q.lot_id = p.lot_id AND q.location_id = p.source_id AND q.owner_id = p.owner_id
      AND q.quantity - q.reserved >= CAST(:quantity AS int)
    RETURNING p.*, CAST(:quantity AS int) AS n
), ids AS (
    SELECT taken.*, nextval('ledger_entry_id_seq') AS id_1 FROM taken
), moved AS (
    SELECT ids.*, nextval('ledger_entry_id_seq') AS id_2 FROM ids
), put AS (
    INSERT INTO stock_quant (item_id, lot_id, location_id, owner_id, quantity, reserved)
    SELECT item_id, lot_id, destination_id, owner_id, n, 0 FROM moved
    ON CONFLICT (item_id, lot_id, location_id, owner_id)
    DO UPDATE SET quantity = stock_quant.quantity + excluded.quantity
), entries AS (
    INSERT INTO ledger_entry (id, movement_id, kind, item_id, lot_id, location_id, owner_id, quantity,
                              document_type, user_id, created_at)
    SELECT e.id, :movement_id, m.kind, m.item_id, m.lot_id, e.location_id, m.owner_id, e.quantity,
           'scan', CAST(:user_id AS int), CAST(:created_at AS timestamptz)
    FROM moved AS m CROSS JOIN LATERAL (VALUES (m.id_1, m.source_id, -m.n),
                                               (m.id_2, m.destination_id, m.n))
         AS e(id, location_id, quantity)
    RETURNING id
), answer AS (
    SELECT replace(:template, '"entry_ids":[]', '"entry_ids":[' || id_1 || ',' || id_2 || ']') AS body
    FROM moved
), recorded AS (
    INSERT INTO idempotency_record (user_id, key, fingerprint, method, path, response_status, response_body,
                                    created_at)
    SELECT CAST(:user_id AS int), :key, :fingerprint, :method,
           :path, 201, body, CAST(:created_at AS timestamptz)
    FROM answer
    RETURNING response_body
)
SELECT (SELECT response_body FROM recorded) AS body, (SELECT count(*) FROM entries) AS entries
""")
#: The statement as the driver's SQL, compiled once: it runs on the driver's cursor.
#: Whitespace is squeezed (no literal in it holds any, and it has no -- comments) to
#: stay within the length up to which psycopg caches a query's parsing; beyond it
#: every scan would parse 4 kB again (a test holds it within).
SCAN_SQL = re.sub(r"\s+", " ", str(_SCAN.compile(dialect=pg_psycopg.dialect()))).strip()
#: What the lookup binds itself (its constants).
_CONSTANTS = {name: value for name, value in _LOOKUP.params.items() if value is not None}


def try_move_by_scan(call: ScanCall, render: Callable[[MovementResult], str]) -> str | None:
    """Post the scan in one statement; the response body ``render`` made, or None to fall back.

    The body is stored with the effect, so that a retry with the same key replays it
    byte for byte; the entry ids in it are drawn by the statement.
    """
    import psycopg  # the postgres extra; this path runs on PostgreSQL only

    movement_id, created_at = uuid.uuid4().hex, utcnow()
    params = {
        **_CONSTANTS,
        "user_id": call.user_id, "token_version": call.token_version, "key": call.key,
        "lock_id": advisory_lock_id(call.user_id, call.key) if call.key is not None else 0,
        "code": call.item_code.strip(), "source_code": call.from_location, "destination_code": call.to_location,
        "lot": call.lot_code, "owner": call.owner_code, "quantity": call.quantity,
        "movement_id": movement_id, "created_at": created_at,
        "template": render(MovementResult(movement_id, [], created_at)),
        "fingerprint": call.fingerprint, "method": call.method, "path": call.path,
    }
    try:
        raw = db.engine.raw_connection()
    except psycopg.Error:
        return None  # no connection to be had (the pool does not wrap this): the general path answers
    driver = raw.driver_connection
    try:
        driver.autocommit = True  # one statement, one transaction: no BEGIN or COMMIT round trips
        try:
            row = driver.execute(SCAN_SQL, params).fetchone()
        except (UnicodeError, ValueError):
            return None  # a value the driver cannot send (a lone surrogate): nothing was sent
        except psycopg.Error as exc:
            if not (driver.broken or driver.closed):
                return None  # the statement failed whole (a key used meanwhile, a deadlock): nothing written
            raw.invalidate(exc)
            if call.key is None:
                # It may have committed before the line dropped, and without a key a second
                # run could post it twice: report it, like a failed COMMIT.
                raise
            return None  # the key's record commits with the effect: the general path replays or runs it once
    finally:
        try:
            if not (driver.broken or driver.closed):
                driver.autocommit = False
        except psycopg.Error as exc:  # interrupted mid-query: the connection is in no state to reuse
            raw.invalidate(exc)
        raw.close()
    body, entries = row
    if body is None or entries != 2:
        return None  # not the plain case: the general path answers
    return body
