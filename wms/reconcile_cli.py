"""``wms reconcile``: reconciliation (对账, rule L3) from the command line.

``wms reconcile courier FILE --courier SF --cycle 2026-11 [--user NAME]`` reads a
courier's bill (CSV or XLSX) for the cycle, matches it against our shipments with that
courier and stores the differences as a run, exactly as the API does; it prints the
count of each difference type and what the run added, kept and closed. Re-running it is
safe: resolutions are kept. ``--user`` names who ran it (a user whose role may
reconcile; the first active admin by default).
"""

from __future__ import annotations

import json
import os
import sys

import click
from flask.cli import AppGroup


@click.group("reconcile", cls=AppGroup)
def reconcile_group() -> None:
    """Reconciliation: a courier's bill, return records, outbound, payments for a cycle."""


def actor_named(username: str | None):
    """The user a command runs as: ``username``, or the first active admin."""
    import sqlalchemy as sa

    from wms.extensions import db
    from wms.models import User

    stmt = sa.select(User).where(User.active.is_(True))
    stmt = stmt.where(User.username == username) if username else stmt.where(User.role == "admin")
    user = db.session.execute(stmt.order_by(User.id).limit(1)).scalar_one_or_none()
    if user is None:
        click.echo(f"error: no active user {username!r}" if username else "error: no active admin", err=True)
        sys.exit(1)
    return user


@reconcile_group.command("courier")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--courier", required=True, help="The courier's code (SF, ZTO, ...).")
@click.option("--cycle", required=True, help="2026-11 (a month), 2026-W48 (a week) or 2026-11-30 (a day).")
@click.option("--user", "username", default=None, help="Who runs it (default: the first active admin).")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
def courier_command(file: str, courier: str, cycle: str, username: str | None, as_json: bool) -> None:
    """Match a courier's bill for a cycle and store its differences."""
    from wms.errors import DomainError
    from wms.services.audit import write_command
    from wms.services.reconciliation.courier_bills import import_courier_bill

    with open(file, "rb") as stream:
        content = stream.read()
    actor, name = actor_named(username), os.path.basename(file)
    try:
        run = import_courier_bill(actor, courier, cycle, name, content)
        write_command(actor, "reconciliation.CourierBills POST",
                      f"wms reconcile courier {name} --courier {courier} --cycle {cycle}", run)
    except DomainError as error:
        click.echo(f"error: {error.code}: {error.message}", err=True)
        if error.details:
            click.echo(json.dumps(error.details, ensure_ascii=False, default=str)[:4000], err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(run, ensure_ascii=False, default=str))
        return
    summary = run["summary"]
    click.echo(f"run {run['id']}: {run['courier']} {run['cycle']}, {summary['lines']} bill lines, "
               f"{summary['shipments_in_cycle']} shipments in the cycle")
    for kind in ("billed_not_shipped", "shipped_not_billed", "billed_twice", "weight_over", "fee_mismatch"):
        click.echo(f"  {kind:<20} {summary['by_type'].get(kind, 0)}")
    click.echo(f"new {summary['new']}, kept {summary['kept']}, closed {summary['closed']}, "
               f"reopened {summary['reopened']}")


def _other_kinds() -> None:
    """Returns, outbound and payments (``wms.reconcile_kinds_cli``) join the group."""
    from wms.reconcile_kinds_cli import add_commands

    add_commands(reconcile_group)


_other_kinds()
