"""Returns, outbound and payment reconciliation (rule L3), beside the courier bills' routes.

``POST /api/v1/reconciliation/returns`` (multipart: file, courier, cycle, mapping) matches a
courier's return records with the returns received; ``POST .../outbound`` (cycle, and the
shop's order export as ``orders``) checks shipments against the ledger and the shop;
``POST .../payments`` (file, platform, cycle, orders) matches a settlement statement with
shipped orders; ``GET .../presets`` lists the headers each file is read by. Their
differences are listed and resolved through ``.../differences`` like a courier bill's.
"""

from __future__ import annotations

from flask import request
from flask.views import MethodView

from wms.api.base import Blueprint
from wms.api.idempotency import idempotent
from wms.api.reconciliation import other_schemas as s
from wms.api.reconciliation.schemas import RunSchema
from wms.api.security import current_user
from wms.domain.permissions import Permission, require
from wms.domain.reconciliation import DifferenceStatus, DifferenceType, ReconcileKind
from wms.domain.reconciliation_files import RETURNS_COLUMNS, SETTLEMENT_PRESETS
from wms.domain.reconciliation_matching import (
    OutboundDifferenceType,
    PaymentDifferenceType,
    ReturnsDifferenceType,
)
from wms.errors import InvalidInput
from wms.services import import_files
from wms.services.reconciliation import outbound, payments, returns

blp = Blueprint("reconcile", __name__, url_prefix="/api/v1/reconciliation",
                description="Reconciliation of returns, outbound and payments (退货, 出库, 回款对账)")


#: The difference types each kind of reconciliation finds.
TYPES = {ReconcileKind.COURIER: DifferenceType, ReconcileKind.RETURNS: ReturnsDifferenceType,
         ReconcileKind.OUTBOUND: OutboundDifferenceType, ReconcileKind.PAYMENTS: PaymentDifferenceType}


def _upload(field: str, required: bool) -> tuple[str, bytes] | None:
    upload = request.files.get(field)
    if upload is None:
        if required:
            raise InvalidInput(f"Send the file as the multipart field '{field}'.", field=field)
        return None
    return upload.filename or "", upload.read()


@blp.route("/returns")
class ReturnRecords(MethodView):
    @idempotent
    @blp.arguments(s.ReturnsFormSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, RunSchema)
    def post(self, form):
        """Match a courier's return records (CSV or XLSX, field 'file') for a cycle with the returns
        received (R6); a bad file, header or row refuses it whole and writes nothing."""
        name, content = _upload("file", True)
        return returns.reconcile_returns(current_user(), name, content, courier=form["courier"],
                                         cycle=form["cycle"], mapping=form["mapping"])


@blp.route("/outbound")
class Outbound(MethodView):
    @idempotent
    @blp.arguments(s.OutboundFormSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, s.OutboundRunsSchema)
    def post(self, form):
        """Check the cycle's shipments against their ledger deductions and, with the shop's order export
        (field 'orders'), against the shop's orders."""
        result = outbound.reconcile_outbound(current_user(), cycle=form["cycle"], orders_file=_upload("orders", False),
                                             mapping=form["mapping"])
        return {"ledger": result["ledger"], "shop": result.get("shop")}


@blp.route("/payments")
class Payments(MethodView):
    @idempotent
    @blp.arguments(s.PaymentsFormSchema, location="form", content_type="multipart/form-data")
    @blp.response(201, RunSchema)
    def post(self, form):
        """Match a platform's settlement statement (field 'file') for a cycle with the shipped orders; the
        shop's order export with amounts (field 'orders') lets short payments be found."""
        name, content = _upload("file", True)
        return payments.reconcile_payments(current_user(), name, content, platform=form["platform"],
                                           cycle=form["cycle"], mapping=form["mapping"],
                                           orders_file=_upload("orders", False))


@blp.route("/presets")
class Presets(MethodView):
    @blp.response(200, s.PresetsSchema)
    def get(self):
        """The difference types of each kind, the statuses, and the headers the return records, settlement
        statements (per platform) and shop exports are read by."""
        require(current_user().role, Permission.RECONCILE)
        return {"types": {kind.value: [t.value for t in TYPES[kind]] for kind in ReconcileKind},
                "statuses": [status.value for status in DifferenceStatus],
                "returns": {k: list(v) for k, v in RETURNS_COLUMNS.items()},
                "payments": [{"code": p.code, "columns": {k: list(v) for k, v in p.columns.items()}}
                             for p in SETTLEMENT_PRESETS.values()],
                "shop_orders": {k: list(v) for k, v in outbound.SHOP_ORDER_COLUMNS.items()}}


@blp.before_request
def _bound_import_upload() -> None:
    """Refuse an oversized file with 413 before anything reads the body."""
    if request.endpoint in ("reconcile.ReturnRecords", "reconcile.Outbound", "reconcile.Payments"):
        request.max_content_length = import_files.upload_limit()
