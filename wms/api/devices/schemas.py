"""Schemas of stations, scale readings, label jobs and decoded barcodes."""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate

from devices.scanners.camera import ENGINES
from wms.domain.printing import PrintJobState
from wms.models.station import STATION_KINDS

StationCode = lambda **kw: fields.Str(  # noqa: E731
    validate=[validate.Length(min=1, max=32), validate.Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")], **kw
)
Url = lambda **kw: fields.Str(allow_none=True, validate=validate.Length(min=1, max=400), **kw)  # noqa: E731
Options = lambda **kw: fields.Dict(keys=fields.Str(), allow_none=True, **kw)  # noqa: E731
Timeout = lambda **kw: fields.Float(validate=validate.Range(min=0.05, max=60), **kw)  # noqa: E731


class StationSchema(Schema):
    """A packing or receiving station and the devices wired to it."""

    id = fields.Int(dump_only=True)
    code = StationCode(required=True)
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    kind = fields.Str(required=True, validate=validate.OneOf(STATION_KINDS))
    warehouse_id = fields.Int(required=True, strict=True)
    scale_url = Url(metadata={"description": "e.g. /dev/ttyUSB0?baudrate=9600 or socket://10.0.0.5:4001"})
    scale_protocol = fields.Str(allow_none=True, metadata={"description": "mt-sics, toledo or xk3190"})
    scale_options = Options(metadata={"description": "Driver options (see `wms devices drivers`)"})
    printer_url = Url(metadata={"description": "e.g. tcp://10.0.0.7:9100"})
    printer_language = fields.Str(allow_none=True, metadata={"description": "zpl or tspl"})
    printer_options = Options()
    scanner_url = Url()
    scanner_options = Options()
    active = fields.Bool()
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)


class StationPatchSchema(StationSchema):
    """Fields of a station to change."""


class StationListArgsSchema(Schema):
    kind = fields.Str(load_default=None, validate=validate.OneOf(STATION_KINDS))
    warehouse_id = fields.Int(load_default=None)
    active = fields.Bool(load_default=None)


class ScaleArgsSchema(Schema):
    stable = fields.Bool(load_default=False, metadata={"description": "Wait for a stable weight"})
    timeout = Timeout(load_default=None, metadata={"description": "Seconds to wait at most (capped)"})


class HealthArgsSchema(Schema):
    timeout = Timeout(load_default=None, metadata={"description": "Seconds per device at most (capped)"})


class ScaleReadingSchema(Schema):
    """A weight: the value as a decimal string, never a float."""

    station = fields.Str()
    value = fields.Decimal(as_string=True)
    unit = fields.Str()
    stable = fields.Bool()
    net = fields.Bool()
    tare = fields.Decimal(as_string=True, allow_none=True)
    read_at = fields.DateTime()
    elapsed_ms = fields.Float()


class LotLabelSchema(Schema):
    gtin = fields.Str(required=True, validate=validate.Regexp(r"^\d{14}$"))
    lot = fields.Str(required=True, validate=validate.Length(min=1, max=20))
    expiry = fields.Date(required=True)
    description = fields.Str(load_default="", validate=validate.Length(max=200))
    quantity = fields.Str(load_default="", validate=validate.Length(max=40))
    received = fields.Date(load_default=None, allow_none=True)


class BinLabelSchema(Schema):
    location = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    zone = fields.Str(load_default="", validate=validate.Length(max=64))


class ShippingLabelSchema(Schema):
    tracking = fields.Str(required=True, validate=validate.Length(min=1, max=64))
    carrier = fields.Str(load_default="", validate=validate.Length(max=64))
    recipient_name = fields.Str(load_default="", validate=validate.Length(max=100))
    recipient_phone = fields.Str(load_default="", validate=validate.Length(max=40))
    recipient_address = fields.Str(load_default="", validate=validate.Length(max=400))
    order = fields.Str(load_default="", validate=validate.Length(max=64))


LABEL_DATA = {"lot": LotLabelSchema, "bin": BinLabelSchema, "shipping": ShippingLabelSchema}


class LabelRequestSchema(Schema):
    """A label to print: its kind and the data printed on it."""

    label = fields.Str(required=True, validate=validate.OneOf(sorted(LABEL_DATA)))
    data = fields.Dict(keys=fields.Str(), required=True)
    copies = fields.Int(load_default=1, strict=True, validate=validate.Range(min=1, max=50))

    @post_load
    def load_data(self, request, **kwargs):
        try:
            request["data"] = LABEL_DATA[request["label"]]().load(request["data"])
        except ValidationError as exc:
            raise ValidationError({"data": exc.messages}) from None
        return request


class PrintJobSchema(Schema):
    """A label in a station's print queue: queued, printing, printed, or failed with the
    printer's error (sent again with the station's next job or by a retry)."""

    id = fields.Int()
    station = fields.Str()
    label = fields.Str()
    document_type = fields.Str(allow_none=True)
    document_number = fields.Str(allow_none=True)
    state = fields.Str(validate=validate.OneOf([s.value for s in PrintJobState]))
    attempts = fields.Int()
    copies = fields.Int()
    language = fields.Str()
    printer_url = fields.Str(allow_none=True)
    bytes = fields.Int()
    sha256 = fields.Str()
    error_code = fields.Str(allow_none=True, metadata={"description": "The printer's error code at the last try"})
    error = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    printed_at = fields.DateTime(allow_none=True)


class PrintJobListArgsSchema(Schema):
    state = fields.Str(load_default=None, validate=validate.OneOf([s.value for s in PrintJobState]))


class DeviceHealthSchema(Schema):
    role = fields.Str()
    kind = fields.Str()
    url = fields.Str()
    ok = fields.Bool()
    code = fields.Str()
    message = fields.Str()
    latency_ms = fields.Float(allow_none=True)
    detail = fields.Dict()


class StationHealthSchema(Schema):
    station = fields.Str()
    ok = fields.Bool()
    devices = fields.List(fields.Nested(DeviceHealthSchema))


class DecodeArgsSchema(Schema):
    engine = fields.Str(load_default="pipeline", validate=validate.OneOf(sorted(ENGINES)))


class DecodedSchema(Schema):
    symbology = fields.Str(allow_none=True)
    aim = fields.Str(allow_none=True)
    text = fields.Str()
    gs1 = fields.Dict(allow_none=True, metadata={"description": "gtin, batch, expiry, serial, sscc, ..."})
    rect = fields.List(fields.Int())
    engine = fields.Str()


class DecodeResultSchema(Schema):
    codes = fields.List(fields.Nested(DecodedSchema))
    width = fields.Int()
    height = fields.Int()
    elapsed_ms = fields.Float()
