"""``wms counts plan``: the night job that plans cycle counts by rule (R8).

``wms counts plan [--date D] [--warehouse W]`` creates the counts due that day (the
warehouse's today by default) under ``COUNT_PLAN_RULE``: every bin every
``COUNT_BIN_INTERVAL_DAYS`` days, or ABC by movement. It is idempotent: run twice, the
second run creates nothing. It prints one JSON line per warehouse.
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup


@click.group("counts", cls=AppGroup)
def counts_group() -> None:
    """Cycle counts: plan the night's counts by rule."""


@counts_group.command("plan")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The warehouse-local day to plan for (default: today).")
@click.option("--warehouse", default=None, help="Only this warehouse (its code).")
def plan_command(day, warehouse) -> None:
    """Create the cycle counts due that day (none twice)."""
    from wms.errors import DomainError
    from wms.services.counts import plan_counts

    try:
        results = plan_counts(day.date() if day else None, warehouse=warehouse)
    except DomainError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)
    for r in results:
        click.echo(json.dumps({"warehouse": r.warehouse, "day": r.day.isoformat(), "rule": r.rule,
                               "created": r.created}, ensure_ascii=False))
