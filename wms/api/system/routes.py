"""GET /api/v1/health and GET /api/v1/i18n/<language>: reachable without login."""

from __future__ import annotations

import gzip

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from wms.api.base import Blueprint
from wms.services import system

blp = Blueprint("system", __name__, url_prefix="/api/v1", description="Service health and message catalogues")


class HealthSchema(Schema):
    status = fields.Str()
    database = fields.Str()
    version = fields.Str()


class CatalogueSchema(Schema):
    """Every error code's message in one language; ``detailed`` ones fill ``{names}`` from ``errors``."""

    language = fields.Str(metadata={"description": "zh-CN or en"})
    name = fields.Str(metadata={"description": "The language's own name"})
    messages = fields.Dict(keys=fields.Str(), values=fields.Str(),
                           metadata={"description": "code -> message, one for every code"})
    detailed = fields.Dict(keys=fields.Str(), values=fields.Str(), metadata={
        "description": "code -> message with {placeholders} named after keys of the error's "
                       "errors; use it only when every placeholder is there, else messages[code]"})
    reasons = fields.Dict(keys=fields.Str(), values=fields.Str(), metadata={
        "description": "reason code -> why a lot is inspected as it is (R5), {placeholders} filled "
                       "from the inspection's reason_params"})


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.doc(security=[])
    def get(self):
        """Is the service up and its database reachable."""
        return system.service_health()


@blp.route("/i18n/<language>")
class Catalogue(MethodView):
    @blp.etag
    @blp.response(200, CatalogueSchema)
    @blp.doc(security=[])
    def get(self, language):
        """The message catalogue of a language (zh-CN, en), for the UI; cacheable, with an ETag."""
        # Kept by caches, revalidated each time (If-None-Match: 304): never stale after an upgrade.
        return system.message_catalogue(language), {"Cache-Control": "public, no-cache"}


@blp.after_request
def _compress_the_catalogue(response):
    """The catalogue is the largest thing a handheld fetches at start: gzip it when accepted."""
    if (request.endpoint == "system.Catalogue" and response.status_code == 200
            and "gzip" in request.headers.get("Accept-Encoding", "") and not response.direct_passthrough):
        response.set_data(gzip.compress(response.get_data(), compresslevel=6, mtime=0))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
    return response

