"""ZPL II label builders: lot (GS1-128), bin and shipping labels, waybills (电子面单) and
handover manifest lists, with Chinese text.

Text that is not ASCII is printed with a CJK font assigned by ``^CW1`` (``^CI28``
makes the field data UTF-8). Field data is escaped with ``^FH`` so ``^``, ``~`` and
``_`` in user text cannot start a command.
"""

from __future__ import annotations

from ..errors import LabelError
from .labels import (
    BinLabel,
    LotLabel,
    ManifestList,
    ShippingLabel,
    WaybillLabel,
    code128_modules,
    validate_code128_text,
    validate_lot_label,
)
from .layouts import draw_manifest, draw_waybill, manifest_height

DEFAULT_CJK_FONT = "E:SIMSUN.TTF"
STATUS_COMMAND = b"~HS"
QUIET_MODULES = 10


def escape(text: str) -> str:
    """Escape field data for ``^FH`` (underscore is the hex indicator)."""
    return text.replace("_", "_5F").replace("^", "_5E").replace("~", "_7E")


class ZplLabel:
    """Accumulates ZPL commands for one label."""

    def __init__(
        self,
        *,
        dpi: int = 203,
        width_mm: float = 100,
        height_mm: float = 60,
        cjk_font: str | None = DEFAULT_CJK_FONT,
    ):
        self.dots_per_mm = dpi / 25.4
        self.width = round(width_mm * self.dots_per_mm)
        self.height = round(height_mm * self.dots_per_mm)
        self.cjk_font = cjk_font
        self.body: list[str] = []
        self.uses_cjk = False

    def mm(self, value: float) -> int:
        """Millimetres to dots."""
        return round(value * self.dots_per_mm)

    def text(self, x_mm: float, y_mm: float, height_mm: float, text: str) -> None:
        """Add a line of text; non-ASCII text uses the CJK font."""
        h = self.mm(height_mm)
        if text.isascii():
            font = f"^A0N,{h},{h}"
        else:
            if not self.cjk_font:
                raise LabelError("text is not ASCII and no CJK font is configured")
            self.uses_cjk = True
            font = f"^A1N,{h},{h}"
        self.body.append(f"^FO{self.mm(x_mm)},{self.mm(y_mm)}{font}^FH^FD{escape(text)}^FS")

    def code128(
        self, x_mm: float, y_mm: float, height_mm: float, data: str, *, gs1: bool = False, fnc1: int = 0,
        main: bool = False,
    ) -> None:
        """Add a Code 128 (``gs1``: GS1-128 in mode D, data as ``(AI)value``) that must fit; the
        widest modules that fit are chosen, so a layout's ``main`` changes nothing here."""
        plain = data.replace("(", "").replace(")", "") if gs1 else data
        modules = code128_modules(plain, fnc1_positions=1 + fnc1 if gs1 else 0) + 2 * QUIET_MODULES
        room = self.width - self.mm(x_mm)
        for module in (3, 2, 1):
            if modules * module <= room:
                break
        else:
            raise LabelError(f"barcode {data!r} does not fit the label width")
        if module == 1 and self.dots_per_mm < 10:
            raise LabelError(f"barcode {data!r} would need 1-dot modules: too dense to scan")
        mode = "D" if gs1 else "N"
        h = self.mm(height_mm)
        self.body.append(f"^FO{self.mm(x_mm)},{self.mm(y_mm)}^BY{module}^BCN,{h},Y,N,N,{mode}^FD{data}^FS")

    def write(self, x_mm: float, y_mm: float, size_mm: float, text: str) -> None:
        """A layout's text (``layouts.Canvas``): ZPL scales its fonts to any height."""
        self.text(x_mm, y_mm, size_mm, text)

    def frame(self) -> None:
        """A layout's border: ZPL waybills are drawn without one."""

    def rule(self, y_mm: float, thickness_mm: float = 0.5) -> None:
        """Add a horizontal line across the label (a box of one thickness)."""
        t = max(1, self.mm(thickness_mm))
        self.body.append(f"^FO0,{self.mm(y_mm)}^GB{self.width},{t},{t}^FS")

    def build(self) -> bytes:
        """Return the whole label as UTF-8 bytes."""
        head = ["^XA", "^CI28", f"^PW{self.width}", f"^LL{self.height}"]
        if self.uses_cjk:
            head.append(f"^CW1,{self.cjk_font}")
        return ("".join(head) + "\n" + "\n".join(self.body) + "\n^XZ\n").encode("utf-8")


def lot_label(label: LotLabel, **options) -> bytes:
    """Receiving / lot label with GS1-128 (01) GTIN, (17) expiry, (10) lot."""
    validate_lot_label(label)
    z = ZplLabel(**options)
    if label.description:
        z.text(4, 3, 5, label.description)
    z.text(4, 10, 4, f"LOT {label.lot}  EXP {label.expiry:%Y-%m-%d}")
    if label.quantity:
        z.text(4, 16, 4, f"QTY {label.quantity}")
    z.code128(4, 23, 18, label.gs1_hri(), gs1=True)
    if label.received:
        z.text(4, 51, 3, f"RCV {label.received:%Y-%m-%d}")
    return z.build()


def bin_label(label: BinLabel, **options) -> bytes:
    """Location label: large location code and its Code 128."""
    validate_code128_text(label.location, "location")
    z = ZplLabel(**options)
    z.text(4, 3, 10, label.location)
    if label.zone:
        z.text(4, 15, 5, label.zone)
    z.code128(4, 24, 20, label.location)
    return z.build()


def plain_shipping_label(label: ShippingLabel, **options) -> bytes:
    """Shipping label: carrier, tracking Code 128, recipient name/phone/address as given."""
    validate_code128_text(label.tracking, "tracking number")
    z = ZplLabel(**options)
    z.text(4, 3, 5, label.carrier)
    z.code128(4, 10, 18, label.tracking)
    z.text(4, 33, 4, f"{label.recipient_name}  {label.recipient_phone}")
    z.text(4, 39, 4, label.recipient_address)
    if label.order:
        z.text(4, 46, 3, f"ORDER {label.order}")
    return z.build()


def shipping_label(label: ShippingLabel | WaybillLabel, **options) -> bytes:
    """The parcel's label: the waybill layout when the order has a waybill, else the plain one."""
    if isinstance(label, WaybillLabel):
        return waybill_label(label, **options)
    return plain_shipping_label(label, **options)


def waybill_label(label: WaybillLabel, **options) -> bytes:
    """Electronic waybill (电子面单) in ZPL: the shared layout (``layouts.draw_waybill``)."""
    width, height = label.mm
    z = ZplLabel(**{**options, "width_mm": width, "height_mm": height})
    draw_waybill(z, label)
    return z.build()


def manifest_list(manifest: ManifestList, **options) -> bytes:
    """A handover manifest (交接单) list in ZPL: the shared layout (``layouts.draw_manifest``)."""
    z = ZplLabel(**{"height_mm": manifest_height(manifest), **options})
    draw_manifest(z, manifest)
    return z.build()
