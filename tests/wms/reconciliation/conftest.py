"""Helpers for the reconciliation tests: shipped parcels inserted straight into the
tables (as the benchmark does) and courier bills written as CSV or XLSX."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa

from wms.extensions import db
from wms.models import Handover, SalesOrder
from wms.services.uow import transaction

RECIPIENT = ("张三丰", "13800138000", "浙江省杭州市西湖区文三路1号")


class Parcels:
    """Shipped parcels of any courier, at any time, with the recipient above."""

    def __init__(self, world) -> None:
        self.world = world

    def ship(self, courier: str, tracking: str, order: str, grams: int, at: datetime) -> None:
        user = self.world.users["shipper"]
        with transaction():
            order_id = db.session.execute(sa.insert(SalesOrder).values(
                number=order, kind="sale", warehouse_id=self.world.warehouse_id, recipient_name=RECIPIENT[0],
                recipient_phone=RECIPIENT[1], recipient_address=RECIPIENT[2], status="shipped", stage="deducted",
                created_by=self.world.users["clerk"], created_at=at).returning(SalesOrder.id)).scalar_one()
            db.session.execute(sa.insert(Handover).values(
                order_id=order_id, carrier=courier, tracking_number=tracking, weight_grams=grams,
                weight_source="scale", shipper_signature="s", carrier_signature="c", shipped_by=user, shipped_at=at))


@pytest.fixture
def parcels(app, world):
    return Parcels(world)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def bill_csv(header: list[str], rows: list[list]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8-sig")


def bill_xlsx(header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
