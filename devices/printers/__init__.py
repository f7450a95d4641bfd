"""Label printers: ZPL II and TSPL builders and drivers."""

from .labels import BinLabel, LotLabel, ShippingLabel
from .printer import LabelPrinter, PrinterStatus, TsplPrinter, ZplPrinter

__all__ = [
    "BinLabel",
    "LabelPrinter",
    "LotLabel",
    "PrinterStatus",
    "ShippingLabel",
    "TsplPrinter",
    "ZplPrinter",
]
