"""Inspection of received lots (rules R4-R7): the sampling plan of every line at handover,
inspection rounds that expand the sample or decide the lot (R5), zero tolerance for
consignment (R7), and customer returns classified unit by unit (R6).

The rules are in ``wms.domain.sampling``; this module reads the supplier's history,
stores the plans and decisions, and moves the line's inspection through
``wms.domain.receiving.RECEIPT_LINE`` (pending, then accepted or rejected).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from wms.domain.permissions import Permission, require
from wms.domain.receiving import (
    DECISION_ACTION,
    RECEIPT_LINE,
    ReceiptLineAction,
    ReceiptLineState,
    receipt_line_state,
    step,
)
from wms.domain.sampling import (
    DocumentKind,
    InspectionDecision,
    LotResult,
    Outcome,
    SamplingRules,
    add_inspection_round,
    classify_returned_units,
    evaluate_inspection,
    plan_sample,
)
from wms.errors import InspectionInvalid, NotFound, ReceiptNotEditable
from wms.extensions import db
from wms.models.receiving import Inspection, Receipt, ReceiptLine
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.uow import run_in_transaction


def sampling_rules() -> SamplingRules:
    """The sampling thresholds of this installation (app config ``RECEIVING_SAMPLING``)."""
    return SamplingRules.from_config(current_app.config.get("RECEIVING_SAMPLING"))


def supplier_history(supplier_id: int) -> list[LotResult]:
    """The decided purchase-order lots of a supplier, oldest first (feeds switching, R5)."""
    return [result for result, _ in supplier_decisions(supplier_id)]


def supplier_decisions(supplier_id: int) -> list[tuple[LotResult, datetime | None]]:
    """``supplier_history`` with each lot's decision time (the day report dates switching changes)."""
    rows = db.session.execute(
        sa.select(Inspection.outcome, Inspection.defects, Inspection.decided_at)
        .where(Inspection.supplier_id == supplier_id,
               Inspection.document_kind == DocumentKind.PURCHASE_ORDER.value,
               Inspection.outcome != Outcome.PENDING.value)
        .order_by(Inspection.decided_at, Inspection.id)
    ).all()
    return [(LotResult(accepted=r.outcome == Outcome.ACCEPTED, expanded=r.defects > 0), r.decided_at)
            for r in rows]


def plan_inspections(receipt: Receipt) -> None:
    """At handover: one pending inspection per line, sized by its sampling plan (R4-R7)."""
    document = receipt.document
    rules = sampling_rules()
    history: list[LotResult] = []
    known_items: set[int] = set()
    if document.supplier_id is not None:
        history = supplier_history(document.supplier_id)
        # R5: "first delivery from a supplier (of that item)" is any earlier inspected lot.
        known_items = set(db.session.execute(
            sa.select(Inspection.item_id).distinct().where(
                Inspection.supplier_id == document.supplier_id,
                Inspection.document_kind == DocumentKind.PURCHASE_ORDER.value,
                Inspection.item_id.in_({line.item_id for line in receipt.lines}),
            )
        ).scalars())
    # Every line is counted until now; the line table says what its inspection starts as.
    pending = RECEIPT_LINE.next(ReceiptLineState.COUNTED, ReceiptLineAction.SUBMIT)
    inspections = []
    for line in receipt.lines:
        plan = plan_sample(
            lot_quantity=line.quantity, document_kind=document.kind, packaging=line.packaging,
            first_delivery=line.item_id not in known_items, history=history, rules=rules,
        )
        inspections.append(dict(
            receipt_line_id=line.id, document_kind=document.kind, supplier_id=document.supplier_id,
            item_id=line.item_id, lot_quantity=line.quantity, state=plan.state.value,
            rate_percent=plan.rate_percent, sample_size=plan.sample_size, reason=plan.reason[:400],
            reason_code=plan.reason_code.value, reason_params=dict(plan.reason_params),
            zero_tolerance=plan.zero_tolerance, units_inspected=0, defects=0, expanded=False,
            remaining_units=plan.sample_size, required_units=plan.sample_size, outcome=Outcome(pending).value,
            created_at=utcnow(),
        ))
    db.session.execute(sa.insert(Inspection), inspections)
    db.session.expire(receipt)


