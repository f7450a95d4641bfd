"""GET /api/v1/health: reachable without login."""

from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from marshmallow import Schema, fields

from wms.api.base import Blueprint
from wms.extensions import db

blp = Blueprint("system", __name__, url_prefix="/api/v1", description="Service health")


class HealthSchema(Schema):
    status = fields.Str()
    database = fields.Str()
    version = fields.Str()


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(security=[])
    def get(self):
        """Is the service up and its database reachable."""
        from importlib.metadata import PackageNotFoundError, version

        db.session.execute(sa.text("SELECT 1"))
        try:
            ver = version("wms-handheld")
        except PackageNotFoundError:  # running from a source tree
            ver = "dev"
        return {"status": "ok", "database": db.session.get_bind().dialect.name, "version": ver}
