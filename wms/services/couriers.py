"""Courier master data use cases: the presets, listing, creating and changing couriers, and
the courier and tracking number a shipment is handed over with.

The rules (what a tracking number of a courier looks like, the presets) are in
``wms.domain.couriers``; here they meet the database.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from wms.domain.couriers import (
    PRESETS,
    check_courier_usable,
    check_tracking_number,
    handover_from_waybill,
    local_tracking_number,
    normalise_code,
    pattern_problem,
)
from wms.domain.permissions import Permission, require
from wms.errors import AlreadyExists, CourierNotFound, InvalidInput
from wms.extensions import db
from wms.models import Courier, SalesOrder, Waybill
from wms.models.users import User
from wms.services.uow import run_in_transaction

#: Settings that are secrets: never shown by the API (a PATCH sending the mask keeps them).
SECRET_SETTINGS = ("customer_pwd", "app_key", "password")
SECRET_MASK = "********"


def write_presets() -> list[str]:
    """Create the preset couriers that are missing; existing ones are left as they are.

    Runs inside the caller's transaction; returns the codes created (none on a second run).
    """
    existing = set(db.session.execute(sa.select(Courier.code)).scalars())
    created = []
    for preset in PRESETS:
        if preset.code in existing:
            continue
        db.session.add(Courier(
            code=preset.code, name_zh=preset.name_zh, name_en=preset.name_en,
            tracking_pattern=preset.tracking_pattern, active=True, waybill_provider="local",
            waybill_settings=preset.waybill_settings(), local_waybill_counter=0,
        ))
        created.append(preset.code)
    db.session.flush()
    return created


def preset_couriers() -> list[str]:
    """``wms couriers preset``: the presets in their own transaction (safe to run again)."""
    return run_in_transaction(write_presets)


def find_courier(code: str, *, lock: bool = False) -> Courier | None:
    """The courier with this code (any case), or None."""
    stmt = sa.select(Courier).where(Courier.code == normalise_code(code))
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    return db.session.execute(stmt).scalar_one_or_none()


def _get(code: str) -> Courier:
    courier = find_courier(code)
    if courier is None:
        raise CourierNotFound(code=code)
    return courier


def list_couriers(actor: User, active: bool | None = None) -> list[dict[str, Any]]:
    """Every courier, by code; ``active`` filters."""
    require(actor.role, Permission.MASTER_READ)
    stmt = sa.select(Courier).order_by(Courier.code)
    if active is not None:
        stmt = stmt.where(Courier.active.is_(active))
    return [courier_view(c) for c in db.session.execute(stmt).scalars()]


def read_courier(actor: User, code: str) -> dict[str, Any]:
    """One courier by its code."""
    require(actor.role, Permission.MASTER_READ)
    return courier_view(_get(code))


def create_courier(actor: User, data: dict[str, Any]) -> dict[str, Any]:
    """Add a courier; its code is unique and its pattern a valid regular expression."""
    require(actor.role, Permission.MASTER_WRITE)
    fields = dict(data)
    fields["code"] = normalise_code(fields["code"])

    def use_case() -> dict[str, Any]:
        if find_courier(fields["code"]) is not None:
            raise AlreadyExists(field="code", value=fields["code"])
        courier = Courier(local_waybill_counter=0, **fields)
        _check(courier)
        db.session.add(courier)
        db.session.flush()
        return courier_view(courier)

    return run_in_transaction(use_case)


def update_courier(actor: User, code: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Change a courier's names, pattern, active flag, provider or settings."""
    require(actor.role, Permission.MASTER_WRITE)

    def use_case() -> dict[str, Any]:
        courier = find_courier(code, lock=True)
        if courier is None:
            raise CourierNotFound(code=code)
        for field, value in changes.items():
            if field == "waybill_settings":
                value = _keep_secrets(courier.waybill_settings or {}, value)
            setattr(courier, field, value)
        _check(courier)
        db.session.flush()
        return courier_view(courier)

    return run_in_transaction(use_case)


def _check(courier: Courier) -> None:
    problem = pattern_problem(courier.tracking_pattern)
    if problem:
        raise InvalidInput("The tracking-number pattern is not valid.", tracking_pattern=[problem])
    if courier.waybill_provider == "local":
        # The local provider's numbers must fit the pattern: try its next one.
        local_tracking_number(courier, courier.waybill_settings or {}, (courier.local_waybill_counter or 0) + 1)


def _keep_secrets(stored: dict, given: dict) -> dict:
    """``given`` with every masked secret replaced by the stored value."""
    merged = {}
    for key, value in given.items():
        if isinstance(value, dict):
            merged[key] = _keep_secrets(stored.get(key) or {}, value)
        elif key in SECRET_SETTINGS and value == SECRET_MASK:
            merged[key] = stored.get(key)
        else:
            merged[key] = value
    return merged


def _masked(settings: dict) -> dict:
    return {key: (_masked(value) if isinstance(value, dict)
                  else SECRET_MASK if key in SECRET_SETTINGS and value else value)
            for key, value in settings.items()}


def courier_view(courier: Courier) -> dict[str, Any]:
    """A courier as the API shows it (secrets masked)."""
    return {
        "code": courier.code, "name_zh": courier.name_zh, "name_en": courier.name_en,
        "tracking_pattern": courier.tracking_pattern, "active": courier.active,
        "waybill_provider": courier.waybill_provider,
        "waybill_settings": _masked(courier.waybill_settings or {}),
        "updated_at": courier.updated_at,
    }


def usable_courier(code: str) -> Courier:
    """An active courier by code, or ``unknown_courier``."""
    return check_courier_usable(find_courier(code) if code else None, code)


def handover_courier(number: str, carrier: str | None, tracking_number: str | None) -> tuple[str, str]:
    """The courier code and tracking number the ship step records for order ``number``.

    With an electronic waybill, omitted values are the waybill's and given ones must equal
    it; without one, ``carrier`` must be an active courier's code and the number must fit
    that courier's pattern. Called inside the ship transaction.
    """
    carrier = (carrier or "").strip() or None
    tracking_number = (tracking_number or "").strip() or None
    waybill = db.session.execute(
        sa.select(Waybill).join(SalesOrder, SalesOrder.id == Waybill.order_id).where(SalesOrder.number == number)
    ).scalar_one_or_none()
    if waybill is not None:
        return handover_from_waybill(waybill.courier.code, waybill.tracking_number, carrier, tracking_number)
    for field, value in (("carrier", carrier), ("tracking_number", tracking_number)):
        if not value:
            raise InvalidInput(f"The handover needs {field.replace('_', ' ')}.", field=field)
    courier = usable_courier(carrier)
    check_tracking_number(courier, tracking_number)
    return courier.code, tracking_number
