"""``wms report eod``: the end-of-day report as a file, for the night job (rule L2).

The night job runs without a user: the command reads the report as the clerk's screen
does (the same sections, personal data masked) and writes PDF, XLSX or CSV.
"""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup


@click.group("report", cls=AppGroup)
def report_group() -> None:
    """Reports: the end-of-day report as a file."""


@report_group.command("eod")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The warehouse's day (YYYY-MM-DD); today in the warehouse's time zone if absent.")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx", "csv"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), required=True,
              help="The file to write ('-' for standard output).")
@click.option("--warehouse", default=None, help="The warehouse's code (needed when there are several).")
@click.option("--lang", type=click.Choice(["zh-CN", "en"]), default="zh-CN", show_default=True)
@click.option("--section", default=None, help="One section only (CSV: stock by default).")
def eod_command(day, fmt: str, output: str, warehouse: str | None, lang: str, section: str | None) -> None:
    """Write one warehouse's end-of-day report; exit 1 with the reason when it cannot."""
    from wms.errors import DomainError, ValueOutOfRange
    from wms.services.reports.day_report import day_report
    from wms.services.reports.exports import export_report
    from wms.services.shipping_documents import resolve_warehouse
    from wms.services.warehouse_day import warehouse_today

    the_day: date = day.date() if day else warehouse_today()
    try:
        report = day_report(resolve_warehouse(warehouse).id, the_day)
        body, _, filename = export_report(report, fmt, lang, section)
    except DomainError as error:
        click.echo(f"{error.code}: {error.message}", err=True)
        raise SystemExit(1) from None
    except OverflowError:  # a day at the calendar's ends (0001-01-01, 9999-12-31) has no day after
        click.echo(f"{ValueOutOfRange.code}: {the_day.isoformat()} is out of range.", err=True)
        raise SystemExit(1) from None
    if output == "-":
        sys.stdout.buffer.write(body)
        return
    try:
        with open(output, "wb") as file:
            file.write(body)
    except OSError as error:
        click.echo(f"cannot write {output}: {error.strerror or error}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{output}: {filename}, {len(body)} bytes")
