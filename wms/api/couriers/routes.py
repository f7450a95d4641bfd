"""Couriers (master data) and the electronic waybills (电子面单) of shipping orders.

``GET/POST /api/v1/couriers``, ``GET/PATCH /api/v1/couriers/<code>``;
``GET/POST /api/v1/shipping/orders/<number>/waybill``. Every change is ``@idempotent``.
"""

from __future__ import annotations

from flask import jsonify
from flask.views import MethodView

from wms.api.base import Blueprint
from wms.api.couriers import schemas as s
from wms.api.idempotency import idempotent
from wms.api.security import current_user
from wms.errors import WaybillProviderUnavailable
from wms.services import couriers, waybills

blp = Blueprint("couriers", __name__, url_prefix="/api/v1",
                description="Couriers as master data and electronic waybills")


def _unavailable(error: WaybillProviderUnavailable):
    """503 with Retry-After, answered (not raised) so that it is never kept for replay: a retry
    with the same Idempotency-Key asks the provider again and gets the same number."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    response.headers["Retry-After"] = str(error.details.get("retry_after_seconds", 30))
    return response


@blp.route("/couriers")
class Couriers(MethodView):
    @blp.arguments(s.CourierListArgsSchema, location="query")
    @blp.response(200, s.CourierSchema(many=True))
    def get(self, args):
        """Every courier, by code (``?active=true`` for those a parcel may leave with)."""
        return couriers.list_couriers(current_user(), args["active"])

    @idempotent
    @blp.arguments(s.CourierCreateSchema)
    @blp.response(201, s.CourierSchema)
    def post(self, data):
        """Add a courier: code, names, tracking-number pattern, waybill provider and settings."""
        return couriers.create_courier(current_user(), data)


@blp.route("/couriers/<string:code>")
class Courier(MethodView):
    @blp.response(200, s.CourierSchema)
    def get(self, code):
        """One courier by its code."""
        return couriers.read_courier(current_user(), code)

    @idempotent
    @blp.arguments(s.CourierChangeSchema(partial=True))
    @blp.response(200, s.CourierSchema)
    def patch(self, changes, code):
        """Change a courier's names, pattern, active flag, provider or settings."""
        return couriers.update_courier(current_user(), code, changes)


@blp.route("/shipping/orders/<string:number>/waybill")
class OrderWaybill(MethodView):
    @blp.response(200, s.WaybillSchema)
    def get(self, number):
        """The order's electronic waybill."""
        return waybills.waybill_of(current_user(), number)

    @idempotent
    @blp.arguments(s.WaybillRequestSchema)
    @blp.response(200, s.WaybillSchema)
    def post(self, data, number):
        """The order's electronic waybill: the one it has, or one issued now by the courier's provider.

        The provider is asked outside any transaction, with the order number as its order
        code (a retry gets the same number); the waybill is recorded after. A provider that
        is down, slow or refuses leaves nothing written.
        """
        try:
            return waybills.issue_waybill(current_user(), number, data["courier"])
        except WaybillProviderUnavailable as error:
            return _unavailable(error)
