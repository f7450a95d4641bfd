"""The warehouse's day: its own time zone's date, and that day as UTC instants.

Same-day clearing (R8, S7), the end-of-day report (L2) and closing a day all count days
the way the warehouse does (``WAREHOUSE_TIMEZONE``, default Asia/Shanghai), never UTC's.
This is the one place that knows how.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import current_app

from wms.models.types import utcnow


def warehouse_zone() -> ZoneInfo | timezone:
    """The warehouse's time zone from the app's settings."""
    name = current_app.config["WAREHOUSE_TIMEZONE"]
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError:  # pragma: no cover - a system without tz data
        return timezone.utc


def warehouse_today() -> date:
    """Today in the warehouse's time zone (its working day, not UTC's)."""
    return utcnow().astimezone(warehouse_zone()).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The warehouse's day as UTC instants: [start, end)."""
    zone = warehouse_zone()
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)
