"""Courier rules that need no database: the preset couriers, what a tracking number of
each looks like, the numbers the local waybill provider issues, and how a recipient's
address is split for a waybill provider.

A courier's ``tracking_pattern`` is a regular expression a tracking number must match
whole (``re.fullmatch``: it is anchored at both ends whatever it is written as). The
presets' patterns are the number shapes the couriers print on their waybills; the
sources and readings are in docs/shipping.md ("Couriers").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from wms.errors import InvalidInput, TrackingNumberInvalid, UnknownCourier, WaybillMismatch

#: The waybill providers a courier may name (``wms.services.waybills``).
PROVIDERS = ("local", "kdniao")

#: Longest pattern accepted (the column is 200 characters).
PATTERN_MAX_LENGTH = 200


class CourierLike(Protocol):
    code: str
    tracking_pattern: str
    active: bool


@dataclass(frozen=True)
class CourierPreset:
    """One of the couriers every install knows, with its number shape and provider codes."""

    code: str
    name_zh: str
    name_en: str
    tracking_pattern: str
    # the local provider's numbers: prefix + running number, zero-padded to ``digits``
    local_prefix: str
    local_digits: int
    # the courier's code at Kdniao (ShipperCode)
    kdniao_shipper_code: str
    settings: dict[str, Any] = field(default_factory=dict)

    def waybill_settings(self) -> dict[str, Any]:
        """The settings a new preset courier starts with (local provider)."""
        return {"local": {"prefix": self.local_prefix, "digits": self.local_digits},
                "kdniao": {"shipper_code": self.kdniao_shipper_code}}


#: The eight couriers of Chinese e-commerce parcels; ``wms couriers preset`` and the demo
#: create them. Patterns: see docs/shipping.md for where each shape comes from.
PRESETS: tuple[CourierPreset, ...] = (
    CourierPreset("SF", "顺丰速运", "SF Express", r"^SF\d{13}$", "SF", 13, "SF"),
    CourierPreset("ZTO", "中通快递", "ZTO Express", r"^\d{12}(\d{2})?$", "7", 13, "ZTO"),
    CourierPreset("YTO", "圆通速递", "YTO Express", r"^YT\d{13}$", "YT", 13, "YTO"),
    CourierPreset("STO", "申通快递", "STO Express", r"^\d{12,15}$", "77", 13, "STO"),
    CourierPreset("YUNDA", "韵达快递", "Yunda Express", r"^\d{13}(\d{2})?$", "43", 11, "YD"),
    CourierPreset("JT", "极兔速递", "J&T Express", r"^JT\d{13}$", "JT", 13, "JTSD"),
    CourierPreset("EMS", "中国邮政EMS", "China Post EMS", r"^(1\d{12}|[A-Z]{2}\d{9}[A-Z]{2})$", "1", 12, "EMS"),
    CourierPreset("JD", "京东快递", "JD Logistics", r"^JD[0-9A-Z]{2}\d{11}$", "JDVA", 11, "JD"),
)

PRESET_BY_CODE = {p.code: p for p in PRESETS}


def normalise_code(code: str) -> str:
    """A courier code as stored: trimmed, upper case (``sf`` and ``SF`` are one courier)."""
    return code.strip().upper()


def pattern_problem(pattern: str) -> str | None:
    """Why ``pattern`` cannot be a tracking-number pattern, or None when it can."""
    if not pattern or not pattern.strip():
        return "empty"
    if len(pattern) > PATTERN_MAX_LENGTH:
        return f"longer than {PATTERN_MAX_LENGTH} characters"
    try:
        re.compile(pattern)
    except re.error as exc:
        return f"not a regular expression: {exc}"
    return None


def fits_pattern(pattern: str, number: str) -> bool:
    """True when ``number`` matches ``pattern`` whole."""
    return re.fullmatch(pattern, number) is not None


def check_courier_usable(courier: CourierLike | None, code: str) -> CourierLike:
    """The courier a shipment may name: one that exists and is active (``unknown_courier``)."""
    if courier is None or not courier.active:
        raise UnknownCourier(code=code)
    return courier


def check_tracking_number(courier: CourierLike, number: str) -> None:
    """A tracking number must fit its courier's pattern (``tracking_number_invalid``)."""
    if not fits_pattern(courier.tracking_pattern, number):
        raise TrackingNumberInvalid(courier=courier.code, tracking_number=number,
                                    pattern=courier.tracking_pattern)


def handover_from_waybill(waybill_courier: str, waybill_number: str, carrier: str | None,
                          tracking_number: str | None) -> tuple[str, str]:
    """The courier and number a shipment with an electronic waybill is handed over with.

    Omitted ones are the waybill's; given ones must equal it (``waybill_mismatch``): the
    parcel carries the waybill's label, so it cannot leave under another number.
    """
    if carrier and normalise_code(carrier) != waybill_courier:
        raise WaybillMismatch(courier=waybill_courier, tracking_number=waybill_number, given=carrier)
    if tracking_number and tracking_number != waybill_number:
        raise WaybillMismatch(courier=waybill_courier, tracking_number=waybill_number, given=tracking_number)
    return waybill_courier, waybill_number


def local_tracking_number(courier: CourierLike, settings: dict[str, Any], counter: int) -> str:
    """The local provider's ``counter``-th number for ``courier``: prefix + zero-padded number.

    It must fit the courier's pattern; settings that cannot give such a number are refused.
    """
    local = settings.get("local") or {}
    prefix, digits = str(local.get("prefix", "")), local.get("digits")
    if not isinstance(digits, int) or digits < 1 or counter >= 10**digits:
        raise InvalidInput("The courier's local waybill settings give no number.", courier=courier.code,
                           waybill_settings=["local needs prefix and digits"])
    number = f"{prefix}{counter:0{digits}d}"
    check_tracking_number(courier, number)
    return number


_MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
_ADDRESS = re.compile(
    r"^(?P<province>(?:北京|天津|上海|重庆)市?|.+?(?:省|自治区|特别行政区))"
    r"(?P<city>.+?(?:自治州|地区|盟|市))?"
    r"(?P<area>.+?(?:区|县|旗|市))?"
    r"(?P<rest>.*)$"
)


@dataclass(frozen=True)
class AddressParts:
    """A Chinese address as waybill providers take it: province, city, district, the rest."""

    province: str
    city: str
    area: str
    detail: str


def split_address(address: str) -> AddressParts:
    """Split ``浙江省杭州市西湖区文三路1号`` into province, city, district and street.

    **Reading**: the order keeps the address as one line (as shops export it); providers
    want it in parts. A municipality (北京, 天津, 上海, 重庆) is its own city. What the
    pattern cannot split stays whole in ``detail``.
    """
    text = (address or "").strip()
    found = _ADDRESS.match(text)
    if not found or not found.group("province"):
        return AddressParts("", "", "", text)
    province = found.group("province")
    city, area, rest = found.group("city") or "", found.group("area") or "", found.group("rest") or ""
    if province.rstrip("市") in _MUNICIPALITIES:
        city = city or province
    return AddressParts(province, city, area, rest or text)
