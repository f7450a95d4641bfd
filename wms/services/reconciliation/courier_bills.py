"""Courier bills (快递对账): a courier's bill for a cycle read through the one import reader,
its columns found by the courier's saved mapping or its preset, matched against our
shipments with that courier (``wms.domain.reconciliation.match_courier_bill``) and the
differences stored as a run (``store_findings``). Also the couriers' saved mappings and
rate tables.

The whole bill is read and checked before anything is written: a file the reader
refuses, a header without the required columns, or any row with a bad number refuses
the import with ``courier_bill_rejected`` (the rows and reasons in its details) and
writes nothing. Shipments are read in one query (the courier's handovers from
``RECONCILE_SHIPMENT_MARGIN_DAYS`` before the cycle to as many after it), matched in
memory by dictionaries, and the differences written in bulk: no query per line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

import sqlalchemy as sa
from flask import current_app

from wms.domain.couriers import normalise_code
from wms.domain.permissions import Permission, require
from wms.domain.reconciliation import (
    ANY_PROVINCE,
    PROVINCES,
    BillLine,
    MatchRules,
    Rate,
    ReconcileKind,
    Shipment,
    cycle_bounds,
    match_courier_bill,
    normalise_province,
    parse_decimal,
    province_of_address,
)
from wms.domain.reconciliation_files import BILL_FIELDS, BILL_PRESETS, REQUIRED_BILL_FIELDS, header_index, text_of
from wms.errors import CourierBillRejected, CourierNotFound, InvalidInput
from wms.extensions import db
from wms.models import Courier, Handover, SalesOrder, User
from wms.models.reconciliation import CourierBillMapping, CourierRate, ReconciliationRun
from wms.models.types import utcnow
from wms.services.bulk import cycle_collector_paused
from wms.services.import_files import ImportLimits, read_rows
from wms.services.reconciliation.differences import store_findings
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import warehouse_zone

#: At most this many bad rows are listed in a refusal.
MAX_REPORTED_ROWS = 100
MAX_WEIGHT_KG = Decimal(100_000)
MAX_FEE = Decimal(1_000_000)


def _courier(code: str) -> Courier:
    courier = db.session.execute(sa.select(Courier).where(Courier.code == normalise_code(code or ""))
                                 ).scalar_one_or_none()
    if courier is None:
        raise CourierNotFound(code=code)
    return courier


# --- mappings -----------------------------------------------------------------------


def bill_mapping(actor: User, courier: str) -> dict[str, Any]:
    """The columns a courier's bill is read by: its saved mapping, else its preset."""
    require(actor.role, Permission.RECONCILE)
    code = _courier(courier).code
    return _mapping_view(code)


def _mapping_view(code: str) -> dict[str, Any]:
    saved = db.session.execute(sa.select(CourierBillMapping).where(CourierBillMapping.courier_code == code)
                               ).scalar_one_or_none()
    if saved is not None:
        return {"courier": code, "source": "saved", "columns": {k: list(v) for k, v in saved.columns.items()},
                "keys_on_order_number": saved.keys_on_order_number}
    preset = BILL_PRESETS.get(code)
    if preset is not None:
        return {"courier": code, "source": "preset", "columns": {k: list(v) for k, v in preset.headers.items()},
                "keys_on_order_number": preset.keys_on_order_number}
    return {"courier": code, "source": "default",
            "columns": {k: [k] for k in BILL_FIELDS}, "keys_on_order_number": False}


def save_bill_mapping(actor: User, courier: str, columns: dict[str, Any],
                      keys_on_order_number: bool = False) -> dict[str, Any]:
    """Save a courier's own bill columns (field -> header name or list of names)."""
    require(actor.role, Permission.RECONCILE)
    clean: dict[str, list[str]] = {}
    for field, names in (columns or {}).items():
        if field not in BILL_FIELDS:
            raise InvalidInput("Unknown bill field.", field="columns", value=field, allowed=list(BILL_FIELDS))
        names = [names] if isinstance(names, str) else list(names or [])
        names = [str(n).strip() for n in names if str(n).strip()]
        if any(len(n) > 100 for n in names) or len(names) > 10:
            raise InvalidInput("A field has at most 10 header names of 100 characters.", field="columns")
        if names:
            clean[field] = names
    missing = [f for f in REQUIRED_BILL_FIELDS if f not in clean]
    if missing:
        raise InvalidInput("The mapping lacks required fields.", field="columns", missing=missing)

    def use_case() -> dict[str, Any]:
        code = _courier(courier).code
        saved = db.session.execute(sa.select(CourierBillMapping).where(CourierBillMapping.courier_code == code)
                                   .with_for_update()).scalar_one_or_none()
        if saved is None:
            saved = CourierBillMapping(courier_code=code)
            db.session.add(saved)
        saved.columns, saved.keys_on_order_number = clean, bool(keys_on_order_number)
        saved.updated_by, saved.updated_at = actor.id, utcnow()
        db.session.flush()
        return _mapping_view(code)

    return run_in_transaction(use_case)


