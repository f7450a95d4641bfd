"""The one interface of every electronic waybill (电子面单) provider.

``WaybillProvider.issue(request) -> IssuedWaybill``. The request carries our order
number as the provider's order code, so asking again for the same order (a retry after
a timeout) gets the same waybill from a provider that remembers its order codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from wms.domain.couriers import AddressParts


@dataclass(frozen=True)
class WaybillRequest:
    """What a provider needs to issue one parcel's waybill.

    The recipient's name, phone and address are personal data: they are sent to the
    provider because it prints them, and never logged.
    """

    order_number: str
    courier_code: str
    settings: dict[str, Any]
    recipient_name: str
    recipient_phone: str
    recipient_address: AddressParts
    goods: list[tuple[str, int]] = field(default_factory=list)

    def __repr__(self) -> str:  # keeps the recipient out of logs and tracebacks
        return f"WaybillRequest(order_number={self.order_number!r}, courier_code={self.courier_code!r})"


@dataclass(frozen=True)
class IssuedWaybill:
    """A provider's answer: the tracking number and what else it says about the parcel."""

    tracking_number: str
    provider_order_id: str | None = None
    sorting_code: str | None = None
    raw_reply: Any = field(default=None, repr=False)


class WaybillProvider(Protocol):
    """Issues waybills for couriers; ``in_database`` providers run inside the recording
    transaction (they call nothing outside), the others are called before it."""

    name: str
    in_database: bool

    def issue(self, request: WaybillRequest) -> IssuedWaybill: ...
