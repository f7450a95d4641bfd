"""Schema pieces shared by several API areas."""

from __future__ import annotations

import unicodedata

from marshmallow import Schema, ValidationError, fields, validate

from wms.api.security import current_user

#: GS (group separator): FNC1 in a GS1 element string as a scanner types it.
GS1_SEPARATOR = "\x1d"


def plain_text(allowed: str = ""):
    """A validator refusing control characters (C0, DEL, C1) and line or paragraph
    separators: a code printed on a label or typed by a scanner never holds one, and
    Python's strip() would silently drop some (U+0085, U+2028) before a lookup."""

    def check(value: str) -> None:
        for char in value:
            if char not in allowed and unicodedata.category(char) in ("Cc", "Zl", "Zp"):
                raise ValidationError(f"Control character U+{ord(char):04X} is not allowed here.")

    return check


#: A code a person types or reads off a label: a bin, lot, document number, SKU.
Code = lambda **kw: fields.Str(validate=[validate.Length(min=1, max=64), plain_text()], **kw)  # noqa: E731
#: A code as a scanner sends it, which may be a GS1 element string with GS separators.
ScannedCode = lambda **kw: fields.Str(  # noqa: E731
    validate=[validate.Length(min=1, max=200), plain_text(allowed=GS1_SEPARATOR)], **kw)
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
