"""``wms day``: close, reopen and list the warehouse's business days (rule L2).

``wms day close --date D [--warehouse CODE] [--user NAME]`` closes a day (the night job);
``wms day reopen --date D --reason TEXT [--warehouse CODE] [--user NAME]`` reopens the last
closed day (a supervisor's); ``wms day list [--warehouse CODE] [--days N]`` lists recent
days. The warehouse may be left out when there is only one. The day is recorded as closed
or reopened by ``--user`` (default: the first active administrator, the night job's
account); that user's role must allow it. Each command prints JSON; a refusal prints
``error: <code>: <message>`` on stderr and exits 1 (a usage error exits 2).
"""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup


@click.group("day", cls=AppGroup)
def day_group() -> None:
    """Business days: close, reopen, list (rule L2)."""


def _actor(username: str | None):
    import sqlalchemy as sa

    from wms.extensions import db
    from wms.models import User

    query = sa.select(User).where(User.active.is_(True))
    query = query.where(User.username == username) if username else query.where(User.role == "admin")
    user = db.session.execute(query.order_by(User.id).limit(1)).scalar_one_or_none()
    if user is None:
        click.echo(f"error: no active user {username}" if username else "error: no active administrator; "
                   "name the user with --user", err=True)
        sys.exit(1)
    return user


def _print(status) -> None:
    click.echo(json.dumps({
        "warehouse": status.warehouse, "day": status.day.isoformat(), "closed": status.closed,
        "open_day": status.open_day, "closed_by": status.closed_by,
        "closed_at": status.closed_at.isoformat() if status.closed_at else None,
        "events": [{"action": e.action, "at": e.at.isoformat(), "user": e.user, "reason": e.reason}
                   for e in status.events],
    }, ensure_ascii=False))


def _run(call, record=None) -> None:
    """Run ``call``, then ``record`` (its row in the audit trail) when it succeeded."""
    from wms.errors import DomainError

    try:
        result = call()
        if record:
            record()
    except DomainError as error:
        click.echo(f"error: {error.code}: {error.message}", err=True)
        sys.exit(1)
    except OverflowError:  # a day at the calendar's ends has no day after or before
        click.echo("error: value_out_of_range: the day is out of range.", err=True)
        sys.exit(1)
    for status in result if isinstance(result, list) else [result]:
        _print(status)


_DAY = click.DateTime(formats=["%Y-%m-%d"])


@day_group.command("close")
@click.option("--date", "day", type=_DAY, required=True, help="The warehouse-local day to close (YYYY-MM-DD).")
@click.option("--warehouse", default=None, help="The warehouse's code (optional with one warehouse).")
@click.option("--user", "username", default=None, help="Who closes it (default: the first active admin).")
def close_command(day, warehouse, username) -> None:
    """Close a day: no posting goes into it afterwards; its closing balances are stored."""
    from wms.services.audit import write_command
    from wms.services.days import close_day

    actor, the_day = _actor(username), day.date().isoformat()
    _run(lambda: close_day(actor, day.date(), warehouse),
         lambda: write_command(actor, "days.DayClose POST", f"wms day close --date {the_day}",
                               path_values={"day": the_day}))


@day_group.command("reopen")
@click.option("--date", "day", type=_DAY, required=True, help="The last closed day (YYYY-MM-DD).")
@click.option("--reason", required=True, help="Why the day is reopened (recorded).")
@click.option("--warehouse", default=None, help="The warehouse's code (optional with one warehouse).")
@click.option("--user", "username", default=None, help="The supervisor who reopens it (default: first active admin).")
def reopen_command(day, reason, warehouse, username) -> None:
    """Reopen the last closed day (supervisor or admin; the reopening stays recorded)."""
    from wms.services.audit import write_command
    from wms.services.days import reopen_day

    actor, the_day = _actor(username), day.date().isoformat()
    _run(lambda: reopen_day(actor, day.date(), reason, warehouse),
         lambda: write_command(actor, "days.DayReopen POST", f"wms day reopen --date {the_day}",
                               path_values={"day": the_day}))


@day_group.command("list")
@click.option("--warehouse", default=None, help="The warehouse's code (optional with one warehouse).")
@click.option("--days", default=14, show_default=True, type=click.IntRange(1, 92), help="How many days back.")
@click.option("--user", "username", default=None, help="Who asks (default: the first active admin).")
def list_command(warehouse, days, username) -> None:
    """The recent days, newest (the open day) first, closed or open."""
    from wms.services.days import list_days

    _run(lambda: list_days(_actor(username), warehouse, days))
