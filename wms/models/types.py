"""Column types shared by the models."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

#: 64-bit keys on PostgreSQL; SQLite only auto-increments INTEGER PRIMARY KEY.
BigIntPK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: D401
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use wms.models.types.utcnow()")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(timezone.utc)
