"""Reconciliation (对账, rule L3).

``POST /api/v1/reconciliation/courier-bills`` (multipart: file, courier, cycle) reads a
courier's bill and stores its differences as a run; ``GET .../differences`` lists them,
``GET .../differences/<id>`` shows one with its history, ``POST .../differences/<id>/status``
moves it; ``GET .../claims`` exports a courier's claim list; ``GET/PUT
.../couriers/<code>/bill-mapping`` and ``.../couriers/<code>/rates`` keep a courier's bill
columns and rate table. Every change is ``@idempotent``.
"""

from __future__ import annotations

from flask import Response, request
from flask.views import MethodView

from wms.api.base import Blueprint
from wms.api.idempotency import idempotent
from wms.api.reconciliation import schemas as s
from wms.api.security import current_user
from wms.errors import InvalidInput
from wms.services import import_files
from wms.services.reconciliation import claims, courier_bills, differences

blp = Blueprint("reconciliation", __name__, url_prefix="/api/v1/reconciliation",
                description="Reconciliation with couriers (对账): bills, differences, claims")


@blp.route("/courier-bills")
class CourierBills(MethodView):
    @idempotent
    @blp.arguments(s.CourierBillFormSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, s.RunSchema)
    def post(self, form):
        """Import a courier's bill (CSV or XLSX, multipart field 'file') for a cycle and match it; a bad file,
        header or row refuses it whole and writes nothing."""
        upload = request.files.get("file")
        if upload is None:
            raise InvalidInput("Send the bill as the multipart field 'file'.", field="file")
        return courier_bills.import_courier_bill(current_user(), form["courier"], form["cycle"],
                                                 upload.filename or "", upload.read())


@blp.before_request
def _bound_import_upload() -> None:
    """Refuse an oversized bill with 413 before anything reads the body."""
    if request.endpoint == "reconciliation.CourierBills":
        request.max_content_length = import_files.upload_limit()


@blp.route("/differences")
class Differences(MethodView):
    @blp.arguments(s.DifferenceArgsSchema, location="query")
    @blp.response(200, s.DifferencePageSchema)
    def get(self, args):
        """Differences, newest first, by kind, type, status, courier and cycle (``limit``, ``offset``)."""
        return differences.list_differences(current_user(), differences.DifferenceFilter(**args))


@blp.route("/differences/<int:difference_id>")
class Difference(MethodView):
    @blp.response(200, s.DifferenceSchema)
    def get(self, difference_id):
        """One difference with the history of its status."""
        return differences.read_difference(current_user(), difference_id)


@blp.route("/differences/<int:difference_id>/status")
class DifferenceStatus(MethodView):
    @idempotent
    @blp.arguments(s.StatusChangeSchema)
    @blp.response(200, s.DifferenceSchema)
    def post(self, data, difference_id):
        """Explain, claim, resolve or reopen a difference with a note; who and when are recorded."""
        return differences.change_status(current_user(), difference_id, data["status"], data["note"])


@blp.route("/claims")
class Claims(MethodView):
    @blp.arguments(s.ClaimArgsSchema, location="query")
    @blp.doc(responses={"200": {"description": "The courier's claim list, recipients masked", "content": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
            "schema": {"type": "string", "format": "binary"}},
        "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}})
    def get(self, args):
        """A courier's claim list (``?courier=SF&cycle=2026-11&format=xlsx`` or ``pdf``): claimed differences and the
        claimable ones still open or explained, with their evidence."""
        body, media_type, filename = claims.export_claims(current_user(), args["courier"], args["cycle"],
                                                          args["format"])
        return Response(body, status=200, content_type=media_type,
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blp.route("/couriers/<string:code>/bill-mapping")
class BillMapping(MethodView):
    @blp.response(200, s.MappingSchema)
    def get(self, code):
        """The header names a courier's bill is read by: its saved mapping, else its preset."""
        return courier_bills.bill_mapping(current_user(), code)

    @idempotent
    @blp.arguments(s.MappingSchema)
    @blp.response(200, s.MappingSchema)
    def put(self, data, code):
        """Save a courier's own bill columns: field -> header names (tracking_number, weight_kg, fee required)."""
        return courier_bills.save_bill_mapping(current_user(), code, data["columns"], data["keys_on_order_number"])


@blp.route("/couriers/<string:code>/rates")
class Rates(MethodView):
    @blp.response(200, s.RateTableSchema)
    def get(self, code):
        """A courier's rate table by destination province."""
        return courier_bills.rate_table(current_user(), code)

    @idempotent
    @blp.arguments(s.RateTableSchema)
    @blp.response(200, s.RateTableSchema)
    def put(self, data, code):
        """Replace a courier's rate table: first weight and price, additional unit and price, discount, rounding."""
        return courier_bills.set_rate_table(current_user(), code, data["rates"])
