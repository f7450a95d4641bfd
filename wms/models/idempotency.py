"""Stored responses of mutating requests, keyed by the client's Idempotency-Key."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow


class IdempotencyRecord(db.Model):
    """The first response to a keyed request, written in the same transaction as its effect."""

    __tablename__ = "idempotency_record"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    key: so.Mapped[str] = so.mapped_column(sa.String(255))
    fingerprint: so.Mapped[str] = so.mapped_column(sa.String(64))  # sha256 of method, path, body
    method: so.Mapped[str] = so.mapped_column(sa.String(8))
    path: so.Mapped[str] = so.mapped_column(sa.String(400))
    response_status: so.Mapped[int]
    response_body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("user_id", "key"),)
