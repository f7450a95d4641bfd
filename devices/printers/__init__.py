"""Label printers: ZPL II and TSPL builders and drivers."""

from .labels import BinLabel, LotLabel, ShippingLabel, mask_address, mask_name, mask_phone
from .printer import LabelPrinter, PrinterStatus, TsplPrinter, ZplPrinter

__all__ = [
    "BinLabel",
    "LabelPrinter",
    "LotLabel",
    "PrinterStatus",
    "ShippingLabel",
    "TsplPrinter",
    "ZplPrinter",
    "mask_address",
    "mask_name",
    "mask_phone",
]
