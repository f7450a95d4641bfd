"""Label contents shared by the ZPL and TSPL builders.

A label prints what it is given. Shipping labels leave the warehouse on parcels, so the
caller gives the recipient's name, phone number and address already masked (the WMS
masks them once, with its own rules); the builders do not mask again.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from biip.checksums import gs1_standard_check_digit

from ..errors import LabelError

# GS1 AI encodable character set 82 (what AI 10 and 21 may hold).
GS1_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]*$")


@dataclass(frozen=True)
class LotLabel:
    """Receiving / lot label: item, GTIN, lot and expiry as GS1-128."""

    gtin: str
    lot: str
    expiry: dt.date
    description: str = ""
    quantity: str = ""
    received: dt.date | None = None

    def gs1_hri(self) -> str:
        """The GS1 element string in human-readable form: (01)...(17)...(10)..."""
        return f"(01){self.gtin}(17){self.expiry:%y%m%d}(10){self.lot}"


@dataclass(frozen=True)
class BinLabel:
    """Location (bin) label: the location code as Code 128 and large text."""

    location: str
    zone: str = ""


@dataclass(frozen=True)
class ShippingLabel:
    """Shipping label: carrier, tracking barcode, and the recipient as given (already masked)."""

    tracking: str
    carrier: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    order: str = ""


#: Waybill (电子面单) sizes in millimetres: the two rolls couriers issue.
WAYBILL_SIZES = {"100x150": (100, 150), "100x180": (100, 180)}


@dataclass(frozen=True)
class WaybillLabel:
    """An electronic waybill (电子面单): courier, tracking barcode, sorting code, recipient and
    sender as given (already masked), the order number; ``size`` is one of WAYBILL_SIZES."""

    courier: str
    tracking: str
    recipient_name: str
    recipient_phone: str
    recipient_address: str
    sender_name: str = ""
    sender_phone: str = ""
    sender_address: str = ""
    sorting_code: str = ""
    order: str = ""
    size: str = "100x150"

    @property
    def mm(self) -> tuple[int, int]:
        """Width and height in millimetres (LabelError for a size couriers do not issue)."""
        if self.size not in WAYBILL_SIZES:
            raise LabelError(f"waybill size must be one of {sorted(WAYBILL_SIZES)}")
        return WAYBILL_SIZES[self.size]


@dataclass(frozen=True)
class ManifestRow:
    """One parcel on a handover manifest, the recipient as given (already masked)."""

    tracking: str
    order: str
    recipient: str
    weight: str


@dataclass(frozen=True)
class ManifestList:
    """A handover manifest (交接单) printed as a list: number, courier, parcels, totals."""

    number: str
    courier: str
    rows: tuple[ManifestRow, ...]
    total_weight: str = ""
    driver: str = ""


def wrap(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` columns (a CJK character is two)."""
    lines, line, used = [], "", 0
    for char in text:
        cols = 1 if char.isascii() else 2
        if used + cols > width and line:
            lines.append(line)
            line, used = "", 0
        line += char
        used += cols
    if line:
        lines.append(line)
    return lines or [""]


def validate_lot_label(label: LotLabel) -> None:
    """Raise LabelError unless the GTIN check digit and lot characters are valid."""
    if not (label.gtin.isascii() and label.gtin.isdigit() and len(label.gtin) == 14):
        raise LabelError("GTIN must be 14 digits")
    if gs1_standard_check_digit(label.gtin[:-1]) != int(label.gtin[-1]):
        raise LabelError(f"GTIN {label.gtin} has a wrong check digit")
    if not label.lot or len(label.lot) > 20 or not GS1_CSET82.match(label.lot):
        raise LabelError("lot must be 1-20 characters of GS1 set 82")


def validate_code128_text(text: str, what: str) -> None:
    """Raise LabelError unless ``text`` is printable ASCII that Code 128 can carry."""
    if not text or not all(32 <= ord(c) < 127 for c in text) or any(c in "^~" for c in text):
        raise LabelError(f"{what} must be printable ASCII without ^ or ~")


def code128_modules(data: str, fnc1_positions: int = 0) -> int:
    """Width of a Code 128 symbol in modules (start, data, check, stop; no quiet zones).

    Counts runs of 4+ digits in subset C (two digits per symbol) as printers' auto
    mode does; an estimate good to a symbol or two, used to check a label fits.
    """
    symbols = 0
    for run in re.findall(r"\d{4,}|\D+|\d{1,3}", data):
        if run.isdigit() and len(run) >= 4:
            symbols += len(run) // 2 + len(run) % 2 + 1  # +1 code switch, odd digit in B
        else:
            symbols += len(run) + 1
    symbols += fnc1_positions
    return 11 * (symbols + 2) + 13  # start + check, stop is 13
