"""Reconciliation differences (对账差异) in the database: a run's findings stored (new ones
added, kept ones left as resolved, vanished ones closed), listed, and moved through
their states by a person, each change an event.

``store_findings`` is what every kind of reconciliation calls with its run and findings
(contract: ``wms.domain.reconciliation``); it never queries per finding: the scope's
differences are read once and written in bulk. It runs inside the caller's transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from wms.domain.masking import masked_text
from wms.domain.permissions import Permission, require
from wms.domain.reconciliation import (
    AUTO_RESOLVED_NOTE,
    DIFFERENCE,
    REOPENED_NOTE,
    DifferenceAction,
    DifferenceStatus,
    Existing,
    Finding,
    action_for,
    disputed,
    plan_rerun,
)
from wms.domain.reports import age_in_days
from wms.errors import DifferenceNotFound, InvalidInput
from wms.extensions import db
from wms.models import SalesOrder, User
from wms.models.reconciliation import ReconciliationDifference, ReconciliationEvent, ReconciliationRun
from wms.models.types import utcnow
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import day_bounds, warehouse_zone

_CHUNK = 5_000
_INSERT = sa.insert(ReconciliationDifference.__table__)
NOTE_MAX = ReconciliationDifference.__table__.c.note.type.length


def store_findings(run: ReconciliationRun, findings: list[Finding]) -> dict[str, Any]:
    """Write a run's findings against the differences of its kind, cycle and party.

    New findings become open differences; those already stored keep their status, note
    and history (their evidence, amount and last run follow this run); stored ones not
    found any more are resolved with ``AUTO_RESOLVED_NOTE`` and ``auto_resolved``; an
    auto-resolved one found again is reopened. Returns the counts (by type and of each).
    """
    D = ReconciliationDifference
    scope = (D.kind == run.kind, D.cycle == run.cycle, D.party == run.party)
    existing, stored = [], {}
    for r in db.session.execute(sa.select(D.id, D.type, D.match_key, D.status, D.auto_resolved, D.evidence, D.amount)
                                .where(*scope)):
        existing.append(Existing(r.id, r.type, r.match_key, r.status, r.auto_resolved))
        stored[r.id] = (r.evidence, r.amount)
    plan = plan_rerun(findings, existing)
    now = utcnow()
    new_rows = [{
        "kind": run.kind, "cycle": run.cycle, "party": run.party, "type": f.type, "match_key": f.match_key[:64],
        "courier_code": f.courier_code, "order_number": f.order_number, "evidence": dict(f.evidence),
        "amount": f.amount, "status": DifferenceStatus.OPEN.value, "auto_resolved": False, "note": None,
        "first_run_id": run.id, "last_run_id": run.id, "created_at": now,
    } for f in plan.new]
    for start in range(0, len(new_rows), _CHUNK):
        db.session.execute(_INSERT, new_rows[start:start + _CHUNK])
    # A re-run of the same bill finds the same evidence: only what changed is written row by row.
    changed = [{"id": id_, "evidence": dict(f.evidence), "amount": f.amount} for id_, f in plan.kept
               if stored[id_] != (dict(f.evidence), f.amount)]
    for start in range(0, len(changed), _CHUNK):
        db.session.execute(sa.update(D), changed[start:start + _CHUNK])
    kept_ids = [id_ for id_, _ in plan.kept]
    for start in range(0, len(kept_ids), _CHUNK):
        db.session.execute(sa.update(D).where(D.id.in_(kept_ids[start:start + _CHUNK])).values(last_run_id=run.id))
    events = []
    by_id = {e.id: e for e in existing}
    if plan.closed:
        for id_ in plan.closed:
            to = DIFFERENCE.next(by_id[id_].status, DifferenceAction.RESOLVE)
            events.append(_event(id_, by_id[id_].status, to, DifferenceAction.RESOLVE, AUTO_RESOLVED_NOTE, run, now))
        for start in range(0, len(plan.closed), _CHUNK):
            db.session.execute(sa.update(D).where(D.id.in_(plan.closed[start:start + _CHUNK])).values(
                status=DifferenceStatus.RESOLVED.value, auto_resolved=True, changed_at=now, changed_by=None,
                note=sa.func.coalesce(D.note, AUTO_RESOLVED_NOTE)))
    if plan.reopened:
        for id_ in plan.reopened:
            to = DIFFERENCE.next(by_id[id_].status, DifferenceAction.REOPEN)
            events.append(_event(id_, by_id[id_].status, to, DifferenceAction.REOPEN, REOPENED_NOTE, run, now))
        db.session.execute(sa.update(D).where(D.id.in_(plan.reopened)).values(
            status=DifferenceStatus.OPEN.value, auto_resolved=False, changed_at=now, changed_by=None))
    if events:
        db.session.execute(sa.insert(ReconciliationEvent), events)
    by_type = Counter(str(f.type) for f in findings)
    return {"by_type": dict(sorted(by_type.items())), "new": len(plan.new), "kept": len(plan.kept),
            "closed": len(plan.closed), "reopened": len(plan.reopened)}


def _event(id_: int, from_status: str, to: str, action: DifferenceAction, note: str, run, now) -> dict:
    return {"difference_id": id_, "from_status": from_status, "to_status": str(to), "action": action.value,
            "note": note, "run_id": run.id, "user_id": None, "at": now}


# --- reading ------------------------------------------------------------------------


@dataclass(frozen=True)
class DifferenceFilter:
    kind: str | None = None
    type: str | None = None
    status: str | None = None
    courier: str | None = None
    cycle: str | None = None
    limit: int = 100
    offset: int = 0


def _filtered(f: DifferenceFilter):
    D = ReconciliationDifference
    stmt = sa.select(D)
    for column, value in ((D.kind, f.kind), (D.type, f.type), (D.status, f.status), (D.cycle, f.cycle)):
        if value:
            stmt = stmt.where(column == value)
    if f.courier:
        stmt = stmt.where(D.courier_code == f.courier.strip().upper())
    return stmt


def difference_view(row: ReconciliationDifference, users: dict[int, str] | None = None,
                    recipients: dict[str, str] | None = None) -> dict[str, Any]:
    """A difference as the API and the exports show it: its evidence holds no personal data,
    and a clerk's note is shown masked (``masked_text``: phone numbers, and the order's
    recipient when ``recipients`` names them by order number)."""
    users = users or {}
    names = [(recipients or {}).get(row.order_number or "", "")]
    return {
        "id": row.id, "kind": row.kind, "type": row.type, "key": row.match_key, "cycle": row.cycle,
        "party": row.party, "courier": row.courier_code, "order_number": row.order_number,
        "evidence": row.evidence or {}, "disputed": disputed(row.type),
        "amount": None if row.amount is None else Decimal(row.amount),
        "status": row.status, "auto_resolved": row.auto_resolved,
        "note": masked_text(row.note, names) if row.note else row.note,
        "created_at": row.created_at, "changed_at": row.changed_at,
        "changed_by": users.get(row.changed_by) if row.changed_by else None,
        "actions": DIFFERENCE.actions_from(row.status),
    }


def _recipients(order_numbers) -> dict[str, str]:
    """The recipient's name of each order named, to mask in notes that quote it."""
    numbers = sorted({n for n in order_numbers if n})
    found: dict[str, str] = {}
    for start in range(0, len(numbers), 1000):
        found.update(db.session.execute(sa.select(SalesOrder.number, SalesOrder.recipient_name)
                                        .where(SalesOrder.number.in_(numbers[start:start + 1000]))).all())
    return found


