"""Label printers: ZPL II and TSPL builders and drivers."""

from .labels import BinLabel, LotLabel, ManifestList, ManifestRow, ShippingLabel, WaybillLabel
from .printer import LabelPrinter, PrinterStatus, TsplPrinter, ZplPrinter

__all__ = [
    "BinLabel",
    "LabelPrinter",
    "LotLabel",
    "ManifestList",
    "ManifestRow",
    "PrinterStatus",
    "ShippingLabel",
    "TsplPrinter",
    "WaybillLabel",
    "ZplPrinter",
]
