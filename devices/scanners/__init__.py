"""Barcode scanning: serial scanners, AIM identifiers, GS1 parsing, camera decoding."""

from .aim import Symbology, split_aim
from .gs1 import GS1Fields, parse_gs1
from .scan import Scan, interpret
from .serial_scanner import SerialScanner

__all__ = ["GS1Fields", "Scan", "SerialScanner", "Symbology", "interpret", "parse_gs1", "split_aim"]
