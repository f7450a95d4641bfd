"""Electronic waybills (电子面单): one per shipping order, issued by the courier's provider.

``issue_waybill`` answers an order's existing waybill (a reprint never asks for a second
number). Otherwise it asks the courier's provider: a remote one (Kdniao) is called
before any database transaction, with our order number as its order code, and the
answer is then recorded in one transaction; the local provider takes its number inside
that transaction. A provider that is down, slow or refuses leaves nothing written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from wms.domain.couriers import check_tracking_number, normalise_code, split_address
from wms.domain.permissions import Permission, require_any
from wms.domain.shipping import OrderStatus
from wms.errors import InvalidInput, OrderStateInvalid, WaybillMismatch, WaybillNotFound
from wms.extensions import db
from wms.models import Courier, Item, SalesOrder, SalesOrderLine, Waybill
from wms.models.users import User
from wms.services import idempotency
from wms.services.couriers import usable_courier
from wms.services.shipping_common import find_order
from wms.services.uow import in_transaction, run_in_transaction
from wms.services.waybills.base import IssuedWaybill, WaybillProvider, WaybillRequest
from wms.services.waybills.kdniao import DEFAULT_URL, KdniaoProvider
from wms.services.waybills.local import LocalProvider

__all__ = ["IssuedWaybill", "WaybillProvider", "WaybillRequest", "issue_waybill", "provider_for", "waybill_of"]


def provider_for(courier: Courier) -> WaybillProvider:
    """The provider the courier's settings choose, configured from the app's settings."""
    if courier.waybill_provider == "local":
        return LocalProvider()
    if courier.waybill_provider == "kdniao":
        config = current_app.config
        return KdniaoProvider(
            url=config.get("KDNIAO_URL") or DEFAULT_URL, ebusiness_id=config.get("KDNIAO_EBUSINESS_ID"),
            app_key=config.get("KDNIAO_APP_KEY"), timeout=float(config.get("WAYBILL_TIMEOUT_SECONDS", 10)),
            retry_after=int(config.get("WAYBILL_RETRY_AFTER_SECONDS", 30)),
        )
    raise InvalidInput("The courier names no known waybill provider.", courier=courier.code,
                       waybill_provider=[courier.waybill_provider])


def _existing(order_id: int) -> Waybill | None:
    return db.session.execute(sa.select(Waybill).where(Waybill.order_id == order_id)).scalar_one_or_none()


def _answer(waybill: Waybill, courier_code: str) -> dict[str, Any]:
    if waybill.courier.code != courier_code:
        raise WaybillMismatch(courier=waybill.courier.code, tracking_number=waybill.tracking_number,
                              given=courier_code)
    return waybill_view(waybill)


def _request(order: SalesOrder, courier: Courier) -> WaybillRequest:
    goods = db.session.execute(
        sa.select(Item.name, sa.func.sum(SalesOrderLine.quantity))
        .join(Item, Item.id == SalesOrderLine.item_id)
        .where(SalesOrderLine.order_id == order.id).group_by(Item.name).order_by(Item.name)
    ).all()
    return WaybillRequest(
        order_number=order.number, courier_code=courier.code, settings=dict((courier.waybill_settings or {})
                                                                            .get(courier.waybill_provider) or {}),
        recipient_name=order.recipient_name, recipient_phone=order.recipient_phone or "",
        recipient_address=split_address(order.recipient_address or ""),
        goods=[(name, int(quantity)) for name, quantity in goods],
    )


def _check_order(order: SalesOrder) -> None:
    if order.status != OrderStatus.APPROVED:
        raise OrderStateInvalid("Only an approved document that has not shipped gets a waybill.",
                                status=order.status, expected=[OrderStatus.APPROVED.value])


def issue_waybill(actor: User, number: str, courier_code: str) -> dict[str, Any]:
    """The order's electronic waybill: its existing one, or one issued now by the courier's provider."""
    require_any(actor.role, Permission.SHIP, Permission.VERIFY)
    code = normalise_code(courier_code or "")
    idempotency.replay_if_done()  # a retried request is answered before a provider is asked again
    try:
        order = find_order(number)
        existing = _existing(order.id)
        if existing is not None:
            return _answer(existing, code)
        _check_order(order)
        courier = usable_courier(code)
        provider = provider_for(courier)
        request = _request(order, courier)
    finally:
        if not in_transaction():
            db.session.commit()  # end the reads: no transaction is open while a provider is asked
    if in_transaction() and not provider.in_database:
        raise RuntimeError("A remote waybill provider is never asked inside a database transaction.")
    issued = None if provider.in_database else provider.issue(request)

    def use_case() -> dict[str, Any]:
        order = find_order(number, lock=True)
        existing = _existing(order.id)
        if existing is not None:
            return _answer(existing, code)  # recorded meanwhile (the provider gave it the same number)
        _check_order(order)
        courier = usable_courier(code)
        got = issued if issued is not None else provider.issue(request)
        check_tracking_number(courier, got.tracking_number)
        waybill = Waybill(order_id=order.id, courier_id=courier.id, tracking_number=got.tracking_number,
                          provider=provider.name, provider_order_id=got.provider_order_id,
                          sorting_code=got.sorting_code, issued_by=actor.id)
        db.session.add(waybill)
        db.session.flush()
        waybill.courier = courier
        return waybill_view(waybill)

    return run_in_transaction(use_case)


def waybill_of(actor: User, number: str) -> dict[str, Any]:
    """The order's electronic waybill, or ``waybill_not_found``."""
    require_any(actor.role, Permission.SHIP, Permission.VERIFY)
    order = find_order(number)
    waybill = _existing(order.id)
    if waybill is None:
        raise WaybillNotFound(number=number)
    return waybill_view(waybill)


def waybill_view(waybill: Waybill) -> dict[str, Any]:
    """A waybill as the API shows it."""
    issued_by = db.session.get(User, waybill.issued_by)
    issued_at: datetime = waybill.issued_at
    return {
        "order_number": db.session.get(SalesOrder, waybill.order_id).number,
        "courier": waybill.courier.code, "tracking_number": waybill.tracking_number,
        "provider": waybill.provider, "provider_order_id": waybill.provider_order_id,
        "sorting_code": waybill.sorting_code, "issued_at": issued_at,
        "issued_by": issued_by.username if issued_by else None,
    }