def _usernames(ids) -> dict[int, str]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids))).all())


def list_differences(actor: User, f: DifferenceFilter) -> dict[str, Any]:
    """One page of differences, newest first, and how many match in all."""
    require(actor.role, Permission.RECONCILE)
    if f.limit < 1 or f.limit > 1000 or f.offset < 0:
        raise InvalidInput("limit is 1 to 1000, offset at least 0.", field="limit")
    stmt = _filtered(f)
    total = db.session.execute(sa.select(sa.func.count()).select_from(stmt.subquery())).scalar_one()
    rows = db.session.execute(stmt.order_by(ReconciliationDifference.id.desc())
                              .limit(f.limit).offset(f.offset)).scalars().all()
    users = _usernames(r.changed_by for r in rows)
    recipients = _recipients(r.order_number for r in rows if r.note)
    return {"total": total, "items": [difference_view(r, users, recipients) for r in rows]}


def read_difference(actor: User, difference_id: int) -> dict[str, Any]:
    """One difference with its history, oldest change first."""
    require(actor.role, Permission.RECONCILE)
    row = db.session.get(ReconciliationDifference, difference_id)
    if row is None:
        raise DifferenceNotFound(id=difference_id)
    return _with_history(row)


def _with_history(row: ReconciliationDifference) -> dict[str, Any]:
    E = ReconciliationEvent
    events = db.session.execute(sa.select(E).where(E.difference_id == row.id).order_by(E.id)).scalars().all()
    users = _usernames([row.changed_by, *(e.user_id for e in events)])
    recipients = _recipients([row.order_number])
    view = difference_view(row, users, recipients)
    names = [recipients.get(row.order_number or "", "")]
    view["history"] = [{"from_status": e.from_status, "to_status": e.to_status, "action": e.action,
                        "note": masked_text(e.note, names) if e.note else e.note,
                        "by": users.get(e.user_id) if e.user_id else None,
                        "run_id": e.run_id, "at": e.at} for e in events]
    return view


