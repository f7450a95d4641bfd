"""The flask-smorest Api with the project's one error format, and shared schema bits."""

from __future__ import annotations

import threading

import flask_smorest
from flask import current_app, jsonify
from flask_smorest import Api
from marshmallow import Schema, fields
from webargs.core import missing, parse_json
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import HTTPException

from wms.api.guards import bound_schema, check_json_value
from wms.errors import PayloadTooLarge, RequestTooComplex, error_body

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


class ErrorSchema(Schema):
    """The one error format: a stable code, the HTTP status, a message and details."""

    code = fields.Str(required=True, metadata={"description": "Stable snake_case code, e.g. insufficient_stock"})
    status = fields.Int(required=True, metadata={"description": "The HTTP status, repeated"})
    message = fields.Str(required=True, metadata={
        "description": "For people: the catalogue's message for the code (GET /api/v1/i18n/{language}) "
                       "in the user's language, else Accept-Language's (zh-CN or en), else zh-CN"})
    errors = fields.Dict(required=True, metadata={
        "description": "Details, {} when there are none: a schema refusal's field messages by location "
                       "({\"json\": {\"sku\": [\"...\"]}}), a rule's facts ({\"role\": \"clerk\", "
                       "\"permission\": \"stock.move\"}), the limit that was hit ({\"max_bytes\": ...})"})


class WmsApi(Api):
    """flask-smorest's Api answering HTTP errors in the project's error format, building its
    OpenAPI document when it is first read.

    flask-smorest documents every view of a blueprint as it is registered: for this API about
    0.3 s of every ``create_app`` (deep copies of 150 operations' schemas), paid by each server
    worker at boot and by each test's app, though most never serve ``/api/openapi.json``.
    Registering the blueprint with Flask happens at once (routes answer as before); its
    documentation, and what ``after_document`` adds to it, happen in registration order the
    first time ``spec`` is read (the document's view, a test, a tool)."""

    ERROR_SCHEMA = ErrorSchema

    def __init__(self, *args, **kwargs):
        self._pending_docs: list = []
        self._docs_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    @property
    def spec(self):
        """The OpenAPI document (``apispec.APISpec``), its pending parts written first."""
        if self._pending_docs:
            with self._docs_lock:  # another thread reading meanwhile waits for the whole document
                while self._pending_docs:  # each part taken off only once written, so none is lost
                    self._pending_docs[0]()
                    self._pending_docs.pop(0)
        return self._spec

    @spec.setter
    def spec(self, value) -> None:
        self._spec = value

    def register_blueprint(self, blp, *, parameters=None, **options):
        """Register ``blp`` with Flask now and in the document when it is first read (as
        flask-smorest's ``Api.register_blueprint`` does both at once)."""
        name = options.get("name", blp.name)
        self._app.extensions["flask-smorest"]["blp_name_to_api"][name] = self
        self._app.register_blueprint(blp, **options)

        def document() -> None:
            blp.register_views_in_doc(self, self._app, self._spec, name=name, parameters=parameters)
            self._spec.tag({"name": name, "description": blp.description})

        self._pending_docs.append(document)

    def after_document(self, write) -> None:
        """Run ``write(spec)`` on the document once the blueprints' parts are in it."""
        self._pending_docs.append(lambda: write(self._spec))

    def handle_http_exception(self, error: HTTPException):
        """Every HTTP error as ``{code, status, message, errors}`` with a stable code."""
        data = getattr(error, "data", None) or {}
        errors = data.get("errors") or data.get("messages") or {}
        # webargs nests messages under the location ("json", "query"); keep them as given.
        # The message is the catalogue's for the code; this one only where it has none.
        message = data.get("message") or error.description or error.name
        body = error_body(HTTP_CODES.get(error.code, "http_error"), error.code, message, errors)
        response = jsonify(body)
        response.status_code = error.code
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        return response



def parse_json_body(raw: bytes):
    """A JSON request body as the API reads it: strict UTF-8 (no byte order mark), at most
    ``JSON_MAX_BYTES``, nested at most ``JSON_MAX_DEPTH`` deep, every string real text
    without NUL (``wms.api.guards.check_json_value``).
    Raises ValueError (a JSONDecodeError or UnicodeDecodeError) or a typed DomainError."""
    config = current_app.config
    if len(raw) > config["JSON_MAX_BYTES"]:
        raise PayloadTooLarge(max_bytes=config["JSON_MAX_BYTES"])
    try:
        data = parse_json(raw)
    except RecursionError:
        raise RequestTooComplex(max_depth=config["JSON_MAX_DEPTH"]) from None
    check_json_value(data, config["JSON_MAX_DEPTH"])
    return data


class JsonBodyParser(FlaskParser):
    """webargs' parser reading JSON bodies with ``parse_json_body`` (a bad one gets 400)."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return missing
        return parse_json_body(req.get_data(cache=True))


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, with each request schema built once instead of per request,
    and JSON bodies read by ``parse_json_body``.

    webargs instantiates a schema class on every request it parses; an instance made
    at import is reused (marshmallow schemas keep no state between loads).
    """

    ARGUMENTS_PARSER = JsonBodyParser()

    def arguments(self, schema, **kwargs):
        """Like flask-smorest's ``arguments``, given a schema instance made once."""
        if isinstance(schema, type):
            schema = schema()
        return super().arguments(bound_schema(schema), **kwargs)
