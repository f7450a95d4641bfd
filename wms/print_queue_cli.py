"""``wms print-queue``: a station's label jobs, and sending the failed ones again.

A job whose printer was off or out of paper stays ``failed`` with the printer's error;
``wms print-queue retry`` sends every such job (of one station, or of all) again,
oldest first, as the station's next job would.
"""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup


@click.group("print-queue", cls=AppGroup)
def print_queue_group() -> None:
    """Label print jobs: list, send failed ones again."""


@print_queue_group.command("retry")
@click.option("--station", default=None, help="Only this station's jobs (default: every station).")
def retry_command(station: str | None) -> None:
    """Send every job not yet printed again; exit 1 when some are still not printed."""
    from wms.services.print_queue import pending_jobs, retry_failed

    printed = retry_failed(station)
    left = pending_jobs(station)
    click.echo(json.dumps({"printed": printed, "still_pending": left}, indent=2))
    if left:
        raise SystemExit(1)


@print_queue_group.command("list")
@click.option("--station", required=True, help="The station's code.")
@click.option("--state", default=None, type=click.Choice(["queued", "printing", "printed", "failed"]))
def list_command(station: str, state: str | None) -> None:
    """A station's print jobs, newest first, with the printer's last error."""
    from wms.services.print_queue import station_queue

    for job in station_queue(station, state):
        click.echo(f"{job.id}\t{job.state}\t{job.label}\t{job.document_number or '-'}\t"
                   f"attempts={job.attempts}\t{job.error_code or ''} {job.error or ''}".rstrip())
