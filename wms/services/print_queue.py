"""The label print queue: labels are queued in a use case's transaction and printed after.

``queue_label`` renders a label in the station's printer language, with the personal
data already masked (the WMS masks once, with ``wms.domain.shipping``'s rules; devices
print what they are given), and adds the job in the caller's transaction. After the
commit the API calls ``deliver``: it sends the station's pending jobs oldest first,
each between two short transactions (taken for sending; printed or failed), so no
transaction is open while the printer works. A printer that is off leaves the job
``failed`` with the printer's error; it is sent again with the station's next job or by
``retry_job`` (``POST /print-jobs/<id>/retry``, ``wms print-queue retry``).

Every change of a job's state goes through the ``PRINT_JOB`` transition table.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from devices.errors import DeviceError
from wms.domain.masking import mask_address, mask_name, mask_phone
from wms.domain.permissions import Permission, require
from wms.domain.printing import (
    PENDING_STATES,
    PRINT_JOB,
    STALE_PRINTING_SECONDS,
    LabelKind,
    PrintJobAction,
    PrintJobState,
)
from wms.errors import DomainError, PrintJobNotFound, StationDeviceMissing, StationNotFound
from wms.extensions import db
from wms.models.station import PrintJob, Station
from wms.models.types import utcnow
from wms.models.users import User
from wms.services.uow import in_transaction, run_in_transaction

#: What a job taken for sending whose worker never reported back records as its error.
INTERRUPTED = ("print_interrupted", "The send was interrupted before the printer answered.")

#: Label fields that carry personal data, and the one rule that masks each.
MASKED_FIELDS = {"recipient_name": mask_name, "recipient_phone": mask_phone,
                 "recipient_address": mask_address}


@dataclass
class PrintJobView:
    """A print job as the API shows it: what, where, its state and the printer's last error."""

    id: int
    station: str
    label: str
    document_type: str | None
    document_number: str | None
    state: str
    attempts: int
    copies: int
    language: str
    printer_url: str | None
    bytes: int
    sha256: str
    error_code: str | None
    error: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None
    printed_at: dt.datetime | None


def masked(label: LabelKind, data: dict[str, Any]) -> dict[str, Any]:
    """The label's data with the recipient's personal data masked (shipping labels)."""
    if label != LabelKind.SHIPPING:
        return dict(data)
    return {k: (MASKED_FIELDS[k](v) if k in MASKED_FIELDS else v) for k, v in data.items()}


def queue_label(station: Station, label: str, data: dict[str, Any], *, copies: int = 1,
                document: tuple[str, str] | None = None, created_by: int | None = None) -> PrintJob:
    """Render a label for the station's printer and queue it in the current transaction.

    StationDeviceMissing when the station has no printer; LabelError when the data
    cannot make the label (nothing is queued then).
    """
    from wms.services.stations import render_label

    if station.printer_url is None:
        raise StationDeviceMissing(f"Station '{station.code}' has no printer.", device="printer")
    kind = LabelKind(label)
    data = masked(kind, data)
    payload = render_label(station, kind, data)
    job = PrintJob(
        station_code=station.code, label=kind.value, data=_json_ready(data), language=station.printer_language,
        payload=payload, copies=copies, state=PrintJobState.QUEUED.value, attempts=0,
        document_type=document[0] if document else None, document_number=document[1] if document else None,
        created_by=created_by, created_at=utcnow(),
    )
    db.session.add(job)
    db.session.flush()
    return job


def _json_ready(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in data.items()}


def job_view(job: PrintJob) -> PrintJobView:
    """The job as the API shows it."""
    url = db.session.execute(
        sa.select(Station.printer_url).where(Station.code == job.station_code)
    ).scalar_one_or_none()
    return PrintJobView(
        id=job.id, station=job.station_code, label=job.label, document_type=job.document_type,
        document_number=job.document_number, state=job.state, attempts=job.attempts, copies=job.copies,
        language=job.language, printer_url=url, bytes=len(job.payload) * job.copies,
        sha256=hashlib.sha256(job.payload).hexdigest(), error_code=job.last_error_code,
        error=job.last_error, created_at=job.created_at, sent_at=job.sent_at, printed_at=job.printed_at,
    )


