"""The parcel's weight check at the ship step, and the supervisor's override.

The rule is ``wms.domain.parcel_weight`` (``expected_parcel_weight``, ``check_parcel_weight``);
this module feeds it the order's units (item weights and their own tolerances), the
packaging's tare (a packaging type, else the warehouse's default tare) and the
warehouse's tolerance. ``weigh_against_order`` runs inside the ship transaction; a
refusal there writes nothing. ``override_weight`` lets a supervisor accept the measured
weight of one order's next ship, recording who, when and why; the handover names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from wms.domain.parcel_weight import (
    OVERRIDE_REASON_MAX,
    ExpectedWeight,
    ParcelLine,
    WeightCheck,
    WeightTolerance,
    check_parcel_weight,
    expected_parcel_weight,
)
from wms.domain.permissions import Permission, require
from wms.domain.shipping import OrderStatus, check_valid_for_shipping
from wms.errors import InvalidInput, PackagingNotFound
from wms.extensions import db
from wms.models import Handover, Item, PackagingType, ParcelWeightOverride, SalesOrder, SalesOrderLine, User, Warehouse
from wms.models.types import utcnow
from wms.services.shipping_common import find_order
from wms.services.uow import run_in_transaction


@dataclass(frozen=True)
class ParcelWeighing:
    """The weight check of one parcel: what it should weigh, the outcome, the override used."""

    packaging_code: str | None
    expected: ExpectedWeight
    check: WeightCheck
    override_id: int | None = None


def expected_weight_of(order: SalesOrder, packaging: str | None) -> tuple[str | None, ExpectedWeight]:
    """The order's expected parcel weight with this packaging (or the warehouse's default tare)."""
    warehouse = db.session.get(Warehouse, order.warehouse_id)
    if packaging is not None:
        pack = db.session.execute(
            sa.select(PackagingType).where(PackagingType.code == packaging.strip(), PackagingType.active)
        ).scalar_one_or_none()
        if pack is None:
            raise PackagingNotFound(f"No packaging type '{packaging}'.", code=packaging)
        code, tare = pack.code, pack.tare_grams
    else:
        code, tare = None, warehouse.default_tare_grams
    lines = [
        ParcelLine(sku, quantity, weight, tolerance)
        for sku, quantity, weight, tolerance in db.session.execute(
            sa.select(Item.sku, SalesOrderLine.quantity, Item.weight_grams, Item.weight_tolerance_grams)
            .join(Item, Item.id == SalesOrderLine.item_id)
            .where(SalesOrderLine.order_id == order.id).order_by(SalesOrderLine.line_no)
        )
    ]
    tolerance = WeightTolerance(warehouse.weight_tolerance_percent, warehouse.weight_tolerance_min_grams)
    return code, expected_parcel_weight(lines, tare, tolerance)


def _pending_override(order: SalesOrder) -> ParcelWeightOverride | None:
    used = sa.select(Handover.weight_override_id).where(Handover.weight_override_id.is_not(None))
    return db.session.execute(
        sa.select(ParcelWeightOverride)
        .where(ParcelWeightOverride.order_id == order.id, ParcelWeightOverride.id.not_in(used))
        .order_by(ParcelWeightOverride.id.desc()).limit(1)
    ).scalar_one_or_none()


def weigh_against_order(order: SalesOrder, measured_grams: int, packaging: str | None) -> ParcelWeighing:
    """Inside the ship transaction: check the measured weight against the order's expected one.

    ParcelWeightMismatch when outside the tolerance and no supervisor has overridden
    this order's weight; the override is used (named on the handover) only when needed.
    """
    code, expected = expected_weight_of(order, packaging)
    override = _pending_override(order)
    check = check_parcel_weight(expected, measured_grams, overridden=override is not None)
    return ParcelWeighing(code, expected, check, override.id if check == WeightCheck.OVERRIDDEN else None)


def record_on_handover(handover: Handover, weighing: ParcelWeighing) -> None:
    """What the weight check found, kept with the handover."""
    handover.packaging_code = weighing.packaging_code
    handover.expected_weight_grams = weighing.expected.grams
    handover.weight_tolerance_grams = weighing.expected.tolerance_grams
    handover.weight_check = weighing.check.value
    handover.weight_override_id = weighing.override_id


@dataclass(frozen=True)
class WeightOverrideView:
    """A supervisor's acceptance of an order's measured weight: who, when, why."""

    id: int
    order_number: str
    reason: str
    approved_by: str
    approved_at: datetime
    approved_by_name: str | None = None  # what a screen shows: the supervisor's display name


def override_weight(actor: User, number: str, reason: str) -> WeightOverrideView:
    """A supervisor accepts the measured weight at this order's next ship step (outbound.approve).

    The order must still be shippable; the reason is kept with who and when, and the
    handover that uses the override names it.
    """
    require(actor.role, Permission.OUTBOUND_APPROVE)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the measured weight is accepted.", field="reason")
    if len(reason) > OVERRIDE_REASON_MAX:
        raise InvalidInput(f"A reason has at most {OVERRIDE_REASON_MAX} characters.", field="reason",
                           limit=OVERRIDE_REASON_MAX)

    def use_case() -> WeightOverrideView:
        order = find_order(number, lock=True)
        if order.status != OrderStatus.APPROVED:
            check_valid_for_shipping(order.status, [])
        override = ParcelWeightOverride(order_id=order.id, reason=reason, approved_by=actor.id,
                                        approved_at=utcnow())
        db.session.add(override)
        db.session.flush()
        return WeightOverrideView(override.id, order.number, reason, actor.username, override.approved_at,
                                  actor.display_name or actor.username)

    return run_in_transaction(use_case)


def pending_override_view(order: SalesOrder) -> WeightOverrideView | None:
    """A supervisor's override waiting for this order's next ship step, if any (the station polls it).

    None once the order no longer waits for a ship step (shipped or cancelled).
    """
    if order.status != OrderStatus.APPROVED:
        return None
    override = _pending_override(order)
    if override is None:
        return None
    user = db.session.get(User, override.approved_by)
    return WeightOverrideView(override.id, order.number, override.reason, user.username, override.approved_at,
                              user.display_name or user.username)


def override_of(handover: Handover) -> WeightOverrideView | None:
    """The override a handover used, if any."""
    if handover.weight_override_id is None:
        return None
    override = db.session.get(ParcelWeightOverride, handover.weight_override_id)
    order = db.session.get(SalesOrder, override.order_id)
    user = db.session.get(User, override.approved_by)
    return WeightOverrideView(override.id, order.number, override.reason, user.username, override.approved_at,
                              user.display_name or user.username)


@dataclass(frozen=True)
class PackagingTypeView:
    """A packaging type the station may choose at the ship step."""

    code: str
    name: str  # in Chinese
    tare_grams: int
    name_en: str | None = None


def packaging_types(actor: User) -> list[PackagingTypeView]:
    """The active packaging types, by code, named in both languages."""
    require(actor.role, Permission.SHIP)
    return [PackagingTypeView(p.code, p.name, p.tare_grams, p.name_en) for p in db.session.execute(
        sa.select(PackagingType).where(PackagingType.active).order_by(PackagingType.code)).scalars()]


@dataclass(frozen=True)
class ExpectedWeightView:
    """What the order's parcel should weigh with this packaging, for the station's screen."""

    number: str
    packaging: str | None
    expected_grams: int | None
    tolerance_grams: int | None
    unweighed: list[str]


def expected_weight(actor: User, number: str, packaging: str | None = None) -> ExpectedWeightView:
    """The expected weight and tolerance the ship step will check (None when an item has no weight)."""
    require(actor.role, Permission.SHIP)
    code, expected = expected_weight_of(find_order(number), packaging)
    return ExpectedWeightView(number, code, expected.grams, expected.tolerance_grams, list(expected.unweighed))
