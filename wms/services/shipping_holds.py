"""Hold notices and release notices (暂缓出货通知, rule S4).

A hold is a numbered document with issuer, reason and scope. It takes effect when its
transaction commits; issuing bumps the ``hold`` counter row, which every ship
transaction reads ``FOR SHARE`` before checking holds, so the two serialize on
PostgreSQL (and SQLite runs one writer at a time anyway). A hold is lifted only by a
release notice that references it, once that release is confirmed, and (four eyes,
``HOLD_RELEASE_SECOND_PERSON``, on by default) confirmed by a user other than the one
who wrote it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from wms.domain.permissions import Permission, require, require_any
from wms.domain.shipping import (
    HOLD,
    RELEASE,
    HoldAction,
    HoldScope,
    HoldState,
    HoldTarget,
    OrderStatus,
    PickTaskStatus,
    ReleaseAction,
    hold_applies,
    hold_state,
    may_confirm_release,
    release_state,
)
from wms.errors import (
    HoldNotActive,
    HoldNotFound,
    HoldScopeInvalid,
    NotFound,
    ReleaseAlreadyConfirmed,
    ReleaseNeedsSecondPerson,
    ReleaseNotFound,
)
from wms.extensions import db
from wms.models import Customer, HoldNotice, Item, PickTask, ReleaseNotice, SalesOrder, User, Wave
from wms.models.types import utcnow
from wms.services.shipping_common import (
    HOLD_GATE,
    active_hold_targets,
    find_order,
    next_number,
    order_item_ids,
)
from wms.services.stock import resolve_item_id
from wms.services.uow import run_in_transaction


def issue_hold(
    actor: User, *, scope: str, reason: str, order_number: str | None = None,
    customer_code: str | None = None, item_code: str | None = None,
) -> HoldView:
    """Record a hold notice; from its commit nothing in scope may ship (S4)."""
    require(actor.role, Permission.HOLD_ISSUE)
    if not reason or not reason.strip():
        raise HoldScopeInvalid("A hold notice needs a reason.")
    try:
        scope = HoldScope(scope)
    except ValueError:
        raise HoldScopeInvalid(f"Scope must be one of {[s.value for s in HoldScope]}.", scope=scope) from None

    def use_case() -> HoldView:
        # Bumping the counter takes the exclusive lock on the S4 gate row first.
        number = next_number(HOLD_GATE)
        hold = HoldNotice(number=number, scope=scope.value, reason=reason.strip(), issued_by=actor.id,
                          issued_at=utcnow())
        if scope == HoldScope.ORDER:
            if not order_number:
                raise HoldScopeInvalid("An order hold names the order.")
            hold.order_id = find_order(order_number).id
        elif scope == HoldScope.CUSTOMER:
            if not customer_code:
                raise HoldScopeInvalid("A customer hold names the customer.")
            customer = db.session.execute(
                sa.select(Customer).where(Customer.code == customer_code)
            ).scalar_one_or_none()
            if customer is None:
                raise NotFound(f"No customer '{customer_code}'.", customer=customer_code)
            hold.customer_id = customer.id
        elif scope == HoldScope.ITEM:
            if not item_code:
                raise HoldScopeInvalid("An item hold names the item.")
            hold.item_id = resolve_item_id(item_code)
        db.session.add(hold)
        db.session.flush()
        return _view(hold, _open_orders())

    return run_in_transaction(use_case)


def find_hold(number: str) -> HoldNotice:
    """The hold notice with this number."""
    hold = db.session.execute(sa.select(HoldNotice).where(HoldNotice.number == number)).scalar_one_or_none()
    if hold is None:
        raise HoldNotFound(f"No hold notice '{number}'.", number=number)
    return hold


def write_release(actor: User, *, hold_number: str, reason: str) -> ReleaseView:
    """Write a release notice referencing one hold; it does nothing until confirmed (S4)."""
    require(actor.role, Permission.HOLD_RELEASE)
    if not reason or not reason.strip():
        raise HoldScopeInvalid("A release notice needs a reason.")

    def use_case() -> ReleaseView:
        hold = find_hold(hold_number)
        _check_releasable(hold)
        release = ReleaseNotice(number=next_number("release"), hold_id=hold.id, reason=reason.strip(),
                                issued_by=actor.id, issued_at=utcnow())
        db.session.add(release)
        db.session.flush()
        return release_view(release)

    return run_in_transaction(use_case)


def confirm_release(actor: User, release_number: str) -> ReleaseView:
    """Confirm a release notice: exactly the hold it references is lifted (S4).

    With ``HOLD_RELEASE_SECOND_PERSON`` the notice's writer is refused
    (``release_needs_second_person``): another user with the right confirms it."""
    require(actor.role, Permission.HOLD_RELEASE)
    second_person = bool(current_app.config.get("HOLD_RELEASE_SECOND_PERSON", True))

    def use_case() -> ReleaseView:
        release = db.session.execute(
            sa.select(ReleaseNotice).where(ReleaseNotice.number == release_number)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one_or_none()
        if release is None:
            raise ReleaseNotFound(f"No release notice '{release_number}'.", number=release_number)
        state = release_state(release.confirmed_at)
        if not RELEASE.allows(state, ReleaseAction.CONFIRM):
            raise ReleaseAlreadyConfirmed(number=release.number, state=state.value,
                                          expected=RELEASE.states_allowing(ReleaseAction.CONFIRM))
        if not may_confirm_release(release.issued_by, actor.id, second_person=second_person):
            writer = db.session.get(User, release.issued_by)
            raise ReleaseNeedsSecondPerson(number=release.number, written_by=writer.username if writer else "")
        hold = db.session.execute(
            sa.select(HoldNotice).where(HoldNotice.id == release.hold_id)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        _check_releasable(hold)
        now = utcnow()
        release.confirmed_by, release.confirmed_at = actor.id, now
        hold.active = HOLD.next(hold_state(hold.active), HoldAction.RELEASE) == HoldState.ACTIVE
        hold.released_at = now
        db.session.flush()
        return release_view(release)

    return run_in_transaction(use_case)


def _check_releasable(hold: HoldNotice) -> None:
    """HoldNotActive (naming the state that allows it) unless the hold may be released."""
    state = hold_state(hold.active)
    if not HOLD.allows(state, HoldAction.RELEASE):
        raise HoldNotActive(hold=hold.number, state=state.value,
                            expected=HOLD.states_allowing(HoldAction.RELEASE))


@dataclass
class HoldView:
    """A hold notice as listed: what it is and which open orders it stops."""

    number: str
    scope: str
    reason: str
    issued_by: str
    issued_at: object
    active: bool
    released_at: object
    order_number: str | None
    customer_code: str | None
    item_sku: str | None
    release_numbers: list[str]
    affected_orders: list[str]
    releases: list[ReleaseView]


def list_holds(actor: User, *, active_only: bool = True) -> list[HoldView]:
    """Hold notices, newest first, with the open orders each one stops."""
    require_any(actor.role, Permission.HOLD_ISSUE, Permission.HOLD_RELEASE, Permission.REPORT_READ,
                 Permission.PICK, Permission.SHIP)
    stmt = sa.select(HoldNotice).order_by(HoldNotice.id.desc())
    if active_only:
        stmt = stmt.where(HoldNotice.active.is_(True))
    holds = db.session.execute(stmt).scalars().all()
    open_orders = _open_orders()
    return [_view(h, open_orders) for h in holds]


def _open_orders() -> list[SalesOrder]:
    return db.session.execute(
        sa.select(SalesOrder).where(SalesOrder.status.in_((OrderStatus.DRAFT, OrderStatus.APPROVED)))
    ).scalars().all()


@dataclass(frozen=True)
class ReleaseView:
    """A release notice: the hold it references, why, and whether it is confirmed."""

    number: str
    hold: str
    reason: str
    issued_at: datetime
    confirmed_at: datetime | None
    issued_by: str = ""
    confirmed_by: str | None = None


def release_view(release: ReleaseNotice) -> ReleaseView:
    """A release notice with the number of the hold it references, its writer and confirmer."""
    hold = db.session.get(HoldNotice, release.hold_id)
    writer = db.session.get(User, release.issued_by)
    confirmer = db.session.get(User, release.confirmed_by) if release.confirmed_by else None
    return ReleaseView(release.number, hold.number, release.reason, release.issued_at, release.confirmed_at,
                       writer.username if writer else "", confirmer.username if confirmer else None)


def holds_for_picker(actor: User, wave_number: str | None = None) -> list[HoldView]:
    """Active holds that stop orders in the picker's open tasks, so the PDA can say why."""
    require(actor.role, Permission.PICK)
    stmt = (
        sa.select(SalesOrder).join(PickTask, PickTask.order_id == SalesOrder.id)
        .join(Wave, Wave.id == SalesOrder.wave_id)
        .where(PickTask.status == PickTaskStatus.OPEN, SalesOrder.status == OrderStatus.APPROVED)
        .distinct()
    )
    if wave_number:
        stmt = stmt.where(Wave.number == wave_number)
    else:
        stmt = stmt.where(Wave.picker_id == actor.id)
    orders = db.session.execute(stmt).scalars().all()
    targets = active_hold_targets()
    relevant = []
    for target in targets:
        hit = [o for o in orders if hold_applies(target, o.id, o.customer_id, order_item_ids(o.id))]
        if hit:
            relevant.append(target.number)
    if not relevant:
        return []
    holds = db.session.execute(
        sa.select(HoldNotice).where(HoldNotice.number.in_(relevant)).order_by(HoldNotice.id.desc())
    ).scalars().all()
    return [_view(h, orders) for h in holds]


def _view(hold: HoldNotice, orders: list[SalesOrder]) -> HoldView:
    target = HoldTarget(hold.number, hold.scope, hold.order_id, hold.customer_id, hold.item_id)
    affected = [
        o.number for o in orders
        if hold.active and hold_applies(target, o.id, o.customer_id, order_item_ids(o.id))
    ]
    issuer = db.session.get(User, hold.issued_by)
    releases = db.session.execute(
        sa.select(ReleaseNotice).where(ReleaseNotice.hold_id == hold.id).order_by(ReleaseNotice.id)
    ).scalars().all()
    order = db.session.get(SalesOrder, hold.order_id) if hold.order_id else None
    customer = db.session.get(Customer, hold.customer_id) if hold.customer_id else None
    item = db.session.get(Item, hold.item_id) if hold.item_id else None
    return HoldView(
        number=hold.number, scope=hold.scope, reason=hold.reason,
        issued_by=issuer.username if issuer else "", issued_at=hold.issued_at, active=hold.active,
        released_at=hold.released_at, order_number=order.number if order else None,
        customer_code=customer.code if customer else None, item_sku=item.sku if item else None,
        release_numbers=[r.number for r in releases], affected_orders=sorted(affected),
        releases=[release_view(r) for r in releases],
    )
