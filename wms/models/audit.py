"""The audit trail: who did what, when, from which device, and how it ended.

One row per mutating API call (and per login), written in the same transaction as the
call's effect (``wms.services.audit``). Its own table, not the idempotency records: those
keep a call's whole response so that a retry can be answered, and may one day be
trimmed; the audit keeps only what a supervisor searches by, for as long as the
warehouse keeps its books. Rows are only ever added.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow


class AuditEntry(db.Model):
    """One call: user, action (``receipt.post``), document, device, outcome (HTTP status)."""

    __tablename__ = "audit_entry"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("user.id"))
    action: so.Mapped[str] = so.mapped_column(sa.String(64))
    document_type: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    document_number: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    device_id: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    device_name: so.Mapped[str | None] = so.mapped_column(sa.String(40))
    method: so.Mapped[str] = so.mapped_column(sa.String(8))
    path: so.Mapped[str] = so.mapped_column(sa.String(400))
    status: so.Mapped[int]  # the answer's HTTP status: 2xx done, 4xx refused
    error_code: so.Mapped[str | None] = so.mapped_column(sa.String(64))  # a refusal's code
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(255))

    # Newest first within each filter: every search walks one of these backwards.
    __table_args__ = (
        sa.Index("ix_audit_entry_at", "at"),
        sa.Index("ix_audit_entry_user_at", "user_id", "at"),
        sa.Index("ix_audit_entry_action_at", "action", "at"),
        sa.Index("ix_audit_entry_document_at", "document_number", "at"),
        sa.Index("ix_audit_entry_device_id_at", "device_id", "at"),
        sa.Index("ix_audit_entry_device_name_at", "device_name", "at"),
    )
