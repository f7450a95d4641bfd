"""What a scan is once read: text, symbology, and GS1 fields when the code is GS1."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import GS1Error
from .aim import Symbology, split_aim
from .gs1 import GS1Fields, parse_gs1

GTIN_SYMBOLOGIES = ("ean13", "ean8", "upca", "upce")


@dataclass(frozen=True)
class Scan:
    """One barcode read, by a scanner or from a camera image."""

    text: str
    symbology: str | None = None
    aim: str | None = None
    gs1: GS1Fields | None = None

    def to_dict(self) -> dict:
        """Return the scan as a JSON-ready mapping."""
        return {
            "symbology": self.symbology,
            "aim": self.aim,
            "text": self.text,
            "gs1": None if self.gs1 is None else self.gs1.to_dict(),
        }


def interpret(text: str, symbology: Symbology | None = None) -> Scan:
    """Build a Scan: GS1 symbologies and EAN/UPC are parsed, check digits enforced.

    Raises CheckDigitError/GS1Error when a GS1 code is damaged: a misread must not
    reach the caller as a code.
    """
    if symbology is None:
        symbology, text = split_aim(text)
    gs1 = None
    if symbology is not None and symbology.gs1:
        gs1 = parse_gs1(text, symbology_identifier=symbology.aim)
    elif symbology is not None and symbology.name in GTIN_SYMBOLOGIES + ("ean",):
        if not text.isdigit():
            raise GS1Error(f"{symbology.name} data must be digits", data=text.encode())
        gs1 = parse_gs1(
            text.zfill(13) if len(text) == 12 else text,
            symbology_identifier="]E0" if len(text) != 8 else "]E4",
        )
    return Scan(text, symbology.name if symbology else None, symbology.aim if symbology else None, gs1)
