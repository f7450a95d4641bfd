"""GET /stock, GET /lots, POST /stock/moves (the handheld's hot path), POST /stock/adjustments."""

from __future__ import annotations

from flask.views import MethodView

from wms.api.base import Blueprint
from wms.api.idempotency import idempotent
from wms.api.schemas import MovementResultSchema, one_page
from wms.api.security import current_caller, current_user
from wms.api.stock import schemas as s
from wms.services import stock

blp = Blueprint("stock", __name__, url_prefix="/api/v1", description="Stock on hand and movements")


@blp.route("/stock")
class Stock(MethodView):
    @blp.arguments(s.StockArgsSchema, location="query")
    @blp.response(200, s.StockRowSchema(many=True))
    @blp.paginate()
    def get(self, args, pagination_parameters):
        """On-hand stock by item, location, lot or owner (FIFO order within an item)."""
        return one_page(pagination_parameters, stock.list_stock, args)


@blp.route("/stock/moves")
class StockMoves(MethodView):
    @idempotent
    @blp.arguments(s.ScanMoveSchema)
    @blp.response(201, MovementResultSchema)
    def post(self, scan):
        """Move stock between two locations as scanned (put-away, replenishment)."""
        return stock.move_by_scan(
            current_caller(), item_code=scan["item"], from_location=scan["from_location"],
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
