"""The ``local`` waybill provider: numbers from a per-courier counter in the database.

The demo's and the tests' provider. Each number is the courier's ``local`` prefix and
the courier row's next running number, zero-padded, and fits the courier's pattern
(``wms.domain.couriers.local_tracking_number``). It runs inside the transaction that
records the waybill, so the counter and the waybill are written together or not at all;
two issuers take the courier row's lock one after the other, so no number is given twice,
and a number already on one of the courier's parcels (typed in by hand at the ship step) is
passed over.
"""

from __future__ import annotations

import sqlalchemy as sa

from wms.domain.couriers import local_tracking_number
from wms.extensions import db
from wms.models import Courier, Handover
from wms.services.waybills.base import IssuedWaybill, WaybillRequest


class LocalProvider:
    """Issues the courier's next local number (call inside a transaction)."""

    name = "local"
    in_database = True

    def issue(self, request: WaybillRequest) -> IssuedWaybill:
        courier = db.session.execute(
            sa.select(Courier).where(Courier.code == request.courier_code)
            .with_for_update().execution_options(populate_existing=True)
        ).scalar_one()
        counter = courier.local_waybill_counter
        while True:  # a number typed in by hand for one of the courier's parcels is passed over
            counter += 1
            number = local_tracking_number(courier, courier.waybill_settings or {}, counter)
            if db.session.execute(sa.select(Handover.id).where(
                    Handover.carrier == courier.code, Handover.tracking_number == number)).first() is None:
                break
        courier.local_waybill_counter = counter
        db.session.flush()
        return IssuedWaybill(tracking_number=number, provider_order_id=f"LOCAL-{request.order_number}",
                             raw_reply={"counter": counter})
