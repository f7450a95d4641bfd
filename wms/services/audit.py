"""The audit trail: written with each call's effect, searched by a supervisor.

What is recorded, and when:

- a call that changed something (2xx): its row is inserted by ``wms.services.idempotency.store``
  in the use case's own transaction, beside the call's idempotency record, so the effect
  and its audit row commit together or not at all (the scan's one-statement write inserts
  it in that statement, ``AUDIT_SQL``);
- a refusal (4xx with a code, e.g. ``permission_denied``, ``release_needs_second_person``):
  its effect was rolled back, so there is no transaction to join; the row is written in
  one of its own right after, a keyed one with the refusal's idempotency record. A
  refusal is not replayed into a second row, and neither is a success;
- not recorded: a request whose input fails validation (422 ``validation_failed``), a
  call without a valid login (401), a malformed device header (400, there is no device
  to name), a server error (5xx: nothing was done);
- a login (``auth.login``) in the transaction that marks it a success; a failed login
  stays in ``login_attempt`` only (its user may not exist). A logout is a mutating call;
- a use case run from the command line (``wms day close|reopen``, ``wms reconcile ...``):
  the row its API call would leave, method ``CLI``, the command as its path and the device
  ``command line`` (``write_command``), right after it succeeded.

The device is what the request's ``X-Device-Id`` and ``X-Device-Name`` said
(``wms.domain.audit``); none when they were not sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from wms.domain.audit import ActionSpec, document_reference
from wms.domain.permissions import Permission, require
from wms.extensions import db
from wms.models.audit import AuditEntry
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.warehouse_day import day_bounds


@dataclass(frozen=True)
class Device:
    """The device a request came from, as its headers named it (both may be None)."""

    id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class CallAudit:
    """What the audit row of one call says beyond its user and outcome."""

    spec: ActionSpec
    method: str
    path: str
    path_values: dict = field(default_factory=dict)
    device: Device = Device()


_entries = AuditEntry.__table__
_COLUMNS = ("at", "user_id", "action", "document_type", "document_number", "device_id", "device_name",
            "method", "path", "status", "error_code", "idempotency_key")
#: Built once: an audit row is written on every mutating call.
INSERT = sa.insert(_entries).values({name: sa.bindparam(f"a_{name}") for name in _COLUMNS})

#: PostgreSQL: the row inserted inside the scan's one statement, from its ``ok`` row.
AUDIT_SQL = (
    "INSERT INTO audit_entry (" + ", ".join(_COLUMNS) + ") SELECT "
    "CAST(:a_at AS timestamptz), CAST(:a_user_id AS integer), CAST(:a_action AS text), "
    "CAST(:a_document_type AS text), CAST(:a_document_number AS text), CAST(:a_device_id AS text), "
    "CAST(:a_device_name AS text), CAST(:a_method AS text), CAST(:a_path AS text), "
    "CAST(:a_status AS integer), CAST(:a_error_code AS text), CAST(:a_idempotency_key AS text) FROM {source}"
)


def _answer(body: str) -> dict | None:
    if not body or body[0] != "{":
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    return answer if isinstance(answer, dict) else None


def entry_parameters(audit: CallAudit, user_id: int, status: int, body: str, key: str | None,
                     at: datetime | None = None) -> dict:
    """The parameters of one call's row (``write``, ``AUDIT_SQL``) from its rendered answer."""
    spec = audit.spec
    needs_answer = status >= 400 or (spec.document_type is not None
                                     and (spec.number_from is not None or not audit.path_values))
    answer = _answer(body) if needs_answer else None
    refused = status >= 400
    error_code = answer.get("code") if refused and answer else None
    return {
        "a_at": at or utcnow(), "a_user_id": user_id, "a_action": spec.action,
        "a_document_type": spec.document_type,
        "a_document_number": document_reference(spec, audit.path_values, None if refused else answer),
        "a_device_id": audit.device.id, "a_device_name": audit.device.name,
        "a_method": audit.method, "a_path": audit.path[:400], "a_status": status,
        "a_error_code": error_code if isinstance(error_code, str) else None, "a_idempotency_key": key,
    }


def write(audit: CallAudit, user_id: int, status: int, body: str, key: str | None = None) -> None:
    """Insert the call's row in the current transaction."""
    db.session.connection().execute(INSERT, entry_parameters(audit, user_id, status, body, key))


#: The device a command run on the server names in the trail.
COMMAND_LINE = Device(name="command line")


def write_command(actor: User, operation: str, command: str, answer: dict | None = None,
                  path_values: dict | None = None) -> None:
    """The row of a use case run from the command line (``wms day close``, ``wms reconcile
    ...``), as its API call would have left it (``operation``: its key in ``ACTIONS``), named
    by the command and the device ``command line``. Written right after the use case, in a
    transaction of its own: a command has no request and no idempotency record to join."""
    from wms.domain.audit import ACTIONS
    from wms.services.uow import transaction

    audit = CallAudit(ACTIONS[operation], "CLI", command, path_values or {}, COMMAND_LINE)
    with transaction():
        write(audit, actor.id, 200, json.dumps(answer or {}, default=str))


# --- search ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    """A supervisor's search: every given filter must hold; newest first."""

    user: str | None = None  # user name
    device: str | None = None  # the device's id or name
    action: str | None = None  # an action, or its area ("receipt" finds receipt.post, ...)
    document: str | None = None  # a document's number or code
    since: datetime | None = None
    until: datetime | None = None
    from_date: date | None = None  # the warehouse's days (its time zone), both included
    to_date: date | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class AuditPage:
    """One page of rows, and whether older ones follow (no count: it would read them all)."""

    entries: list
    more: bool


def search(actor: User, query: AuditQuery) -> AuditPage:
    """The rows that match, newest first, with the user's name (supervisors and admins)."""
    require(actor.role, Permission.AUDIT_READ)
    where = []
    if query.user:
        user_id = db.session.execute(sa.select(User.id).where(User.username == query.user)).scalar()
        where.append(AuditEntry.user_id == (user_id if user_id is not None else -1))
    if query.device:
        where.append(sa.or_(AuditEntry.device_id == query.device, AuditEntry.device_name == query.device))
    if query.action:
        if "." in query.action:
            where.append(AuditEntry.action == query.action)
        else:  # a whole area: the prefix walks the action index
            where.append(sa.or_(AuditEntry.action == query.action, AuditEntry.action.startswith(
                query.action + ".", autoescape=True)))
    if query.document:
        where.append(AuditEntry.document_number == query.document)
    if query.since is not None:
        where.append(AuditEntry.at >= query.since)
    if query.until is not None:
        where.append(AuditEntry.at < query.until)
    if query.from_date is not None:
        where.append(AuditEntry.at >= day_bounds(query.from_date)[0])
    if query.to_date is not None:
        where.append(AuditEntry.at < day_bounds(query.to_date)[1])
    rows = db.session.execute(
        sa.select(AuditEntry, User.username, User.display_name)
        .join(User, User.id == AuditEntry.user_id).where(*where)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(query.limit + 1).offset(query.offset)
    ).all()
    entries = []
    for entry, username, display_name in rows[:query.limit]:
        entry.username, entry.user_display_name = username, display_name
        entries.append(entry)
    return AuditPage(entries, len(rows) > query.limit)


