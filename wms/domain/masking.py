"""The one masking rule for personal data (recipients', customers' and senders' names,
phones and addresses), used by every page, label, export and report of the product.

Pure functions: what a name, a phone number, an address or a free text quoting them looks
like once masked (张三丰 -> 张**, 13800138000 -> 138****8000).
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def mask_name(name: str | None) -> str:
    """张三丰 -> 张**: the family name stays, the rest is hidden."""
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_phone(phone: str | None) -> str:
    """13800138000 -> 138****8000; short numbers keep only the last two digits."""
    if not phone:
        return ""
    digits = phone.strip()
    if len(digits) > 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(1, len(digits) - 2) + digits[-2:]


#: What a phone number looks like in a free text: a mobile number, also written in groups
#: (138 0013 8000, +86 138-0013-8000), a landline with its area code (0571-88881234), or any
#: run of 7 to 15 digits; never part of a longer code (SO-20261101, a date).
_PHONE_LIKE = re.compile(
    r"(?<![0-9A-Za-z-])(?:"
    r"(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}"
    r"|0\d{2,3}[ -]\d{7,8}"
    r"|\+?\d{7,15}"
    r")(?![0-9A-Za-z-])")


def masked_text(text: str | None, names: Iterable[str] = ()) -> str:
    """A free text (a hold's reason, a clerk's note) with the personal data it may quote masked
    by the one rule: the named people's names (``mask_name``) and anything shaped like a phone
    number (``mask_phone``)."""
    if not text:
        return text or ""
    for name in sorted({n for n in names if n}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


def mask_address(address: str | None, keep: int = 6) -> str:
    """Keep the province/city part a courier needs to sort; hide the street and number."""
    if not address:
        return ""
    if len(address) <= keep:
        return address[: max(1, len(address) // 2)] + "****"
    return address[:keep] + "****"
