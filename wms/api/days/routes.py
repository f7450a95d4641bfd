"""GET /days, POST /days/<date>/close, POST /days/<date>/reopen (rule L2)."""

from __future__ import annotations

from datetime import date

from flask.views import MethodView

from wms.api.base import Blueprint
from wms.api.days import schemas as s
from wms.api.idempotency import idempotent
from wms.api.security import current_user
from wms.errors import InvalidInput
from wms.services import days

blp = Blueprint("days", __name__, url_prefix="/api/v1/days", description="The warehouse's business days")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("A day is written YYYY-MM-DD.", field="day", value=text[:20]) from None


@blp.route("")
class Days(MethodView):
    @blp.arguments(s.DaysArgsSchema, location="query")
    @blp.response(200, s.DayStatusSchema(many=True))
    def get(self, args):
        """The warehouse's recent days, newest (the open day) first: closed or open, closes and reopens."""
        return days.list_days(current_user(), args["warehouse"], args["days"])


@blp.route("/<string:day>/close")
class DayClose(MethodView):
    @idempotent
    @blp.arguments(s.CloseDaySchema)
    @blp.response(200, s.DayStatusSchema)
    def post(self, body, day):
        """Close a day (clerk, supervisor): no posting goes into it afterwards; its closing balances are stored."""
        return days.close_day(current_user(), _day(day), body["warehouse"])


@blp.route("/<string:day>/reopen")
class DayReopen(MethodView):
    @idempotent
    @blp.arguments(s.ReopenDaySchema)
    @blp.response(200, s.DayStatusSchema)
    def post(self, body, day):
        """Reopen the last closed day (supervisor only, with a reason); the reopening stays recorded."""
        return days.reopen_day(current_user(), _day(day), body["reason"], body["warehouse"])
