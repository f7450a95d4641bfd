"""Payment reconciliation (回款对账, rule L3): a platform's settlement statement for a cycle
against the orders we shipped.

The statement (CSV or XLSX) is read with a platform preset (``SETTLEMENT_PRESETS``:
Alipay, Taobao, Tmall, Pinduoduo and a plain English one; typical headers, not an
official format) or a mapping naming other headers. Rows without an order number
(withdrawals, transfers) are skipped and counted. Our shipping documents carry no
amounts: the order's amount is known only when the shop's order export is given with
an amount column; without it, short payment cannot be judged and only presence is
matched (the run's summary says how many amounts were known).
``wms.domain.reconciliation_matching.match_payments`` decides; the findings are stored
as a ``payments`` run of the platform and cycle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from wms.domain.permissions import Permission, require
from wms.domain.reconciliation import ReconcileKind, cycle_bounds
from wms.domain.reconciliation_files import (
    SETTLEMENT_FIELDS,
    SETTLEMENT_PRESETS,
    RowProblem,
    date_of,
    money,
    settlement_kind,
    text_of,
)
from wms.domain.reconciliation_matching import SettlementLine, ShippedOrder, match_payments
from wms.domain.shipping import OrderKind
from wms.errors import InvalidInput
from wms.extensions import db
from wms.models import Handover, SalesOrder, User
from wms.models.types import utcnow
from wms.services.reconciliation.kinds import Table, read_table, store_run
from wms.services.reconciliation.outbound import read_shop_orders
from wms.services.uow import run_in_transaction
from wms.services.warehouse_day import warehouse_zone

_CHUNK = 500


def platform_preset(platform: str):
    """The preset of a platform code (alipay, taobao, tmall, pinduoduo, default); InvalidInput otherwise."""
    code = (platform or "").strip().lower()
    if code not in SETTLEMENT_PRESETS:
        raise InvalidInput("Unknown platform.", field="platform", value=platform,
                           allowed=sorted(SETTLEMENT_PRESETS))
    return SETTLEMENT_PRESETS[code]


def read_settlement(platform: str, filename: str, content: bytes, mapping: Mapping[str, str] | None = None) -> Table:
    """The statement's lines as ``SettlementLine`` rows (None for a row without an order number)."""
    preset = platform_preset(platform)
    columns = {name: preset.columns.get(name, ()) for name in SETTLEMENT_FIELDS}

    def record(row: int, cell) -> SettlementLine | None:
        number = text_of(cell("order_number"))
        if not number:
            return None
        if len(number) > 64:
            raise RowProblem("order_number", "longer than 64 characters")
        amount = money(cell("amount"))
        if amount is None:
            income, expense = money(cell("income"), "income"), money(cell("expense"), "expense")
            if income:
                amount = abs(income)
            elif expense:
                amount = -abs(expense)
            else:
                amount = income if income is not None else expense
        if amount is None:
            raise RowProblem("amount", "missing")
        kind = settlement_kind(preset, cell("kind"), amount)
        return SettlementLine(number, kind, abs(amount), date_of(cell("date")), row)

    table = read_table(filename, content, columns, override=mapping,
                       needs=[("order_number",), ("amount", "income", "expense")], record_of=record,
                       what="settlement statement")
    lines = [r for r in table.records if r is not None]
    return Table(table.file_name, table.sha256, table.rows_read, lines)


def reconcile_payments(actor: User, filename: str, content: bytes, *, platform: str, cycle: str,
                       mapping: Mapping[str, str] | None = None,
                       orders_file: tuple[str, bytes] | None = None) -> dict:
    """Match a platform's settlement statement of ``cycle`` with the orders shipped; store the run."""
    require(actor.role, Permission.RECONCILE)
    preset = platform_preset(platform)
    cycle = (cycle or "").strip()
    start, end = cycle_bounds(cycle, warehouse_zone())
    table = read_settlement(preset.code, filename, content, mapping)
    amounts = {o.order_number: o.amount for o in read_shop_orders(*orders_file).records} if orders_file else {}
    settle_days = int(current_app.config["RECONCILE_SETTLE_DAYS"])

    def use_case() -> dict:
        shipped = shipped_orders(start, end, [line.order_number for line in table.records], amounts)
        as_of = (min(end, utcnow()) - timedelta(microseconds=1)).astimezone(warehouse_zone()).date()
        findings, tally = match_payments(table.records, shipped, as_of=as_of, settle_days=settle_days)
        return store_run(actor, ReconcileKind.PAYMENTS, cycle, preset.code, findings, table=table,
                         platform=preset.code,
                         summary={**tally.as_dict(), "lines": len(table.records),
                                  "skipped_rows": table.rows_read - len(table.records),
                                  "amounts_given": bool(orders_file), "settle_days": settle_days,
                                  "as_of": as_of.isoformat()})

    return run_in_transaction(use_case)


def shipped_orders(start: datetime, end: datetime, named: Iterable[str],
                   amounts: Mapping[str, object]) -> list[ShippedOrder]:
    """The sales handed over in [start, end), and those the statement names shipped at any time."""
    zone = warehouse_zone()
    base = (sa.select(SalesOrder.number, Handover.shipped_at).join(Handover, Handover.order_id == SalesOrder.id)
            .where(SalesOrder.kind == OrderKind.SALE.value))
    found: dict[str, ShippedOrder] = {}

    def add(rows, in_cycle: bool) -> None:
        for number, at in rows:
            if number not in found:
                found[number] = ShippedOrder(number, at.astimezone(zone).date(), amounts.get(number), in_cycle)

    add(db.session.execute(base.where(Handover.shipped_at >= start, Handover.shipped_at < end)).all(), True)
    named = sorted(set(named) - set(found))
    for i in range(0, len(named), _CHUNK):
        add(db.session.execute(base.where(SalesOrder.number.in_(named[i:i + _CHUNK]))).all(), False)
    return list(found.values())