def change_status(actor: User, difference_id: int, status: str, note: str | None = None) -> dict[str, Any]:
    """Move a difference to ``status`` (explained, claimed, resolved, open) with a note;
    who and when are recorded, on the difference and as an event."""
    require(actor.role, Permission.RECONCILE)
    action = action_for(status)
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise InvalidInput(f"A note has at most {NOTE_MAX} characters.", field="note", limit=NOTE_MAX)

    def use_case() -> dict[str, Any]:
        row = db.session.execute(
            sa.select(ReconciliationDifference).where(ReconciliationDifference.id == difference_id)
            .with_for_update().execution_options(populate_existing=True)).scalar_one_or_none()
        if row is None:
            raise DifferenceNotFound(id=difference_id)
        before = row.status
        row.status = DIFFERENCE.next(row.status, action).value
        row.auto_resolved = False
        if note is not None:
            row.note = note
        row.changed_by, row.changed_at = actor.id, utcnow()
        db.session.add(ReconciliationEvent(difference_id=row.id, from_status=before, to_status=row.status,
                                           action=action.value, note=note, user_id=actor.id, at=row.changed_at))
        db.session.flush()
        return _with_history(row)

    return run_in_transaction(use_case)


def open_differences(day: date | None = None) -> list[dict[str, Any]]:
    """The differences not yet resolved (open, explained, claimed), oldest first, for the
    end-of-day report: id, kind, type, key, courier, cycle, amount, evidence, status and
    age in days (as of the end of ``day`` in the warehouse's time zone, or now).

    With a day, only differences found by then are listed, each with the status it had at
    the day's end (its last event before then; open before any): a day's report reads the
    same tomorrow, after a difference of that day was resolved."""
    D, E = ReconciliationDifference, ReconciliationEvent
    unresolved = D.status.in_([s.value for s in DifferenceStatus if s is not DifferenceStatus.RESOLVED])
    if day is None:
        as_of = utcnow()
        rows = db.session.execute(sa.select(D, D.status).where(unresolved).order_by(D.created_at, D.id)).all()
        report_day = as_of.astimezone(warehouse_zone()).date()
    else:
        report_day = day
        as_of = day_bounds(day)[1]
        # Unresolved at the day's end can only be what is unresolved now or changed since (a
        # difference resolved before then and not changed after was resolved then): both by
        # index, so the section does not grow with the years of resolved differences.
        candidates = sa.select(D.id).where(D.created_at < as_of, sa.or_(unresolved, D.changed_at >= as_of))
        last = (sa.select(E.difference_id, sa.func.max(E.id).label("event_id"))
                .where(E.at < as_of, E.difference_id.in_(candidates)).group_by(E.difference_id).subquery("last"))
        status = sa.func.coalesce(E.to_status, DifferenceStatus.OPEN.value)
        rows = db.session.execute(
            sa.select(D, status).outerjoin(last, last.c.difference_id == D.id).outerjoin(E, E.id == last.c.event_id)
            .where(D.id.in_(candidates), status != DifferenceStatus.RESOLVED.value)
            .order_by(D.created_at, D.id)
        ).all()
    zone = warehouse_zone()
    return [{"id": r.id, "kind": r.kind, "type": r.type, "key": r.match_key, "courier": r.courier_code,
             "party": r.party, "cycle": r.cycle, "order_number": r.order_number,
             "amount": None if r.amount is None else Decimal(r.amount), "evidence": r.evidence or {},
             "status": then, "age_days": age_in_days(report_day, r.created_at.astimezone(zone).date())}
            for r, then in rows]