def _locked_job(job_id: int) -> PrintJob:
    job = db.session.execute(
        sa.select(PrintJob).where(PrintJob.id == job_id)
        .with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if job is None:
        raise PrintJobNotFound(f"No print job {job_id}.", job_id=job_id)
    return job


def _stale(job: PrintJob) -> bool:
    return (job.state == PrintJobState.PRINTING and job.sent_at is not None
            and utcnow() - job.sent_at > timedelta(seconds=STALE_PRINTING_SECONDS))


def advance_job(job_id: int, action: PrintJobAction, *, error: DomainError | DeviceError | None = None) -> PrintJob:
    """Take one step of the job's table and write what it means (one transaction)."""

    def use_case() -> PrintJob:
        job = _locked_job(job_id)
        job.state = PRINT_JOB.next(job.state, action).value
        now = utcnow()
        if action == PrintJobAction.SEND:
            job.attempts += 1
            job.sent_at = now
        elif action == PrintJobAction.CONFIRM:
            job.printed_at = now
            job.last_error_code = job.last_error = None
        elif error is None:
            job.last_error_code, job.last_error = INTERRUPTED
        else:
            message = getattr(error, "message", None) or str(error)
            job.last_error_code, job.last_error = error.code[:64], message[:400]
        db.session.flush()
        return job

    return run_in_transaction(use_case)


def _next_pending(station_code: str, after: int) -> PrintJob | None:
    """The station's oldest job still to print (a stale ``printing`` one is interrupted first)."""
    job = db.session.execute(
        sa.select(PrintJob)
        .where(PrintJob.station_code == station_code, PrintJob.id > after,
               PrintJob.state.in_([*PENDING_STATES, PrintJobState.PRINTING]))
        .order_by(PrintJob.id).limit(1)
    ).scalar_one_or_none()
    _end_read()
    return job


def _end_read() -> None:
    """End the read transaction before device I/O (none is open inside a use case's)."""
    if not in_transaction():
        db.session.commit()


def deliver(station_code: str) -> list[int]:
    """Send the station's pending jobs, oldest first, outside any transaction.

    Stops at the first job the printer refuses: the rest wait for the next job or a
    retry. Returns the ids printed.
    """
    from wms.services.stations import send_to_printer

    printed: list[int] = []
    after = 0
    while (job := _next_pending(station_code, after)) is not None:
        after = job.id
        if job.state == PrintJobState.PRINTING:
            if not _stale(job):
                continue  # another worker is sending it now
            advance_job(job.id, PrintJobAction.INTERRUPT)
        try:
            job = advance_job(job.id, PrintJobAction.SEND)
        except DomainError:
            continue  # taken by another worker meanwhile
        payload, copies = job.payload, job.copies
        _end_read()
        try:
            send_to_printer(station_code, payload, copies)
        except (DeviceError, DomainError) as refusal:
            advance_job(job.id, PrintJobAction.FAIL, error=refusal)
            break
        advance_job(job.id, PrintJobAction.CONFIRM)
        printed.append(job.id)
    return printed


def retry_job(actor: User, job_id: int) -> PrintJobView:
    """Ask for a failed (or interrupted) job to be sent again; ``deliver`` then sends it."""
    require(actor.role, Permission.DEVICE_USE)

    def use_case() -> PrintJobView:
        job = _locked_job(job_id)
        if _stale(job):
            job.state = PRINT_JOB.next(job.state, PrintJobAction.INTERRUPT).value
            job.last_error_code, job.last_error = INTERRUPTED
        PRINT_JOB.check(job.state, PrintJobAction.SEND)
        return job_view(job)

    return run_in_transaction(use_case)


def retry_failed(station_code: str | None = None) -> dict[str, list[int]]:
    """Send every pending job again (of one station, or of all): what the CLI runs."""
    stmt = sa.select(PrintJob.station_code).where(
        PrintJob.state.in_([*PENDING_STATES, PrintJobState.PRINTING])).distinct()
    if station_code:
        stmt = stmt.where(PrintJob.station_code == station_code)
    stations = sorted(db.session.execute(stmt).scalars())
    _end_read()
    return {code: deliver(code) for code in stations}


def read_job(actor: User, job_id: int) -> PrintJobView:
    """One print job and its state."""
    require(actor.role, Permission.DEVICE_USE)
    job = db.session.get(PrintJob, job_id)
    if job is None:
        raise PrintJobNotFound(f"No print job {job_id}.", job_id=job_id)
    return job_view(job)


def list_jobs(actor: User, station_code: str, state: str | None = None, limit: int = 100) -> list[PrintJobView]:
    """A station's print jobs, newest first, optionally in one state."""
    require(actor.role, Permission.DEVICE_USE)
    if db.session.execute(sa.select(Station.id).where(Station.code == station_code)).first() is None:
        raise StationNotFound(f"No station '{station_code}'.", code=station_code)  # not an empty queue
    return station_queue(station_code, state, limit)


def station_queue(station_code: str, state: str | None = None, limit: int = 100) -> list[PrintJobView]:
    """A station's print jobs, newest first, optionally in one state (no permission check)."""
    stmt = sa.select(PrintJob).where(PrintJob.station_code == station_code)
    if state:
        stmt = stmt.where(PrintJob.state == PrintJobState(state).value)
    jobs = db.session.execute(stmt.order_by(PrintJob.id.desc()).limit(limit)).scalars().all()
    return [job_view(job) for job in jobs]


def pending_jobs(station_code: str | None = None) -> dict[str, list[int]]:
    """Ids of the jobs not yet printed, by station."""
    stmt = sa.select(PrintJob.station_code, PrintJob.id).where(PrintJob.state != PrintJobState.PRINTED)
    if station_code:
        stmt = stmt.where(PrintJob.station_code == station_code)
    pending: dict[str, list[int]] = {}
    for code, job_id in db.session.execute(stmt.order_by(PrintJob.id)):
        pending.setdefault(code, []).append(job_id)
    return pending
