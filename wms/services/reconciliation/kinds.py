"""What returns, outbound and payment reconciliation share: reading their files and
storing their runs.

A file (a courier's return records, a settlement statement, a shop's order export) is
read by the one streaming reader (``wms.services.import_files``) with its limits and a
column mapping per file kind; every bad row is collected before the file is refused,
so a refused file changes nothing. A run is stored with ``store_findings``, like a
courier bill's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import current_app

from wms.domain.reconciliation import Finding
from wms.domain.reconciliation_files import RowProblem, header_index, unknown_override_fields
from wms.errors import ReconciliationFileRejected
from wms.extensions import db
from wms.models import User
from wms.models.reconciliation import ReconciliationRun
from wms.models.types import utcnow
from wms.services.import_files import ImportLimits, read_rows
from wms.services.reconciliation.courier_bills import run_view
from wms.services.reconciliation.differences import store_findings

#: At most this many bad rows are named in the refusal (the rest are counted).
MAX_ROWS_NAMED = 50


@dataclass(frozen=True)
class Table:
    """A file read: its name and digest, the rows read, and each data row's record."""

    file_name: str
    sha256: str
    rows_read: int
    records: list


def read_table(filename: str, content: bytes, columns: Mapping[str, Iterable[str]], *,
               override: Mapping[str, str] | None, needs: Iterable[tuple[str, ...]],
               record_of: Callable[[int, Callable[[str], Any]], Any], what: str) -> Table:
    """Read ``content`` with ``columns`` (``override`` naming a field's own header).

    ``needs`` lists groups of fields of which the header must hold at least one each;
    ``record_of(row, cell)`` builds a row's record from ``cell(field)`` (None when the
    file has no such column) and raises RowProblem for a bad cell. Any bad row refuses
    the whole file with ReconciliationFileRejected naming the rows.
    """
    unknown = unknown_override_fields(columns, override)
    if unknown:
        raise ReconciliationFileRejected(f"The {what} has no field {', '.join(unknown)}.", reason="unknown_field",
                                         fields=unknown)
    limits = ImportLimits.from_config(current_app.config, "RECONCILE_FILE_MAX_ROWS")
    rows = read_rows(filename, content, limits, refuse=partial(ReconciliationFileRejected))
    header_row, header = next(rows)  # the reader refuses a file without rows
    where = header_index(list(header), columns, override)
    missing = [" / ".join(group) for group in needs if not any(f in where for f in group)]
    if missing:
        raise ReconciliationFileRejected(f"The {what}'s header lacks {', '.join(missing)}.", reason="missing_columns",
                                         row=header_row, missing=missing)
    records, problems, bad, count = [], [], 0, 0
    for number, cells in rows:
        count += 1
        def cell(name: str, cells=cells):
            index = where.get(name)
            return cells[index] if index is not None and index < len(cells) else None
        try:
            records.append(record_of(number, cell))
        except RowProblem as problem:
            bad += 1
            if len(problems) < MAX_ROWS_NAMED:
                problems.append({"row": number, "field": problem.field, "problem": problem.problem})
    if bad:
        raise ReconciliationFileRejected(f"The {what} has {bad} bad rows; nothing was reconciled.",
                                         reason="bad_rows", rows=problems, bad_rows=bad)
    if not count:  # matched, it would resolve every difference of the cycle as no longer found
        raise ReconciliationFileRejected(f"The {what} has a header and no rows.", reason="empty")
    return Table(filename or "", hashlib.sha256(content).hexdigest(), len(records), records)


def store_run(actor: User, kind: str, cycle: str, party: str, findings: list[Finding], *,
              table: Table | None = None, rows_read: int | None = None, courier_code: str | None = None,
              platform: str | None = None, summary: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Store one run of ``kind`` for ``cycle`` and ``party`` with its findings (inside the caller's transaction)."""
    run = ReconciliationRun(
        kind=str(kind), cycle=cycle, party=party, courier_code=courier_code, platform=platform,
        file_name=table.file_name[:255] if table else None, file_sha256=table.sha256 if table else None,
        rows_read=table.rows_read if table else (rows_read or 0), created_by=actor.id, created_at=utcnow(),
        summary={})
    db.session.add(run)
    db.session.flush()
    counts = store_findings(run, findings)
    run.summary = {**counts, **(summary or {})}
    db.session.flush()
    return run_view(run)
