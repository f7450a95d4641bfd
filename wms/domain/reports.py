"""Pure rules of the end-of-day report (L2): what an uncleared document waits for, its age,
a percentage as the report prints it.

The report's figures come from the services; what they mean for the day is decided here,
so a screen, an export and a test read the same words.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from wms.domain.shipping import OrderStatus, expected_step


class ShippingWaitingFor(StrEnum):
    """S7: what a shipping document still open at the day's end waits for."""

    APPROVAL = "approval"
    RELEASE = "release"
    COUNT = "count"
    VERIFY = "verify"
    SHIP = "ship"
    DEDUCT = "deduct"
    CLOSING = "closing"


def shipping_waiting_for(status: str, stage: str, holds: list[str]) -> ShippingWaitingFor:
    """S7: a draft waits for approval, a held document for its release, else for its next step."""
    if status == OrderStatus.DRAFT:
        return ShippingWaitingFor.APPROVAL
    if holds:
        return ShippingWaitingFor.RELEASE
    step = expected_step(stage)
    return ShippingWaitingFor(step.value) if step is not None else ShippingWaitingFor.CLOSING


def age_in_days(report_day: date, document_day: date) -> int:
    """Whole warehouse days between a document's day and the report's day (0 on the same day)."""
    return max(0, (report_day - document_day).days)
