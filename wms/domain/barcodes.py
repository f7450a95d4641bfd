"""GS1 barcodes, read with biip: check digits of GTINs and element strings (GTIN, lot, expiry).

The one place in ``wms`` that knows GS1 (devices/ uses biip on its own, as it may not
import wms). A scan may be a bare GTIN, a GS1 element string as the scanner sends it
(FNC1 as ASCII 29, with or without its AIM symbology identifier such as ``]C1``), or
the human-readable form ``(01)...(10)...(17)...``. A GTIN, SSCC or GLN whose check digit
is wrong is a misread and raises ``CheckDigitWrong``: it never passes as data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import biip
from biip.checksums import gs1_standard_check_digit
from biip.gs1_messages import GS1Message
from biip.gtin import Gtin

from wms.errors import CheckDigitWrong

GS = "\x1d"  # FNC1 as a separator arrives as ASCII 29
GTIN_LENGTHS = (8, 12, 13, 14)


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for the digits that precede it."""
    return gs1_standard_check_digit(digits)


def with_check_digit(body: str) -> str:
    """Append the GS1 check digit to a GTIN body."""
    return body + str(gs1_check_digit(body))


def _gtin_shaped(code: str) -> bool:
    return len(code) in GTIN_LENGTHS and code.isascii() and code.isdigit()


def is_valid_gtin(code: str) -> bool:
    """True for an 8, 12, 13 or 14 digit GTIN whose check digit is right."""
    if not _gtin_shaped(code):
        return False
    try:
        Gtin.parse(code)
    except biip.ParseError:
        return False
    return True


@dataclass(frozen=True)
class GS1Scan:
    """What a GS1 scan carries for receiving: the GTIN and, if present, batch (AI 10) and expiry (AI 17)."""

    gtin: str  # as carried, 14 digits in an element string
    batch: str | None = None
    expiry_date: date | None = None

    def gtin_forms(self) -> set[str]:
        """The GTIN as 14, 13, 12 and 8 digits, where it has that form: how an item master may hold it."""
        gtin = Gtin.parse(self.gtin)
        forms = {self.gtin}
        for convert in (gtin.as_gtin_14, gtin.as_gtin_13, gtin.as_gtin_12, gtin.as_gtin_8):
            try:
                forms.add(convert())
            except biip.EncodeError:  # a GTIN-14 with a packaging level has no shorter form
                continue
        return forms


def parse_gs1(code: str) -> GS1Scan | None:
    """The GTIN, batch and expiry of a GS1 scan; None when it is no GS1 code or carries no GTIN.

    Raises ``CheckDigitWrong`` when a GTIN, SSCC or GLN in it has a wrong check digit.
    """
    code = code.strip().lstrip(GS)
    if not code:
        return None
    if _gtin_shaped(code):
        if not is_valid_gtin(code):
            raise _wrong_check_digit(code, f"The check digit of GTIN {code} is wrong.")
        return GS1Scan(code)
    message = _message(code)
    if message is None:
        return None
    gtin, batch, expiry = None, None, None
    for element in message.element_strings:
        error = element.gtin_error or element.sscc_error or element.gln_error
        if error:
            raise _wrong_check_digit(code, f"AI ({element.ai.ai}): {error}", ai=element.ai.ai)
        if element.ai.ai == "01" and element.gtin is not None:
            gtin = element.gtin.value
        elif element.ai.ai == "10":
            batch = element.value
        elif element.ai.ai == "17" and element.date is not None:
            expiry = element.date
    return GS1Scan(gtin, batch, expiry) if gtin is not None else None


def _message(code: str) -> GS1Message | None:
    try:
        if code.startswith("("):
            return GS1Message.parse_hri(code)
        return biip.parse(code).gs1_message
    except biip.ParseError:
        return None
    except (ValueError, TypeError, IndexError):  # inside biip: bad dates, numbers, a bare "]"
        return None


def _wrong_check_digit(code: str, message: str, **details) -> CheckDigitWrong:
    return CheckDigitWrong(message, code=code[:200], **details)
