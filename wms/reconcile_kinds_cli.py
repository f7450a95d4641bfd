"""``wms reconcile returns|outbound|payments``: the other kinds of reconciliation (rule L3)
beside ``wms reconcile courier`` (``wms.reconcile_cli``), exactly as the API runs them.

- ``wms reconcile returns FILE --courier SF --cycle 2026-11 [--map field=Header ...]``:
  a courier's return records against the returns received (R6);
- ``wms reconcile outbound --cycle 2026-11-30 [--orders FILE]``: the cycle's shipments
  against their ledger deductions and, with the shop's order export, the shop's orders;
- ``wms reconcile payments FILE --platform alipay --cycle 2026-11 [--orders FILE]``: a
  platform's settlement statement against the shipped orders (the order export gives
  the orders' amounts, so short payments can be found).

Each prints the count of each difference type and what the run added, kept and closed;
a rerun is safe (resolutions are kept). ``--user`` names who ran it.
"""

from __future__ import annotations

import json
import os
import sys

import click

from wms.domain.reconciliation_matching import (
    OutboundDifferenceType,
    PaymentDifferenceType,
    ReturnsDifferenceType,
)

_CYCLE = "2026-11 (a month), 2026-W48 (a week) or 2026-11-30 (a day)."
_USER = "Who runs it (default: the first active admin)."
_MAP = "A header of the file for a field: field=Header (repeatable)."


def _read(path: str | None) -> tuple[str, bytes] | None:
    if path is None:
        return None
    with open(path, "rb") as stream:
        return os.path.basename(path), stream.read()


def _mapping(pairs: tuple[str, ...]) -> dict[str, str] | None:
    mapping = {}
    for pair in pairs:
        field, _, header = pair.partition("=")
        if not field or not header:
            raise click.BadParameter(f"{pair!r} is not field=Header", param_hint="--map")
        mapping[field.strip()] = header.strip()
    return mapping or None


def _run(call, as_json: bool, types, audit: tuple) -> None:
    """Run ``call``, leave its row in the audit trail (actor, operation, command), print the runs."""
    from wms.errors import DomainError
    from wms.services.audit import write_command

    try:
        runs = call()
        write_command(*audit, runs)
    except DomainError as error:
        click.echo(f"error: {error.code}: {error.message}", err=True)
        if error.details:
            click.echo(json.dumps(error.details, ensure_ascii=False, default=str)[:4000], err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(runs, ensure_ascii=False, default=str))
        return
    for run in runs.values() if "summary" not in runs else [runs]:
        if run is None:
            continue
        summary = run["summary"]
        click.echo(f"run {run['id']}: {run['kind']} {run['party'] or '-'} {run['cycle']}, {run['rows_read']} rows")
        for kind in types:
            click.echo(f"  {kind.value:<26} {summary['by_type'].get(kind.value, 0)}")
        click.echo(f"new {summary['new']}, kept {summary['kept']}, closed {summary['closed']}, "
                   f"reopened {summary['reopened']}")


def add_commands(group: click.Group) -> None:
    """Add the returns, outbound and payments commands to ``wms reconcile``."""
    from wms.reconcile_cli import actor_named

    @group.command("returns")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--courier", required=True, help="The courier's code (SF, ZTO, ...).")
    @click.option("--cycle", required=True, help=_CYCLE)
    @click.option("--map", "pairs", multiple=True, help=_MAP)
    @click.option("--user", "username", default=None, help=_USER)
    @click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
    def returns_command(file, courier, cycle, pairs, username, as_json) -> None:
        """Match a courier's return records for a cycle with the returns received."""
        from wms.services.reconciliation.returns import reconcile_returns

        name, content = _read(file)
        mapping, actor = _mapping(pairs), actor_named(username)
        _run(lambda: reconcile_returns(actor, name, content, courier=courier, cycle=cycle, mapping=mapping),
             as_json, ReturnsDifferenceType,
             (actor, "reconcile.ReturnRecords POST",
              f"wms reconcile returns {name} --courier {courier} --cycle {cycle}"))

    @group.command("outbound")
    @click.option("--cycle", required=True, help=_CYCLE)
    @click.option("--orders", type=click.Path(exists=True, dir_okay=False), default=None,
                  help="The shop's order export of the cycle (CSV or XLSX).")
    @click.option("--map", "pairs", multiple=True, help=_MAP)
    @click.option("--user", "username", default=None, help=_USER)
    @click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
    def outbound_command(cycle, orders, pairs, username, as_json) -> None:
        """Check a cycle's shipments against the ledger and, with --orders, the shop's orders."""
        from wms.services.reconciliation.outbound import reconcile_outbound

        orders_file, mapping, actor = _read(orders), _mapping(pairs), actor_named(username)
        _run(lambda: reconcile_outbound(actor, cycle=cycle, orders_file=orders_file, mapping=mapping),
             as_json, OutboundDifferenceType,
             (actor, "reconcile.Outbound POST", f"wms reconcile outbound --cycle {cycle}"))

    @group.command("payments")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    @click.option("--platform", required=True, help="alipay, taobao, tmall, pinduoduo or default.")
    @click.option("--cycle", required=True, help=_CYCLE)
    @click.option("--orders", type=click.Path(exists=True, dir_okay=False), default=None,
                  help="The shop's order export with each order's amount (for short payments).")
    @click.option("--map", "pairs", multiple=True, help=_MAP)
    @click.option("--user", "username", default=None, help=_USER)
    @click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
    def payments_command(file, platform, cycle, orders, pairs, username, as_json) -> None:
        """Match a platform's settlement statement for a cycle with the shipped orders."""
        from wms.services.reconciliation.payments import reconcile_payments

        name, content = _read(file)
        orders_file, mapping, actor = _read(orders), _mapping(pairs), actor_named(username)
        _run(lambda: reconcile_payments(actor, name, content, platform=platform, cycle=cycle, mapping=mapping,
                                        orders_file=orders_file),
             as_json, PaymentDifferenceType,
             (actor, "reconcile.Payments POST", f"wms reconcile payments {name} --platform {platform} --cycle {cycle}"))
