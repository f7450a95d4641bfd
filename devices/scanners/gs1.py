"""GS1 element strings parsed with biip: GTIN, batch/lot, dates, serial, SSCC, net weight.

biip reports problems as ``*_error`` strings; this module turns them into typed
errors (:class:`CheckDigitError`, :class:`GS1Error`) so a wrong check digit never
passes as data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import biip
from biip.gs1_messages import GS1Message

from ..errors import CheckDigitError, GS1Error
from ..weight import Weight

GS = "\x1d"  # FNC1 as a separator arrives as ASCII 29
# AI prefix -> unit for trade measures carried as weights
WEIGHT_AIS = {"310": "kg", "320": "lb", "330": "kg", "340": "lb"}


@dataclass(frozen=True)
class GS1Fields:
    """The fields of a GS1 barcode that a warehouse uses; everything else in ``elements``."""

    gtin: str | None = None
    batch: str | None = None
    expiry: dt.date | None = None
    best_before: dt.date | None = None
    production_date: dt.date | None = None
    serial: str | None = None
    sscc: str | None = None
    net_weight: Weight | None = None
    quantity: int | None = None
    elements: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return the fields as a JSON-ready mapping (dates ISO, weights as strings)."""
        out: dict = {}
        for name in ("gtin", "batch", "serial", "sscc", "quantity"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        for name in ("expiry", "best_before", "production_date"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat()
        if self.net_weight is not None:
            out["net_weight"] = self.net_weight.to_dict()
        out["elements"] = dict(self.elements)
        return out


def _check_errors(message) -> None:
    for es in message.element_strings:
        for attr in ("gtin_error", "sscc_error", "gln_error"):
            error = getattr(es, attr, None)
            if error:
                raise CheckDigitError(f"AI ({es.ai.ai}): {error}")


def fields_from_message(message) -> GS1Fields:
    """Build GS1Fields from a biip GS1Message."""
    _check_errors(message)
    values: dict = {"elements": {}}
    for es in message.element_strings:
        ai = es.ai.ai
        values["elements"][ai] = es.value
        if ai in ("01", "02"):
            values.setdefault("gtin", es.value)
        elif ai == "10":
            values["batch"] = es.value
        elif ai == "21":
            values["serial"] = es.value
        elif ai == "00":
            values["sscc"] = es.value
        elif ai == "17":
            values["expiry"] = es.date
        elif ai == "15":
            values["best_before"] = es.date
        elif ai == "11":
            values["production_date"] = es.date
        elif ai in ("30", "37"):
            values["quantity"] = int(es.value)
        elif ai[:3] in WEIGHT_AIS and len(ai) == 4 and es.decimal is not None:
            values["net_weight"] = Weight(Decimal(es.decimal), WEIGHT_AIS[ai[:3]])
    return GS1Fields(**values)


def parse_gs1(data: str, *, symbology_identifier: str | None = None) -> GS1Fields:
    """Parse a GS1 element string (FNC1 as GS) or HRI ``(01)...`` text into fields."""
    if not data:
        raise GS1Error("empty GS1 data")
    data = data.lstrip(GS)
    try:
        if data.startswith("("):
            message = GS1Message.parse_hri(data)
        else:
            value = (symbology_identifier or "") + data
            result = biip.parse(value)
            if result.gs1_message is None:
                if result.gtin is not None:  # EAN/UPC: a bare GTIN
                    return GS1Fields(gtin=result.gtin.value, elements={"01": result.gtin.value.zfill(14)})
                errors = [e for e in (result.gtin_error, result.sscc_error, result.gs1_message_error) if e]
                check = [e for e in errors if "check digit" in e.lower()]
                if check:
                    raise CheckDigitError(check[0])
                raise GS1Error(errors[0] if errors else "not a GS1 element string")
            message = result.gs1_message
    except biip.ParseError as exc:
        raise GS1Error(str(exc)) from None
    except (ValueError, TypeError, IndexError) as exc:  # inside biip: bad dates, numbers, a bare "]"
        raise GS1Error(f"unreadable GS1 data: {exc}") from None
    return fields_from_message(message)


def looks_like_gs1(data: str) -> bool:
    """True if ``data`` parses as GS1 with valid check digits (for codes read without AIM)."""
    if len(data) < 4 or not data[:2].isdigit():
        return False
    try:
        fields = parse_gs1(data)
    except GS1Error:
        return False
    return bool(fields.elements)
