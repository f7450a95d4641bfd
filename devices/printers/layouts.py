"""Where things go on a waybill and a manifest list, once for both printer languages.

A layout draws on a *canvas* in millimetres: ``write(x, y, size, text)`` (``size`` is the
text height the layout wants; a printer with fixed fonts picks the nearer one),
``code128(x, y, height, data, *, main)`` (``main`` is the barcode a courier's scanner reads
first, drawn with wider modules where the language chooses them), ``rule(y)`` and
``frame()``. ``ZplLabel`` and ``TsplLabel`` are such canvases.
"""

from __future__ import annotations

from typing import Protocol

from .labels import ManifestList, WaybillLabel, validate_code128_text, wrap


class Canvas(Protocol):
    """What a layout draws with (millimetres from the top left corner)."""

    def write(self, x_mm: float, y_mm: float, size_mm: float, text: str) -> None: ...

    def code128(self, x_mm: float, y_mm: float, height_mm: float, data: str, *, main: bool = False) -> None: ...

    def rule(self, y_mm: float) -> None: ...

    def frame(self) -> None: ...


def draw_waybill(c: Canvas, label: WaybillLabel) -> None:
    """Electronic waybill (电子面单), 100x150 or 100x180 mm: courier, sorting code, tracking
    Code 128, recipient and sender as given (already masked), order number; the 180 mm roll
    adds the recipient's stub with the tracking barcode again."""
    validate_code128_text(label.tracking, "tracking number")
    height = label.mm[1]
    c.frame()
    c.write(4, 3, 6, label.courier)
    if label.sorting_code:
        c.write(4, 11, 9, label.sorting_code)
    c.rule(22)
    c.code128(6, 25, 20, label.tracking, main=True)
    c.rule(52)
    c.write(4, 55, 5, f"收 {label.recipient_name}  {label.recipient_phone}")
    for n, line in enumerate(wrap(label.recipient_address, 40)[:3]):
        c.write(9, 62 + 6 * n, 4, line)
    c.rule(82)
    c.write(4, 85, 4, f"寄 {label.sender_name}  {label.sender_phone}")
    for n, line in enumerate(wrap(label.sender_address, 44)[:2]):
        c.write(9, 91 + 5 * n, 3.5, line)
    c.rule(103)
    if label.order:
        c.write(4, 106, 4, f"订单 {label.order}")
    if height >= 180:
        c.rule(150)
        c.write(4, 153, 4, f"{label.courier}  {label.tracking}")
        c.code128(6, 159, 12, label.tracking)
        c.write(4, 175.5, 3.5, f"收 {label.recipient_name}  {label.recipient_phone}")


def manifest_height(manifest: ManifestList) -> int:
    """The list's length in millimetres: a header, one line per parcel, the driver."""
    return 40 + 6 * len(manifest.rows)


def draw_manifest(c: Canvas, manifest: ManifestList) -> None:
    """A handover manifest (交接单) as a list: one line per parcel, the recipient as given."""
    c.write(4, 3, 6, f"交接单 {manifest.number}")
    c.write(4, 11, 4, f"{manifest.courier}  {len(manifest.rows)}件  {manifest.total_weight}")
    c.rule(17)
    for n, row in enumerate(manifest.rows):
        c.write(4, 19 + 6 * n, 3.5, f"{n + 1:>3} {row.tracking}  {row.order}  {row.recipient}  {row.weight}")
    end = 20 + 6 * len(manifest.rows)
    c.rule(end)
    c.write(4, end + 3, 4, f"司机 {manifest.driver}")