# --- rate tables --------------------------------------------------------------------

RATE_FIELDS = ("first_weight_kg", "first_price", "additional_unit_kg", "additional_price", "discount_percent",
               "weight_step_kg")


def _rate_view(row: CourierRate) -> dict[str, Any]:
    return {"province": row.province, **{f: Decimal(getattr(row, f)) for f in RATE_FIELDS}}


def rate_table(actor: User, courier: str) -> dict[str, Any]:
    """A courier's rate table, province by province (``*``: every other province)."""
    require(actor.role, Permission.RECONCILE)
    code = _courier(courier).code
    rows = db.session.execute(sa.select(CourierRate).where(CourierRate.courier_code == code)
                              .order_by(CourierRate.province)).scalars().all()
    return {"courier": code, "rates": [_rate_view(r) for r in rows]}


def _rate_input(index: int, given: dict[str, Any]) -> dict[str, Any]:
    province = normalise_province(str(given.get("province") or "")) or ANY_PROVINCE
    if province != ANY_PROVINCE and province not in PROVINCES:
        raise InvalidInput(f"No province {province[:32]}: name one of China's provinces, or * for every other.",
                           field="rates", row=index)
    defaults = {"additional_unit_kg": Decimal(1), "discount_percent": Decimal(0), "weight_step_kg": Decimal(1)}
    values: dict[str, Any] = {"province": province}
    for field in RATE_FIELDS:
        raw = given.get(field, defaults.get(field))
        try:
            number = Decimal(str(raw)) if raw is not None else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or number > 100_000:
            raise InvalidInput("A rate's figures are numbers from 0 to 100000.", field=field, row=index)
        values[field] = number
    if values["additional_unit_kg"] <= 0 or values["discount_percent"] > 100:
        raise InvalidInput("The additional unit is above 0 kg and the discount at most 100 percent.",
                           field="rates", row=index)
    return values


def set_rate_table(actor: User, courier: str, rates: list[dict[str, Any]]) -> dict[str, Any]:
    """Replace a courier's rate table whole; each row names its province once."""
    require(actor.role, Permission.RECONCILE)
    rows = [_rate_input(i, r) for i, r in enumerate(rates or [])]
    provinces = [r["province"] for r in rows]
    if len(set(provinces)) != len(provinces):
        raise InvalidInput("Each province has one rate.", field="rates")

    def use_case() -> dict[str, Any]:
        code = _courier(courier).code
        db.session.execute(sa.delete(CourierRate).where(CourierRate.courier_code == code))
        now = utcnow()
        for row in rows:
            db.session.add(CourierRate(courier_code=code, updated_by=actor.id, updated_at=now, **row))
        db.session.flush()
        return rate_table(actor, code)

    return run_in_transaction(use_case)


def _rates(code: str) -> dict[str, Rate]:
    rows = db.session.execute(sa.select(CourierRate).where(CourierRate.courier_code == code)).scalars().all()
    return {r.province: Rate(r.province, Decimal(r.first_weight_kg), Decimal(r.first_price),
                             Decimal(r.additional_price), Decimal(r.additional_unit_kg),
                             Decimal(r.discount_percent), Decimal(r.weight_step_kg)) for r in rows}


# --- reading a bill -----------------------------------------------------------------


@dataclass(frozen=True)
class ReadBill:
    lines: list[BillLine]
    rows_read: int
    keys_on_order_number: bool


def read_bill(code: str, filename: str, content: bytes) -> ReadBill:
    """The bill's lines, all checked; CourierBillRejected for a bad file, header or row."""
    limits = ImportLimits.from_config(current_app.config, "COURIER_BILL_IMPORT_MAX_ROWS")
    rows = read_rows(filename, content, limits, refuse=partial(CourierBillRejected, rows=[]))
    mapping = _mapping_view(code)
    header_row, cells = next(rows)
    columns = header_index(cells, {name: mapping["columns"].get(name) for name in BILL_FIELDS})
    missing = [f for f in REQUIRED_BILL_FIELDS if f not in columns]
    if missing:
        raise CourierBillRejected("The header lacks required columns.", reason="missing_columns",
                                  rows=[{"row": header_row, "missing": missing}])
    t, w, f = columns["tracking_number"], columns["weight_kg"], columns["fee"]
    optional = [columns.get(name) for name in ("order_number", "parent_number", "piece_type", "destination")]
    lines: list[BillLine] = []
    problems: list[dict] = []
    count = 0
    for number, cells in rows:
        count += 1
        size = len(cells)
        tracking = text_of(cells[t]) if t < size else ""
        weight = parse_decimal(cells[w]) if w < size else None
        fee = parse_decimal(cells[f]) if f < size else None
        errors = {}
        if not tracking or len(tracking) > 64:
            errors["tracking_number"] = "missing" if not tracking else "longer than 64 characters"
        if weight is None or weight < 0 or weight > MAX_WEIGHT_KG:
            errors["weight_kg"] = "not a weight in kg"
        if fee is None or abs(fee) > MAX_FEE:
            errors["fee"] = "not an amount"
        if errors:
            if len(problems) < MAX_REPORTED_ROWS:
                problems.append({"row": number, "errors": errors})
            else:
                break
            continue
        lines.append(BillLine(number, tracking, weight, fee, *[
            text_of(cells[i])[:64] if i is not None and i < size else "" for i in optional]))
    if problems:
        raise CourierBillRejected(reason="bad_rows", rows=problems)
    if not count:  # matched, it would resolve every difference of the cycle as no longer billed
        raise CourierBillRejected("The bill has a header and no lines.", reason="empty", rows=[])
    return ReadBill(lines, count, mapping["keys_on_order_number"])


