"""Schemas of the audit trail's search and its rows."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.domain.audit import DEVICE_NAME_MAX

Filter = lambda length, **kw: fields.Str(  # noqa: E731
    load_default=None, validate=validate.Length(min=1, max=length), **kw)


class AuditArgsSchema(Schema):
    """Every given filter must hold; rows come newest first."""

    user = Filter(64, metadata={"description": "The user name"})
    device = Filter(64, metadata={"description": "The device's id (X-Device-Id) or its name (X-Device-Name)"})
    action = Filter(64, metadata={"description": "An action (receipt.post) or its area (receipt)"})
    document = Filter(64, metadata={"description": "The number or code of the document the call named"})
    since = fields.AwareDateTime(data_key="from", load_default=None, default_timezone=None,
                                 metadata={"description": "From this time on (ISO 8601 with its offset)"})
    until = fields.AwareDateTime(data_key="to", load_default=None, default_timezone=None,
                                 metadata={"description": "Before this time"})
    from_date = fields.Date(load_default=None, metadata={"description": "From this day on (the warehouse's)"})
    to_date = fields.Date(load_default=None, metadata={"description": "Up to this day, included"})
    limit = fields.Int(load_default=50, validate=validate.Range(min=1, max=200))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0, max=100_000))


class AuditEntrySchema(Schema):
    """One call: who, what, when, from which device, how it ended."""

    id = fields.Int()
    at = fields.DateTime()
    user_id = fields.Int()
    username = fields.Str()
    user_display_name = fields.Str(allow_none=True)
    action = fields.Str(metadata={"description": "In the warehouse's words: receipt.post, hold.issue, ..."})
    document_type = fields.Str(allow_none=True)
    document_number = fields.Str(allow_none=True)
    device_id = fields.Str(allow_none=True)
    device_name = fields.Str(allow_none=True, validate=validate.Length(max=DEVICE_NAME_MAX))
    method = fields.Str()
    path = fields.Str()
    status = fields.Int(metadata={"description": "The answer's HTTP status: 2xx done, 4xx refused"})
    error_code = fields.Str(allow_none=True, metadata={"description": "A refusal's code"})


class AuditPageSchema(Schema):
    entries = fields.List(fields.Nested(AuditEntrySchema))
    time_zone = fields.Str(metadata={"description": "The warehouse's time zone, to show the times in"})
    more = fields.Bool(metadata={"description": "Older rows follow (ask with offset + limit)"})
    limit = fields.Int()
    offset = fields.Int()