def _line_to_inspect(receipt_line_id: int) -> tuple[Inspection, ReceiptLineState]:
    """The line's inspection, locked, once the line may take an inspection round."""
    line = db.session.get(ReceiptLine, receipt_line_id)
    if line is None:
        raise NotFound(f"No receipt line {receipt_line_id}.", receipt_line_id=receipt_line_id)
    inspection = db.session.execute(
        sa.select(Inspection).where(Inspection.receipt_line_id == receipt_line_id).with_for_update()
    ).scalar_one_or_none()
    outcome = inspection.outcome if inspection is not None else None
    state = receipt_line_state(line.receipt.status, outcome)
    step(RECEIPT_LINE, state, ReceiptLineAction.RECORD, refuse=_not_inspectable(state, outcome))
    return inspection, state


def _not_inspectable(state: ReceiptLineState, outcome: str | None):
    if state is ReceiptLineState.COUNTED:
        message = "Submit the receipt first: its lines are inspected after the handover (R3, R5)."
    elif state is ReceiptLineState.POSTED:
        message = "The receipt is posted; its inspections are final."
    else:
        message = f"The inspection is already decided: {outcome}."

    def refuse(details: dict) -> ReceiptNotEditable:
        return ReceiptNotEditable(message, outcome=outcome, line_state=state.value,
                                  action=details["action"], expected=details["expected"])
    return refuse


def _record(inspection: Inspection, state: ReceiptLineState, decision: InspectionDecision,
            actor: User) -> Inspection:
    """Store a decision; the line's table takes it from pending to accepted or rejected."""
    new_state = step(RECEIPT_LINE, state, DECISION_ACTION[decision.outcome],
                     refuse=_not_inspectable(state, inspection.outcome))
    inspection.expanded = inspection.expanded or decision.expanded
    inspection.remaining_units = decision.required_units
    inspection.required_units = decision.units_required
    inspection.decision_reason = decision.reason[:400]
    inspection.inspector_id = actor.id
    if new_state is not ReceiptLineState.PENDING:
        inspection.outcome = Outcome(new_state.value)
        inspection.accepted_quantity = decision.accepted_quantity
        inspection.rejected_quantity = decision.rejected_quantity
        inspection.decided_at = utcnow()
    db.session.flush()
    return inspection


def record_inspection(actor: User, receipt_line_id: int, *, units_inspected: int, defects: int) -> Inspection:
    """Add inspected units and defects found; expands the sample or decides the lot (R5, R7)."""
    require(actor.role, Permission.RECEIPT_INSPECT)

    def use_case() -> Inspection:
        inspection, state = _line_to_inspect(receipt_line_id)
        if inspection.document_kind == DocumentKind.CUSTOMER_RETURN:
            raise InspectionInvalid("Customer returns are classified per unit (R6).")
        total, found = add_inspection_round(
            lot_quantity=inspection.lot_quantity, inspected=inspection.units_inspected,
            defects=inspection.defects, units_inspected=units_inspected, new_defects=defects)
        decision = evaluate_inspection(
            lot_quantity=inspection.lot_quantity, sample_size=inspection.sample_size, inspected=total,
            defects=found, zero_tolerance=inspection.zero_tolerance, rules=sampling_rules(),
        )
        inspection.units_inspected, inspection.defects = total, found
        return _record(inspection, state, decision, actor)

    return run_in_transaction(use_case)


def classify_return(actor: User, receipt_line_id: int, *, resellable: int, damaged: int,
                    missing_parts: int) -> Inspection:
    """R6: the per-unit result of a customer return; resellable to stock, the rest quarantined."""
    require(actor.role, Permission.RECEIPT_INSPECT)

    def use_case() -> Inspection:
        inspection, state = _line_to_inspect(receipt_line_id)
        if inspection.document_kind != DocumentKind.CUSTOMER_RETURN:
            raise InspectionInvalid("Only customer returns are classified per unit (R6).")
        decision = classify_returned_units(lot_quantity=inspection.lot_quantity, resellable=resellable,
                                           damaged=damaged, missing_parts=missing_parts)
        line = inspection.receipt_line
        line.resellable, line.damaged, line.missing_parts = resellable, damaged, missing_parts
        inspection.units_inspected = inspection.lot_quantity
        inspection.defects = decision.rejected_quantity
        return _record(inspection, state, decision, actor)

    return run_in_transaction(use_case)
