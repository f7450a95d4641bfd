"""Schemas of the reconciliation API (courier bills, differences, claims, mappings, rates)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from wms.api.schemas import Code, plain_text
from wms.domain.reconciliation import DifferenceStatus, ReconcileKind
from wms.domain.reconciliation_files import BILL_FIELDS
from wms.services.reconciliation.claims import FORMATS

Cycle = lambda **kw: fields.Str(validate=[validate.Length(min=1, max=16), plain_text()], **kw)  # noqa: E731


class CourierBillFormSchema(Schema):
    """The multipart form: the courier, the cycle and the bill itself (field ``file``)."""

    courier = Code(required=True)
    cycle = Cycle(required=True, metadata={"description": "2026-11 (a month), 2026-W48 (a week) or 2026-11-30"})
    # read from the request's files by the view; here so the document shows the whole form
    file = fields.Raw(load_default=None, metadata={"type": "string", "format": "binary",
                                                   "description": "the bill, CSV or XLSX (required)"})


class RunSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    cycle = fields.Str()
    courier = fields.Str(allow_none=True)
    party = fields.Str()
    file_name = fields.Str(allow_none=True)
    file_sha256 = fields.Str(allow_none=True)
    rows_read = fields.Int()
    summary = fields.Dict(metadata={"description": "by_type counts; new, kept, closed, reopened; lines, shipments"})
    created_at = fields.DateTime()


class DifferenceArgsSchema(Schema):
    kind = fields.Str(load_default=None, validate=validate.OneOf([k.value for k in ReconcileKind]))
    type = fields.Str(load_default=None, validate=validate.Length(max=32))
    status = fields.Str(load_default=None, validate=validate.OneOf([s.value for s in DifferenceStatus]))
    courier = Code(load_default=None)
    cycle = Cycle(load_default=None)
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=1000))
    offset = fields.Int(load_default=0, validate=validate.Range(min=0, max=10**9))


class HistorySchema(Schema):
    from_status = fields.Str(allow_none=True)
    to_status = fields.Str()
    action = fields.Str()
    note = fields.Str(allow_none=True)
    by = fields.Str(allow_none=True, metadata={"description": "who; none when a re-run changed it"})
    run_id = fields.Int(allow_none=True)
    at = fields.DateTime()


class DifferenceRowSchema(Schema):
    id = fields.Int()
    kind = fields.Str()
    type = fields.Str()
    key = fields.Str(metadata={"description": "what it is matched by: a tracking or order number"})
    cycle = fields.Str()
    party = fields.Str()
    courier = fields.Str(allow_none=True)
    order_number = fields.Str(allow_none=True)
    evidence = fields.Dict(metadata={"description": "our/their weight and fee, bill rows, amounts as found"})
    disputed = fields.List(fields.Str(), metadata={
        "description": "the evidence's pairs this type disputes, ours against theirs: weight, fee"})
    amount = fields.Decimal(as_string=True, allow_none=True)
    status = fields.Str()
    auto_resolved = fields.Bool()
    note = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    changed_at = fields.DateTime(allow_none=True)
    changed_by = fields.Str(allow_none=True)
    actions = fields.List(fields.Str(), metadata={"description": "the actions its status allows"})


class DifferenceSchema(DifferenceRowSchema):
    history = fields.List(fields.Nested(HistorySchema))


class DifferencePageSchema(Schema):
    total = fields.Int()
    items = fields.List(fields.Nested(DifferenceRowSchema))


class StatusChangeSchema(Schema):
    status = fields.Str(required=True, validate=validate.OneOf([s.value for s in DifferenceStatus]))
    note = fields.Str(load_default=None, validate=[validate.Length(max=400), plain_text()])


class ClaimArgsSchema(Schema):
    courier = Code(required=True)
    cycle = Cycle(load_default=None)
    format = fields.Str(load_default="xlsx", validate=validate.OneOf(FORMATS))


class MappingSchema(Schema):
    courier = fields.Str(dump_only=True)
    source = fields.Str(dump_only=True, metadata={"description": "saved, preset or default"})
    columns = fields.Dict(keys=fields.Str(validate=validate.OneOf(BILL_FIELDS)),
                          values=fields.List(fields.Str(validate=validate.Length(min=1, max=100))), required=True)
    keys_on_order_number = fields.Bool(load_default=False)


_Amount = lambda **kw: fields.Float(validate=validate.Range(min=0, max=100_000), **kw)  # noqa: E731


class RateSchema(Schema):
    province = fields.Str(load_default="*", validate=validate.Length(min=1, max=32),
                          metadata={"description": "浙江, 广东 ... or * for every other province"})
    first_weight_kg = _Amount(required=True)
    first_price = _Amount(required=True)
    additional_unit_kg = _Amount(load_default=1)
    additional_price = _Amount(required=True)
    discount_percent = fields.Float(load_default=0, validate=validate.Range(min=0, max=100))
    weight_step_kg = _Amount(load_default=1, metadata={"description": "the billed weight rounds up to this"})


class RateTableSchema(Schema):
    courier = fields.Str(dump_only=True)
    rates = fields.List(fields.Nested(RateSchema), required=True, validate=validate.Length(max=200))
