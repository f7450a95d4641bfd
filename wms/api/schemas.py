"""Schema pieces shared by several API areas."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.api.security import current_user

Code = lambda **kw: fields.Str(validate=validate.Length(min=1, max=64), **kw)  # noqa: E731
Quantity = lambda **kw: fields.Int(strict=True, validate=validate.Range(min=1, max=10**9), **kw)  # noqa: E731


class MovementResultSchema(Schema):
    """What a posted stock movement wrote to the ledger."""

    movement_id = fields.Str()
    entry_ids = fields.List(fields.Int())
    created_at = fields.DateTime()


def one_page(pagination_parameters, list_use_case, *args):
    """Run a paged list use case for the caller and tell flask-smorest the total."""
    rows, total = list_use_case(current_user(), *args, pagination_parameters.page,
                                pagination_parameters.page_size)
    pagination_parameters.item_count = total
    return rows
