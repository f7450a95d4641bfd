"""Every mutating API call: who, what, when and the response, keyed by its Idempotency-Key.

The same rows are the audit trail of the API (one per call that changed something,
keyed or not) and the store that replays a keyed retry.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow


class IdempotencyRecord(db.Model):
    """One mutating call and its response, written in the same transaction as its effect."""

    __tablename__ = "idempotency_record"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    key: so.Mapped[str | None] = so.mapped_column(sa.String(255))  # None: sent without a key
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))  # sha256 of method, path, body
    method: so.Mapped[str] = so.mapped_column(sa.String(8))
    path: so.Mapped[str] = so.mapped_column(sa.String(400))
    response_status: so.Mapped[int]
    response_body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)


def advisory_lock_id(user_id: int, key: str) -> int:
    """PostgreSQL: the advisory lock that lets one request of a (user, key) run at a time."""
    raw = hashlib.sha256(f"{user_id}:{key}".encode()).digest()[:8]
    return int.from_bytes(raw, "big", signed=True)
