"""The ``kdniao`` waybill provider: 快递鸟 (Kdniao) electronic waybill API, request type 1007.

Written against Kdniao's public documentation of ``EOrderService``:

- an HTTP POST of a form: ``RequestData`` (the request, JSON), ``EBusinessID`` (the
  account), ``RequestType`` ``1007``, ``DataSign`` and ``DataType`` ``2`` (JSON);
- ``DataSign`` is base64 of the lower-case hex MD5 of ``RequestData + AppKey``, URL-encoded
  (the form encoding does that once);
- the reply is JSON: ``Success``, ``ResultCode`` (``100`` issued; ``106`` the order code
  was issued before, answered with the same waybill), ``Reason`` and ``Order``:
  ``OrderCode``, ``LogisticCode`` (the tracking number), ``KDNOrderCode`` (Kdniao's own
  order id) and ``MarkDestination`` / ``SortingCode`` (the routing code printed big on
  the label, 大头笔).

Our order number is the ``OrderCode``: Kdniao refuses a second waybill for an order code
and answers it with the first, so a retry after a timeout gets the same number.

The request carries the recipient's name, phone and address because the courier prints
them; neither the request nor the reply is ever logged.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from typing import Any

import requests

from wms.errors import WaybillProviderRefused, WaybillProviderUnavailable
from wms.services.waybills.base import IssuedWaybill, WaybillRequest

log = logging.getLogger(__name__)

#: Kdniao's production endpoint of the electronic waybill service.
DEFAULT_URL = "https://api.kdniao.com/api/EOrderService"
REQUEST_TYPE = "1007"
#: Result codes that carry a waybill: issued now, or issued before for this order code.
ISSUED_CODES = {"100", "106"}


def data_sign(request_data: str, app_key: str) -> str:
    """``DataSign`` before its URL-encoding: base64(md5-hex(RequestData + AppKey))."""
    digest = hashlib.md5((request_data + app_key).encode("utf-8")).hexdigest()
    return base64.b64encode(digest.encode("ascii")).decode("ascii")


class KdniaoProvider:
    """Kdniao's EOrderService, called outside any database transaction."""

    name = "kdniao"
    in_database = False

    def __init__(self, *, url: str, ebusiness_id: str | None, app_key: str | None, timeout: float,
                 retry_after: int) -> None:
        self.url, self.ebusiness_id, self.app_key = url, ebusiness_id, app_key
        self.timeout, self.retry_after = timeout, retry_after

    def request_data(self, request: WaybillRequest) -> dict[str, Any]:
        """The ``RequestData`` JSON of request type 1007 for one parcel."""
        settings = request.settings
        sender = settings.get("sender") or {}
        address = request.recipient_address
        data: dict[str, Any] = {
            "OrderCode": request.order_number,
            "ShipperCode": settings.get("shipper_code") or request.courier_code,
            "PayType": int(settings.get("pay_type", 3)),  # 3: monthly account (月结)
            "ExpType": str(settings.get("exp_type", "1")),
            "Sender": {
                "Name": sender.get("name", ""), "Mobile": sender.get("mobile", ""),
                "ProvinceName": sender.get("province", ""), "CityName": sender.get("city", ""),
                "ExpAreaName": sender.get("area", ""), "Address": sender.get("address", ""),
            },
            "Receiver": {
                "Name": request.recipient_name, "Mobile": request.recipient_phone,
                "ProvinceName": address.province, "CityName": address.city,
                "ExpAreaName": address.area, "Address": address.detail,
            },
            "Commodity": [{"GoodsName": name[:100], "Goodsquantity": quantity} for name, quantity in request.goods]
            or [{"GoodsName": "商品", "Goodsquantity": 1}],
            "Quantity": 1,
            "IsReturnPrintTemplate": "0",
        }
        for ours, theirs in (("customer_name", "CustomerName"), ("customer_pwd", "CustomerPwd"),
                             ("month_code", "MonthCode"), ("send_site", "SendSite")):
            if settings.get(ours):
                data[theirs] = settings[ours]
        return data

    def issue(self, request: WaybillRequest) -> IssuedWaybill:
        if not self.ebusiness_id or not self.app_key:
            raise WaybillProviderUnavailable("Kdniao is not configured (EBusinessID and AppKey).",
                                             provider=self.name, reason="not_configured",
                                             retry_after_seconds=self.retry_after)
        request_data = json.dumps(self.request_data(request), ensure_ascii=False, separators=(",", ":"))
        form = {"RequestData": request_data, "EBusinessID": self.ebusiness_id, "RequestType": REQUEST_TYPE,
                "DataSign": data_sign(request_data, self.app_key), "DataType": "2"}
        try:
            response = requests.post(self.url, data=form, timeout=self.timeout,
                                     headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})
        except requests.Timeout:
            log.warning("kdniao: no answer within %ss for order %s", self.timeout, request.order_number)
            raise self._unavailable("timeout") from None
        except requests.RequestException as exc:
            log.warning("kdniao: not reachable for order %s: %s", request.order_number, type(exc).__name__)
            raise self._unavailable("unreachable") from None
        if response.status_code >= 500 or response.status_code == 429:
            raise self._unavailable(f"http_{response.status_code}")
        try:
            reply = response.json()
        except ValueError:
            raise self._unavailable("not_json") from None
        if not isinstance(reply, dict):
            raise self._unavailable("not_json")
        order = reply.get("Order") if isinstance(reply.get("Order"), dict) else {}
        result_code = str(reply.get("ResultCode", ""))
        number = str(order.get("LogisticCode") or "").strip()
        if number and (reply.get("Success") is True or result_code in ISSUED_CODES):
            return IssuedWaybill(
                tracking_number=number,
                provider_order_id=str(order.get("KDNOrderCode") or order.get("OrderCode") or "") or None,
                sorting_code=str(order.get("MarkDestination") or order.get("SortingCode") or "") or None,
                raw_reply=reply,
            )
        reason = str(reply.get("Reason") or "no waybill in the reply")[:400]
        log.info("kdniao: refused order %s with result code %s", request.order_number, result_code)
        raise WaybillProviderRefused(f"Kdniao refused: {reason}", provider=self.name, reason=reason,
                                     result_code=result_code)

    def _unavailable(self, reason: str) -> WaybillProviderUnavailable:
        return WaybillProviderUnavailable(provider=self.name, reason=reason, retry_after_seconds=self.retry_after)
