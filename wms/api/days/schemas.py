"""Schemas of the day API: a day's status, its close/reopen events, the close and reopen bodies."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.api.schemas import Code


class DaysArgsSchema(Schema):
    warehouse = Code(load_default=None, metadata={"description": "Warehouse code; optional with one warehouse"})
    days = fields.Int(load_default=14, validate=validate.Range(min=1, max=92))


class CloseDaySchema(Schema):
    warehouse = Code(load_default=None, metadata={"description": "Warehouse code; optional with one warehouse"})


class ReopenDaySchema(Schema):
    warehouse = Code(load_default=None, metadata={"description": "Warehouse code; optional with one warehouse"})
    reason = fields.Str(required=True, validate=validate.Length(min=1, max=400))


class DayEventSchema(Schema):
    action = fields.Str(metadata={"description": "close or reopen"})
    at = fields.DateTime()
    user = fields.Str()
    reason = fields.Str(allow_none=True)


class DayStatusSchema(Schema):
    warehouse = fields.Str()
    day = fields.Date()
    closed = fields.Bool()
    open_day = fields.Bool(metadata={"description": "The day postings go into now"})
    closed_at = fields.DateTime(allow_none=True)
    closed_by = fields.Str(allow_none=True)
    events = fields.List(fields.Nested(DayEventSchema))
