"""Schema pieces shared by several API areas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

Code = lambda **kw: fields.Str(validate=validate.Length(min=1, max=64), **kw)  # noqa: E731
Quantity = lambda **kw: fields.Int(strict=True, validate=validate.Range(min=1, max=10**9), **kw)  # noqa: E731


class MovementResultSchema(Schema):
    """What a posted stock movement wrote to the ledger."""

    movement_id = fields.Str()
    entry_ids = fields.List(fields.Int())
    created_at = fields.DateTime()