def _rules(code: str, keys_on_order_number: bool) -> MatchRules:
    config = current_app.config
    preset = BILL_PRESETS.get(code)
    return MatchRules(
        weight_tolerance_kg=Decimal(str(config["RECONCILE_WEIGHT_TOLERANCE_KG"])),
        weight_tolerance_percent=Decimal(str(config["RECONCILE_WEIGHT_TOLERANCE_PERCENT"])),
        fee_tolerance=Decimal(str(config["RECONCILE_FEE_TOLERANCE"])),
        weight_step_kg=preset.weight_step_kg if preset else Decimal(1),
        keys_on_order_number=keys_on_order_number,
    )


def load_shipments(code: str, cycle: str, with_province: bool) -> list[Shipment]:
    """The courier's handovers around the cycle (one query), flagged in the cycle or not."""
    start, end = cycle_bounds(cycle, warehouse_zone())
    margin = timedelta(days=int(current_app.config["RECONCILE_SHIPMENT_MARGIN_DAYS"]))
    in_cycle = sa.case((sa.and_(Handover.shipped_at >= start, Handover.shipped_at < end), 1), else_=0)
    columns = [Handover.tracking_number, SalesOrder.number, Handover.weight_grams, in_cycle]
    if with_province:
        columns.append(SalesOrder.recipient_address)
    stmt = (sa.select(*columns).join(SalesOrder, SalesOrder.id == Handover.order_id)
            .where(Handover.carrier == code, Handover.shipped_at >= start - margin, Handover.shipped_at < end + margin))
    provinces: dict[str, str] = {"": ""}
    shipments = []
    for row in db.session.execute(stmt):
        province = ""
        if with_province:
            address = row[4] or ""
            province = provinces.get(address)
            if province is None:
                province = provinces[address] = province_of_address(address)
        shipments.append(Shipment(row[0], row[1], row[2], row[3] == 1, province))
    return shipments


def import_courier_bill(actor: User, courier: str, cycle: str, filename: str, content: bytes) -> dict[str, Any]:
    """Read a courier's bill for a cycle, match it and store the differences as a run.

    A re-run of the same courier and cycle (the same file or a corrected one) keeps the
    differences still found as they are (status, note, history), adds new ones and
    resolves those gone (``store_findings``).
    """
    require(actor.role, Permission.RECONCILE)
    code = _courier(courier).code
    cycle = (cycle or "").strip()
    cycle_bounds(cycle, warehouse_zone())  # a bad cycle is refused before the file is read
    with cycle_collector_paused():
        return _import(actor, code, cycle, filename, content)


def _import(actor: User, code: str, cycle: str, filename: str, content: bytes) -> dict[str, Any]:
    bill = read_bill(code, filename, content)
    digest = hashlib.sha256(content).hexdigest()

    def use_case() -> dict[str, Any]:
        rates = _rates(code)
        shipments = load_shipments(code, cycle, with_province=bool(rates))
        findings = match_courier_bill(bill.lines, shipments, rates, _rules(code, bill.keys_on_order_number), code)
        run = ReconciliationRun(kind=ReconcileKind.COURIER.value, cycle=cycle, party=code, courier_code=code,
                                file_name=(filename or "")[:255], file_sha256=digest, rows_read=bill.rows_read,
                                created_by=actor.id, created_at=utcnow(), summary={})
        db.session.add(run)
        db.session.flush()
        counts = store_findings(run, findings)
        run.summary = {**counts, "lines": len(bill.lines), "shipments": len(shipments),
                       "shipments_in_cycle": sum(1 for s in shipments if s.in_cycle)}
        db.session.flush()
        return run_view(run)

    return run_in_transaction(use_case)


def run_view(run: ReconciliationRun) -> dict[str, Any]:
    return {"id": run.id, "kind": run.kind, "cycle": run.cycle, "courier": run.courier_code, "party": run.party,
            "file_name": run.file_name, "file_sha256": run.file_sha256, "rows_read": run.rows_read,
            "summary": run.summary, "created_at": run.created_at}
