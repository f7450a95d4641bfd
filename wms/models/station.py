"""Stations: a packing or receiving bench and the scale, printer and scanner wired to it,
and the queue of labels waiting for the station's printer.

Devices are stored as a URL (as the ``devices`` registry opens them), a protocol or
language, and driver options; they are opened per request, never held open.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from wms.domain.printing import LabelKind, PrintJobState
from wms.extensions import db
from wms.models.types import BigIntPK, UTCDateTime, utcnow

STATION_KINDS = ("packing", "receiving")
SCALE_PROTOCOLS = ("mt-sics", "toledo", "xk3190")
PRINTER_LANGUAGES = ("zpl", "tspl")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Station(db.Model):
    """A bench in a warehouse where goods are weighed, labelled and scanned."""

    __tablename__ = "station"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(200))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    warehouse_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("warehouse.id"), index=True)
    scale_url: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    scale_protocol: so.Mapped[str | None] = so.mapped_column(sa.String(16), default=None)
    scale_options: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    printer_url: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    printer_language: so.Mapped[str | None] = so.mapped_column(sa.String(8), default=None)
    printer_options: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    scanner_url: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    scanner_options: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_in("kind", STATION_KINDS), name="kind"),
        sa.CheckConstraint(
            f"scale_protocol IS NULL OR {_in('scale_protocol', SCALE_PROTOCOLS)}", name="scale_protocol"
        ),
        sa.CheckConstraint(
            f"printer_language IS NULL OR {_in('printer_language', PRINTER_LANGUAGES)}",
            name="printer_language",
        ),
        # A device is a URL and the protocol it speaks: one without the other is useless.
        sa.CheckConstraint("(scale_url IS NULL) = (scale_protocol IS NULL)", name="scale_complete"),
        sa.CheckConstraint("(printer_url IS NULL) = (printer_language IS NULL)", name="printer_complete"),
    )

    @property
    def scale_kind(self) -> str | None:
        """The registry kind of the scale, e.g. ``scale:mt-sics``."""
        return f"scale:{self.scale_protocol}" if self.scale_protocol else None

    @property
    def printer_kind(self) -> str | None:
        """The registry kind of the printer, e.g. ``printer:zpl``."""
        return f"printer:{self.printer_language}" if self.printer_language else None

    @property
    def scanner_kind(self) -> str | None:
        """The registry kind of the scanner (serial scanners only)."""
        return "scanner:serial" if self.scanner_url else None


class PrintJob(db.Model):
    """A label waiting for, sent to, or printed by a station's printer (the print queue).

    Written in the transaction of the use case that needs the label, with the label's
    data already masked and rendered in the printer's language; sent after the commit.
    A failed send keeps the printer's error and the job is sent again until printed.
    """

    __tablename__ = "print_job"
    id: so.Mapped[int] = so.mapped_column(BigIntPK, primary_key=True)
    # The code, not a key: a station's configuration may be removed, its print history stays.
    station_code: so.Mapped[str] = so.mapped_column(sa.String(32))
    label: so.Mapped[str] = so.mapped_column(sa.String(16))
    document_type: so.Mapped[str | None] = so.mapped_column(sa.String(32), default=None)
    document_number: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)
    data: so.Mapped[dict] = so.mapped_column(sa.JSON, default=dict)  # personal data already masked
    language: so.Mapped[str] = so.mapped_column(sa.String(8))
    payload: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)  # one copy, as the printer takes it
    copies: so.Mapped[int] = so.mapped_column(default=1)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=PrintJobState.QUEUED.value)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    last_error_code: so.Mapped[str | None] = so.mapped_column(sa.String(64), default=None)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.String(400), default=None)
    created_by: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("user.id"), default=None)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    sent_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    printed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime, default=None)
    updated_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_in("state", tuple(PrintJobState)), name="state"),
        sa.CheckConstraint(_in("label", tuple(LabelKind)), name="label"),
        sa.CheckConstraint("copies >= 1", name="copies_positive"),
        # a station's queue, oldest first: what its next job sends before itself
        sa.Index("ix_print_job_station_state", "station_code", "state", "id"),
    )
