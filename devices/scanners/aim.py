"""AIM symbology identifiers (``]Cm``): which symbology a scanner read, and whether GS1."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Symbology:
    """A symbology as named by its AIM identifier."""

    aim: str
    name: str
    gs1: bool = False


KNOWN = {
    "]C0": Symbology("]C0", "code128"),
    "]C1": Symbology("]C1", "gs1-128", gs1=True),
    "]d1": Symbology("]d1", "datamatrix"),
    "]d2": Symbology("]d2", "gs1-datamatrix", gs1=True),
    "]Q1": Symbology("]Q1", "qrcode"),
    "]Q3": Symbology("]Q3", "gs1-qrcode", gs1=True),
    "]E0": Symbology("]E0", "ean13"),
    "]E4": Symbology("]E4", "ean8"),
    "]e0": Symbology("]e0", "gs1-databar", gs1=True),
    "]I0": Symbology("]I0", "itf"),
    "]I1": Symbology("]I1", "itf14"),
    "]A0": Symbology("]A0", "code39"),
    "]G0": Symbology("]G0", "code93"),
    "]F0": Symbology("]F0", "codabar"),
    "]L0": Symbology("]L0", "pdf417"),
}
# Identifier families whose modifier we do not list still name the symbology.
FAMILIES = {
    "C": "code128",
    "d": "datamatrix",
    "Q": "qrcode",
    "E": "ean",
    "e": "gs1-databar",
    "I": "itf",
    "A": "code39",
    "G": "code93",
    "F": "codabar",
    "L": "pdf417",
    "X": "other",
}


def split_aim(text: str) -> tuple[Symbology | None, str]:
    """Split a leading ``]Xm`` identifier off ``text``; (None, text) if there is none."""
    if len(text) >= 3 and text[0] == "]" and text[1] in FAMILIES:
        aim = text[:3]
        sym = KNOWN.get(aim) or Symbology(aim, FAMILIES[text[1]])
        return sym, text[3:]
    return None, text
