"""GET /ledger, POST /ledger/movements/<id>/reversal, GET /ledger/verify."""

from __future__ import annotations

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from wms.api.base import Blueprint
from wms.api.idempotency import idempotent
from wms.api.schemas import MovementResultSchema, one_page
from wms.api.security import current_user
from wms.services import stock

blp = Blueprint("ledger", __name__, url_prefix="/api/v1/ledger", description="Append-only stock ledger")


class LedgerArgsSchema(Schema):
    item_id = fields.Int(load_default=None)
    lot_id = fields.Int(load_default=None)
    location_id = fields.Int(load_default=None)
    owner_id = fields.Int(load_default=None)
    user_id = fields.Int(load_default=None)
    movement_id = fields.Str(load_default=None)
    kind = fields.Str(load_default=None)
    document_type = fields.Str(load_default=None)
    document_id = fields.Str(load_default=None)
    since = fields.AwareDateTime(load_default=None, default_timezone=None)
    until = fields.AwareDateTime(load_default=None, default_timezone=None)
    business_day = fields.Date(load_default=None, metadata={"description": "The warehouse day (L2)"})


class LedgerEntrySchema(Schema):
    id = fields.Int()
    movement_id = fields.Str()
    kind = fields.Str()
    item_id = fields.Int()
    lot_id = fields.Int()
    location_id = fields.Int()
    owner_id = fields.Int()
    quantity = fields.Int()
    document_type = fields.Str(allow_none=True)
    document_id = fields.Str(allow_none=True)
    user_id = fields.Int()
    created_at = fields.DateTime()
    reason = fields.Str(allow_none=True)
    reverses_entry_id = fields.Int(allow_none=True)
    business_day = fields.Date(metadata={"description": "The warehouse day the entry belongs to (L2)"})


class ReversalSchema(Schema):
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=400))


class LedgerCheckSchema(Schema):
    ok = fields.Bool()
    entries = fields.Int()
    quants = fields.Int()
    on_hand_mismatches = fields.List(fields.Dict())
    unbalanced_movements = fields.List(fields.Dict())
    negative_quants = fields.List(fields.Dict())


@blp.route("")
class Ledger(MethodView):
    @blp.arguments(LedgerArgsSchema, location="query")
    @blp.response(200, LedgerEntrySchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Ledger entries, newest first, with filters."""
        return one_page(pagination_parameters, stock.list_ledger, args)


@blp.route("/movements/<string:movement_id>/reversal")
class Reversal(MethodView):
    @idempotent
    @blp.arguments(ReversalSchema)
    @blp.response(201, MovementResultSchema)
    def post(self, body, movement_id):
        """Cancel a movement with reversing entries (entries are never edited, L1)."""
        return stock.reverse_movement(current_user(), movement_id, body["reason"])


@blp.route("/verify")
class Verify(MethodView):
    @blp.response(200, LedgerCheckSchema)
    def get(self):
        """Check that on-hand equals the sum of the ledger and every movement balances."""
        return stock.check_ledger(current_user())
