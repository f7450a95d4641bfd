"""The label print queue's rules: what a print job is and the only steps it may take.

A label is rendered and queued in the transaction of the use case that needs it (the
ship step, a label request) and sent to the station's printer after the commit, never
inside a transaction: a printer that takes seconds, or is switched off, must not hold
the database's write lock. A job that fails keeps the printer's error and is tried
again (the station's next job, or an explicit retry) until it is printed.
"""

from __future__ import annotations

from enum import StrEnum

from wms.domain.transitions import TransitionTable


class LabelKind(StrEnum):
    """The labels a station prints."""

    LOT = "lot"
    BIN = "bin"
    SHIPPING = "shipping"
    MANIFEST = "manifest"  # a handover manifest's list of parcels


class PrintJobState(StrEnum):
    """Where a print job is: waiting, at the printer, printed, or failed (to be retried)."""

    QUEUED = "queued"
    PRINTING = "printing"
    PRINTED = "printed"
    FAILED = "failed"


class PrintJobAction(StrEnum):
    """What happens to a print job."""

    SEND = "send"  # taken from the queue and sent to the printer (again, after a failure)
    CONFIRM = "confirm"  # the printer took every copy
    FAIL = "fail"  # the printer refused or did not answer; its error is kept
    INTERRUPT = "interrupt"  # a send that never reported back (its worker stopped)


PRINT_JOB = TransitionTable("print_job", {
    (PrintJobState.QUEUED, PrintJobAction.SEND): PrintJobState.PRINTING,
    (PrintJobState.FAILED, PrintJobAction.SEND): PrintJobState.PRINTING,
    (PrintJobState.PRINTING, PrintJobAction.CONFIRM): PrintJobState.PRINTED,
    (PrintJobState.PRINTING, PrintJobAction.FAIL): PrintJobState.FAILED,
    (PrintJobState.PRINTING, PrintJobAction.INTERRUPT): PrintJobState.FAILED,
})

#: Jobs still to be printed: what a station's next job and a retry send first.
PENDING_STATES = tuple(PrintJobState(s) for s in PRINT_JOB.states_allowing(PrintJobAction.SEND))

#: Seconds after which a job still ``printing`` is taken as interrupted (longer than any
#: bounded device wait of a send, copies included).
STALE_PRINTING_SECONDS = 300
