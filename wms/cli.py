"""The ``wms`` command: database, demo data, users, the ledger check, serving, devices."""

from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, with_appcontext


def register_cli(app: Flask) -> None:
    """Attach the project's commands to ``app.cli`` (``flask``/``wms``)."""
    app.cli.add_command(demo_command)
    app.cli.add_command(user_group)
    app.cli.add_command(ledger_group)
    from wms.couriers_cli import couriers_group

    app.cli.add_command(couriers_group)
    from wms.reconcile_cli import reconcile_group

    app.cli.add_command(reconcile_group)
    from wms.counts_cli import counts_group

    app.cli.add_command(counts_group)
    from wms.reports_cli import report_group

    app.cli.add_command(report_group)
    from wms.days_cli import day_group

    app.cli.add_command(day_group)
    try:
        from devices.cli import devices_cli
    except ImportError:
        return
    app.cli.add_command(devices_cli, "devices")


@click.command("demo")
@click.option("--seed", default=7, show_default=True, help="Random seed for the generated data.")
@click.option("--skus", default=300, show_default=True, help="How many items to create.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) when data is already loaded.")
@with_appcontext
def demo_command(seed: int, skus: int, if_empty: bool) -> None:
    """Load a realistic demo warehouse (refuses a database that already has data)."""
    from wms.demo import demo_loaded, load_demo
    from wms.errors import DomainError

    if if_empty and demo_loaded():
        click.echo("demo data already loaded")
        return
    try:
        summary = load_demo(seed=seed, skus=skus)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    click.echo(json.dumps(summary, ensure_ascii=False, indent=2))


@click.group("user")
def user_group() -> None:
    """Manage users."""


@user_group.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(
    ["admin", "supervisor", "receiver", "picker", "shipper", "clerk"]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", default=None)
@click.option("--language", type=click.Choice(["zh-CN", "en"]), default=None,
              help="The user's own language for messages (default: the request's Accept-Language, else zh-CN).")
@with_appcontext
def user_create(username: str, role: str, password: str, display_name: str | None, language: str | None) -> None:
    """Create a user with a role."""
    from wms.errors import DomainError
    from wms.services.users import create_user

    try:
        user = create_user(None, username=username, password=password, role=role,
                           display_name=display_name, language=language)
    except DomainError as exc:
        raise click.ClickException(f"{exc.code}: {exc.message}") from exc
    click.echo(f"created user {user.username} ({user.role})")


@click.group("ledger")
def ledger_group() -> None:
    """The stock ledger (rule L1)."""


@ledger_group.command("verify")
@with_appcontext
def ledger_verify() -> None:
    """Prove on-hand equals the sum of the ledger; exit 1 when it does not."""
    from wms.services.stock import verify_ledger

    check = verify_ledger()
    click.echo(json.dumps({
        "ok": check.ok, "entries": check.entries, "quants": check.quants,
        "on_hand_mismatches": check.on_hand_mismatches,
        "unbalanced_movements": check.unbalanced_movements,
        "negative_quants": check.negative_quants,
    }, default=str, indent=2))
    if not check.ok:
        sys.exit(1)


#: gunicorn's access log, with the worker's process id so a request can be traced to its worker.
ACCESS_LOG_FORMAT = '%(h)s %(p)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--simulators/--no-simulators", default=False,
              help="Start the demo's simulated scale and label printer for station PACK-01.")
def serve_command(host: str, port: int, workers: int, simulators: bool) -> None:
    """Serve the API with gunicorn; each worker builds its own app.

    A request must run in an application context of its own: Flask reuses one that is
    already pushed, and then ``g`` (the caller) and the database session outlive the
    request. So this command runs outside any application context (it is a command of
    ``wms`` itself, not of the app), refuses to start inside one, and each forked worker
    builds its app after the fork, sharing no context, session or connection with the
    master.
    """
    from flask import has_app_context
    from gunicorn.app.base import BaseApplication

    from wms import create_app

    if has_app_context():
        raise click.UsageError("refusing to serve inside an application context: every request "
                               "would share it (its caller and database session)")
    if simulators:
        from wms.demo import start_demo_simulators

        # The master's app only sets the stations up; it is closed before any worker forks.
        for line in start_demo_simulators(create_app()):
            click.echo(line)

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("accesslog", "-")
            self.cfg.set("access_log_format", ACCESS_LOG_FORMAT)

        def load(self):
            # Called in each worker after the fork (no preload): its own app and engine,
            # and its print watch (a printer back online prints the labels it missed).
            from wms.services.print_watch import start_print_watch

            app = create_app()
            start_print_watch(app)
            return app

    click.echo(f"WMS serving on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    Server().run()


class WmsGroup(FlaskGroup):
    """The ``wms`` command: its own commands are known by name, so ``--help`` loads no app.

    Flask's group builds the app (importing every model, the API and the device
    drivers) just to list commands. Here the project's commands are the group's own,
    and the heavy ones (``db``, ``devices``) are imported only when they run; the app is
    built only by a command that needs it.
    """

    #: name -> (module:attribute, one-line help shown by ``wms --help``)
    LAZY = {
        "db": ("flask_migrate.cli:db", "Perform database migrations."),
        "devices": ("devices.cli:devices_cli", "Barcode scanners, scales and label printers."),
        "print-queue": ("wms.print_queue_cli:print_queue_group", "Label print jobs: list, send failed ones again."),
        "couriers": ("wms.couriers_cli:couriers_group", "Couriers: create the presets, list them."),
        "reconcile": ("wms.reconcile_cli:reconcile_group",
                      "Reconciliation: a courier's bill, return records, outbound, payments for a cycle."),
        "counts": ("wms.counts_cli:counts_group", "Cycle counts: plan the night's counts by rule."),
        "report": ("wms.reports_cli:report_group", "Reports: the end-of-day report as a file."),
        "day": ("wms.days_cli:day_group", "Business days: close, reopen, list (rule L2)."),
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # Plugins are not scanned: `db` (Flask-Migrate's) is named in LAZY instead.
        self._loaded_plugin_commands = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(self.commands) | set(self.LAZY))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            module, _, attribute = self.LAZY[name][0].partition(":")
            from importlib import import_module

            self.add_command(getattr(import_module(module), attribute), name)
        # Not the group's own: an app's command (``flask`` plugins are not scanned).
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.commands.get(name)
            if command is None:
                rows.append((name, self.LAZY[name][1]))
            elif not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def main() -> None:
    """Entry point of the ``wms`` console script."""

    def create_app():
        from wms import create_app as build

        return build()

    cli = WmsGroup(create_app=create_app, help="WMS for handhelds.")
    # serve is the group's own command, not the app's: Flask pushes an application
    # context around every app command, and a server must not run inside one.
    for command in (serve_command, demo_command, user_group, ledger_group):
        cli.add_command(command)
    cli.main(prog_name="wms")
