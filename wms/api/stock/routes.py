"""GET /stock, GET /lots, POST /stock/moves (the handheld's hot path), POST /stock/adjustments."""

from __future__ import annotations

from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import ValidationError
from webargs.flaskparser import is_json_request

from wms.api.base import Blueprint, parse_json_body
from wms.api.fast_path import with_fast_path
from wms.api.idempotency import HEADER, idempotent, request_fingerprint, valid_key
from wms.api.schemas import MovementResultSchema, one_page
from wms.api.security import current_user
from wms.api.stock import schemas as s
from wms.services import scan_fast_path, stock

blp = Blueprint("stock", __name__, url_prefix="/api/v1", description="Stock on hand and movements")


@blp.route("/stock")
class Stock(MethodView):
    @blp.arguments(s.StockArgsSchema, location="query")
    @blp.response(200, s.StockRowSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """On-hand stock by item, location, lot or owner (FIFO order within an item)."""
        return one_page(pagination_parameters, stock.list_stock, args)


_scan_move = s.ScanMoveSchema()


def render_movement_result(result) -> str:
    """The body the general path sends for a movement (MovementResultSchema through Flask's JSON
    provider: sorted keys, compact), made directly; a test holds the two equal. Nothing in
    it needs escaping: an ISO time, whole numbers and a hex id."""
    entry_ids = ",".join(str(int(entry_id)) for entry_id in result.entry_ids)
    return (f'{{"created_at":"{result.created_at.isoformat()}","entry_ids":[{entry_ids}],'
            f'"movement_id":"{result.movement_id}"}}\n')


def _scan_move_fast(user_id: int, token_version: int) -> Response | None:
    """The scan in one statement (``wms.services.scan_fast_path``); None for anything but the plain case."""
    key = request.headers.get(HEADER)
    if not is_json_request(request) or (key is not None and not valid_key(key)):
        return None
    try:
        body = parse_json_body(request.get_data(cache=True))  # as the general path reads it
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    try:
        scan = _scan_move.load(body)
    except ValidationError:
        return None

    sent = scan_fast_path.try_move_by_scan(scan_fast_path.ScanCall(
        user_id, token_version, key, request_fingerprint(), request.method, request.path[:400],
        item_code=scan["item"], from_location=scan["from_location"], to_location=scan["to_location"],
        quantity=scan["quantity"], lot_code=scan["lot"], owner_code=scan["owner"],
    ), render_movement_result)
    return None if sent is None else current_app.response_class(sent, 201, mimetype="application/json")


@blp.route("/stock/moves")
class StockMoves(MethodView):
    @with_fast_path(_scan_move_fast)
    @idempotent
    @blp.arguments(s.ScanMoveSchema)
    @blp.response(201, MovementResultSchema)
    def post(self, scan):
        """Move stock between two locations as scanned (put-away, replenishment)."""
        return stock.move_by_scan(
            current_user(), item_code=scan["item"], from_location=scan["from_location"],
            to_location=scan["to_location"], quantity=scan["quantity"],
            lot_code=scan["lot"], owner_code=scan["owner"],
        )


@blp.route("/stock/adjustments")
class StockAdjustments(MethodView):
    @idempotent
    @blp.arguments(s.AdjustmentSchema)
    @blp.response(201, MovementResultSchema)
    def post(self, adjustment):
        """Book found or missing stock against lost-and-found, with a reason."""
        return stock.adjust_stock(current_user(), **adjustment)


@blp.route("/lots")
class Lots(MethodView):
    @blp.arguments(s.LotArgsSchema, location="query")
    @blp.response(200, s.LotSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """Lots, oldest receipt first (the FIFO key of rule S1)."""
        return one_page(pagination_parameters, stock.list_lots, args["item_id"])
