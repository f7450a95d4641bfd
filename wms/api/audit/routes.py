"""GET /audit: the supervisor's search of the audit trail (who did what, when, from which device)."""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView

from wms.api.audit import schemas as s
from wms.api.base import Blueprint
from wms.api.security import current_user
from wms.services import audit

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="The audit trail of every change")


@blp.route("/audit")
class AuditTrail(MethodView):
    @blp.arguments(s.AuditArgsSchema, location="query")
    @blp.response(200, s.AuditPageSchema)
    def get(self, args):
        """Calls that changed something or were refused, and logins: newest first (supervisors)."""
        query = audit.AuditQuery(**args)
        page = audit.search(current_user(), query)
        return {"entries": page.entries, "more": page.more, "limit": query.limit, "offset": query.offset,
                "time_zone": current_app.config["WAREHOUSE_TIMEZONE"]}
