"""TSPL label builders (TSC and most Chinese desktop printers); jobs are GBK bytes.

Lot, bin and shipping labels, waybills (电子面单) and handover manifest lists.

Chinese text uses the built-in Simplified Chinese font ``TSS24.BF2`` and is sent
GBK-encoded; Latin text uses built-in font ``3``. Lines end with CR LF.
"""

from __future__ import annotations

from ..errors import LabelError
from .labels import (
    BinLabel,
    LotLabel,
    ManifestList,
    ShippingLabel,
    WaybillLabel,
    validate_code128_text,
    validate_lot_label,
)
from .layouts import draw_manifest, draw_waybill, manifest_height

STATUS_COMMAND = b"\x1b!?"
# Status byte bits for ESC !? (TSPL programming manual).
STATUS_BITS = {
    0x01: "head_open",
    0x02: "paper_jam",
    0x04: "paper_out",
    0x08: "ribbon_out",
    0x10: "paused",
    0x20: "printing",
    0x80: "other_error",
}


def quote(text: str) -> str:
    """Quote a TSPL string argument (a double quote is written as ``\\["]``)."""
    return '"' + text.replace('"', '\\["]') + '"'


class TsplLabel:
    """Accumulates TSPL commands for one label."""

    def __init__(self, *, dpi: int = 203, width_mm: float = 100, height_mm: float = 60, gap_mm: float = 2):
        self.dots_per_mm = dpi / 25.4
        self.width_mm, self.height_mm = width_mm, height_mm
        self.width = round(width_mm * self.dots_per_mm)
        self.lines = [
            f"SIZE {width_mm:g} mm,{height_mm:g} mm",
            f"GAP {gap_mm:g} mm,0 mm",
            "DIRECTION 1",
            "CLS",
        ]

    def mm(self, value: float) -> int:
        """Millimetres to dots."""
        return round(value * self.dots_per_mm)

    def text(self, x_mm: float, y_mm: float, text: str, *, large: bool = False) -> None:
        """Add text; non-ASCII text uses the built-in Chinese font TSS24.BF2."""
        font = ("TSS24.BF2" if large else "TSS16.BF2") if not text.isascii() else ("4" if large else "3")
        self.lines.append(f"TEXT {self.mm(x_mm)},{self.mm(y_mm)},{quote(font)},0,1,1,{quote(text)}")

    def barcode(self, x_mm: float, y_mm: float, height_mm: float, data: str, *, kind: str = "128",
                narrow: int = 2, wide: int = 4) -> None:
        """Add a linear barcode with human-readable text under it (``narrow``: module in dots)."""
        self.lines.append(
            f"BARCODE {self.mm(x_mm)},{self.mm(y_mm)},{quote(kind)},{self.mm(height_mm)},"
            f"1,0,{narrow},{wide},{quote(data)}"
        )

    def write(self, x_mm: float, y_mm: float, size_mm: float, text: str) -> None:
        """A layout's text (``layouts.Canvas``): the large font from 5 mm up, else the small."""
        self.text(x_mm, y_mm, text, large=size_mm >= 5)

    def code128(self, x_mm: float, y_mm: float, height_mm: float, data: str, *, main: bool = False) -> None:
        """A layout's Code 128: the main one with 3-dot modules, others with 2."""
        if main:
            self.barcode(x_mm, y_mm, height_mm, data, narrow=3, wide=6)
        else:
            self.barcode(x_mm, y_mm, height_mm, data)

    def frame(self) -> None:
        """A layout's border, 1 mm inside the label's edge."""
        self.box(1, 1, self.width_mm - 1, self.height_mm - 1)

    def rule(self, y_mm: float, thickness_mm: float = 0.5) -> None:
        """Add a horizontal line across the label (``BAR``)."""
        self.lines.append(f"BAR 0,{self.mm(y_mm)},{self.width},{max(1, self.mm(thickness_mm))}")

    def box(self, x_mm: float, y_mm: float, x_end_mm: float, y_end_mm: float, thickness_mm: float = 0.5) -> None:
        """Add a rectangle (``BOX``)."""
        self.lines.append(f"BOX {self.mm(x_mm)},{self.mm(y_mm)},{self.mm(x_end_mm)},{self.mm(y_end_mm)},"
                          f"{max(1, self.mm(thickness_mm))}")

    def build(self, copies: int = 1) -> bytes:
        """Return the job as GBK bytes ending with PRINT."""
        text = "\r\n".join([*self.lines, f"PRINT 1,{copies}"]) + "\r\n"
        try:
            return text.encode("gbk")
        except UnicodeEncodeError as exc:
            raise LabelError(f"text cannot be sent in GBK: {exc.object[exc.start : exc.end]!r}") from None


def lot_label(label: LotLabel, **options) -> bytes:
    """Receiving / lot label with GS1-128 (type EAN128) of GTIN, expiry and lot."""
    validate_lot_label(label)
    t = TsplLabel(**options)
    if label.description:
        t.text(4, 3, label.description, large=True)
    t.text(4, 10, f"LOT {label.lot}  EXP {label.expiry:%Y-%m-%d}")
    if label.quantity:
        t.text(4, 16, f"QTY {label.quantity}")
    t.barcode(4, 23, 18, label.gs1_hri(), kind="EAN128")
    return t.build()


def bin_label(label: BinLabel, **options) -> bytes:
    """Location label: location code as text and Code 128."""
    validate_code128_text(label.location, "location")
    t = TsplLabel(**options)
    t.text(4, 3, label.location, large=True)
    if label.zone:
        t.text(4, 15, label.zone)
    t.barcode(4, 24, 20, label.location)
    return t.build()


def shipping_label(label: ShippingLabel | WaybillLabel, **options) -> bytes:
    """The parcel's label: the waybill layout when the order has a waybill, else the plain one."""
    if isinstance(label, WaybillLabel):
        return waybill_label(label, **options)
    return plain_shipping_label(label, **options)


def waybill_label(label: WaybillLabel, **options) -> bytes:
    """Electronic waybill (电子面单) in TSPL: the shared layout (``layouts.draw_waybill``)."""
    width, height = label.mm
    t = TsplLabel(**{**options, "width_mm": width, "height_mm": height})
    draw_waybill(t, label)
    return t.build()


def manifest_list(manifest: ManifestList, **options) -> bytes:
    """A handover manifest (交接单) list in TSPL: the shared layout (``layouts.draw_manifest``)."""
    t = TsplLabel(**{"height_mm": manifest_height(manifest), **options})
    draw_manifest(t, manifest)
    return t.build()


def plain_shipping_label(label: ShippingLabel, **options) -> bytes:
    """Shipping label: carrier, tracking Code 128, recipient as given."""
    validate_code128_text(label.tracking, "tracking number")
    t = TsplLabel(**options)
    t.text(4, 3, label.carrier, large=True)
    t.barcode(4, 10, 18, label.tracking)
    t.text(4, 33, f"{label.recipient_name}  {label.recipient_phone}")
    t.text(4, 39, label.recipient_address)
    if label.order:
        t.text(4, 46, f"ORDER {label.order}")
    return t.build()


def parse_status_byte(value: int) -> dict:
    """Decode the ``ESC !?`` status byte into named flags."""
    return {name: bool(value & bit) for bit, name in STATUS_BITS.items()}
