"""Request and response schemas of couriers and electronic waybills."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from wms.domain.couriers import PATTERN_MAX_LENGTH, PROVIDERS, pattern_problem

Text = lambda max_length, **kw: fields.Str(validate=validate.Length(min=1, max=max_length), **kw)  # noqa: E731


def valid_pattern(pattern: str) -> None:
    """A tracking-number pattern must be a regular expression (matched whole)."""
    problem = pattern_problem(pattern)
    if problem:
        raise ValidationError(problem)


class CourierChangeSchema(Schema):
    """What may change of a courier (its code is fixed)."""

    name_zh = Text(100, metadata={"description": "Name in Simplified Chinese, e.g. 顺丰速运"})
    name_en = Text(100, metadata={"description": "Name in English, e.g. SF Express"})
    tracking_pattern = fields.Str(validate=[validate.Length(min=1, max=PATTERN_MAX_LENGTH), valid_pattern], metadata={
        "description": "Regular expression a tracking number must match whole, e.g. ^SF\\d{13}$"})
    active = fields.Bool()
    waybill_provider = fields.Str(validate=validate.OneOf(PROVIDERS))
    waybill_settings = fields.Dict(keys=fields.Str(), metadata={
        "description": "Per provider: {'local': {'prefix', 'digits'}, 'kdniao': {'shipper_code', "
                       "'customer_name', 'customer_pwd', 'month_code', 'send_site', 'pay_type', "
                       "'exp_type', 'sender': {...}}}; secrets are shown masked"})


class CourierCreateSchema(CourierChangeSchema):
    code = fields.Str(required=True, validate=[validate.Length(min=1, max=16), validate.Regexp(r"^[A-Za-z0-9_-]+$")])
    name_zh = Text(100, required=True)
    name_en = Text(100, required=True)
    tracking_pattern = fields.Str(required=True, validate=[validate.Length(min=1, max=PATTERN_MAX_LENGTH),
                                                           valid_pattern])
    active = fields.Bool(load_default=True)
    waybill_provider = fields.Str(load_default="local", validate=validate.OneOf(PROVIDERS))
    waybill_settings = fields.Dict(keys=fields.Str(), load_default=dict)


class CourierSchema(Schema):
    code = fields.Str()
    name_zh = fields.Str()
    name_en = fields.Str()
    tracking_pattern = fields.Str()
    active = fields.Bool()
    waybill_provider = fields.Str()
    waybill_settings = fields.Dict()
    updated_at = fields.DateTime()


class CourierListArgsSchema(Schema):
    active = fields.Bool(load_default=None)


class WaybillRequestSchema(Schema):
    courier = fields.Str(required=True, validate=validate.Length(min=1, max=16),
                         metadata={"description": "An active courier's code, e.g. SF"})


class WaybillSchema(Schema):
    order_number = fields.Str()
    courier = fields.Str()
    tracking_number = fields.Str()
    provider = fields.Str()
    provider_order_id = fields.Str(allow_none=True)
    sorting_code = fields.Str(allow_none=True,
                              metadata={"description": "The routing code printed on the label (大头笔)"})
    issued_at = fields.DateTime()
    issued_by = fields.Str(allow_none=True)
