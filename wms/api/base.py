"""The flask-smorest Api with the project's one error format, and shared schema bits."""

from __future__ import annotations

import flask_smorest
from flask import jsonify
from flask_smorest import Api
from werkzeug.exceptions import HTTPException

from wms.errors import error_body

#: Stable codes for HTTP-level refusals that happen before a use case runs.
HTTP_CODES = {
    400: "bad_request",
    401: "authentication_required",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}


class WmsApi(Api):
    """flask-smorest's Api answering HTTP errors in the project's error format."""

    def handle_http_exception(self, error: HTTPException):
        """Every HTTP error as ``{code, status, message, errors}`` with a stable code."""
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages") or {}
        # webargs nests messages under the location ("json", "query"); keep them as given.
        message = data.get("message") or error.description or error.name
        if error.code == 422 and "message" not in data:
            message = "The request does not match the schema."
        body = error_body(HTTP_CODES.get(error.code, "http_error"), error.code, message, errors)
        response = jsonify(body)
        response.status_code = error.code
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response



class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, with each request schema built once instead of per request.

    webargs instantiates a schema class on every request it parses; an instance made
    at import is reused (marshmallow schemas keep no state between loads).
    """

    def arguments(self, schema, **kwargs):
        """Like flask-smorest's ``arguments``, given a schema instance made once."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(schema, **kwargs)
