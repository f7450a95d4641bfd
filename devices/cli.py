"""Command line for devices, output as JSON lines; mounted by the service as ``wms devices``.

Also runs standalone: ``python -m devices ...``.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import sys
import time

import click

from .errors import DeviceError
from .printers.labels import BinLabel, LotLabel, ShippingLabel
from .printers.printer import TsplPrinter, ZplPrinter
from .registry import create_device, drivers, health_check
from .scanners.camera import ENGINES, decode_image
from .scanners.serial_scanner import SerialScanner
from .simulators.printer import PrinterSimulator
from .simulators.scale import ScaleSimulator
from .simulators.scanner import ScannerSimulator


def emit(obj: dict) -> None:
    """Print one JSON object on its own line and flush (consumers read line by line)."""
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))
    sys.stdout.flush()


@click.group("devices")
def devices_cli() -> None:
    """Barcode scanners, scales and label printers."""


@devices_cli.command("drivers")
def drivers_cmd() -> None:
    """List device kinds and their option schemas."""
    for spec in drivers():
        emit(spec.to_dict())


@devices_cli.command("health")
@click.argument("kind")
@click.argument("url")
@click.option("--timeout", type=float, default=2.0)
def health_cmd(kind: str, url: str, timeout: float) -> None:
    """Check a device answers; prints its typed status."""
    result = health_check(kind, url, timeout=timeout)
    emit(result.to_dict())
    sys.exit(0 if result.ok else 1)


@devices_cli.command("decode")
@click.argument("images", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--engine", type=click.Choice(sorted(ENGINES)), default="pipeline")
def decode_cmd(images: tuple[str, ...], engine: str) -> None:
    """Decode barcodes in images: one object per image."""
    failed = False
    for path in images:
        started = time.perf_counter()
        try:
            found = decode_image(path, engine)
        except DeviceError as exc:
            emit({"image": path, "ok": False, "error": exc.to_dict()})
            failed = True
            continue
        emit(
            {
                "image": path,
                "ok": bool(found),
                "ms": round((time.perf_counter() - started) * 1000, 1),
                "codes": [d.to_dict() for d in found],
                **({} if found else {"error": {"code": "decode_error", "message": "no barcode found"}}),
            }
        )
        failed |= not found
    sys.exit(1 if failed else 0)


@devices_cli.group("scale")
def scale_group() -> None:
    """Weighing scales."""


@scale_group.command("read")
@click.argument("url")
@click.option("--protocol", type=click.Choice(["mt-sics", "toledo", "xk3190"]), required=True)
@click.option("--stable", is_flag=True, help="Wait for a stable weight.")
@click.option("--timeout", type=float, default=5.0)
@click.option("--unit", default="kg", help="Unit for protocols that do not send one (xk3190).")
def scale_read(url: str, protocol: str, stable: bool, timeout: float, unit: str) -> None:
    """Read one weight."""
    options = {"unit": unit} if protocol == "xk3190" else {}
    try:
        with create_device(f"scale:{protocol}", url, timeout=timeout, **options) as scale:
            reading = scale.read_stable(timeout) if stable else scale.read(timeout)
    except DeviceError as exc:
        emit({"ok": False, "error": exc.to_dict()})
        sys.exit(1)
    emit({"ok": True, **reading.to_dict()})


@devices_cli.group("scan")
def scan_group() -> None:
    """Serial barcode scanners."""


@scan_group.command("listen")
@click.argument("url")
@click.option("--count", type=int, default=None, help="Stop after this many scans.")
@click.option("--timeout", type=float, default=30.0, help="Stop after this many seconds.")
@click.option("--suffix", type=click.Choice(["CR", "LF", "CRLF", "ANY"]), default="ANY")
@click.option("--prefix", default="")
@click.option("--no-aim", is_flag=True, help="Scanner does not send AIM identifiers.")
def scan_listen(url: str, count: int | None, timeout: float, suffix: str, prefix: str, no_aim: bool) -> None:
    """Print scans as they arrive (bounded by --count and --timeout)."""
    try:
        with SerialScanner(url, suffix=suffix, prefix=prefix, aim=not no_aim) as scanner:
            for item in scanner.listen(count=count, timeout=timeout, yield_errors=True):
                if isinstance(item, DeviceError):
                    emit({"ok": False, "error": item.to_dict()})
                else:
                    emit({"ok": True, **item.to_dict()})
    except DeviceError as exc:
        emit({"ok": False, "error": exc.to_dict()})
        sys.exit(1)


@devices_cli.command("print")
@click.argument("url")
@click.option("--language", type=click.Choice(["zpl", "tspl"]), required=True)
@click.option("--label", "label_kind", type=click.Choice(["lot", "bin", "shipping"]), required=True)
@click.option("--gtin")
@click.option("--lot")
@click.option("--expiry", help="YYYY-MM-DD")
@click.option("--description", default="")
@click.option("--quantity", default="")
@click.option("--location")
@click.option("--zone", default="")
@click.option("--tracking")
@click.option("--carrier", default="")
@click.option("--name", "recipient_name", default="")
@click.option("--phone", default="")
@click.option("--address", default="")
@click.option("--order", default="")
@click.option("--no-status", is_flag=True, help="Do not ask the printer's status first.")
@click.option("--dry-run", is_flag=True, help="Print the job bytes instead of sending them.")
def print_cmd(url: str, language: str, label_kind: str, no_status: bool, dry_run: bool, **fields) -> None:
    """Build a label and send it to a printer."""
    printer_cls = ZplPrinter if language == "zpl" else TsplPrinter
    try:
        if label_kind == "lot":
            if not (fields["gtin"] and fields["lot"] and fields["expiry"]):
                raise click.UsageError("lot labels need --gtin, --lot and --expiry")
            label = LotLabel(
                fields["gtin"],
                fields["lot"],
                dt.date.fromisoformat(fields["expiry"]),
                fields["description"],
                fields["quantity"],
            )
        elif label_kind == "bin":
            if not fields["location"]:
                raise click.UsageError("bin labels need --location")
            label = BinLabel(fields["location"], fields["zone"])
        else:
            if not fields["tracking"]:
                raise click.UsageError("shipping labels need --tracking")
            label = ShippingLabel(
                fields["tracking"],
                fields["carrier"],
                fields["recipient_name"],
                fields["phone"],
                fields["address"],
                fields["order"],
            )
        job = printer_cls.builders[label_kind](label)
        if dry_run:
            emit(
                {"ok": True, "language": language, "job": job.decode("utf-8" if language == "zpl" else "gbk")}
            )
            return
        with printer_cls(url, check_status=not no_status) as printer:
            printer.print_label(job)
    except DeviceError as exc:
        emit({"ok": False, "error": exc.to_dict()})
        sys.exit(1)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    emit({"ok": True, "language": language, "label": label_kind, "bytes": len(job)})


@devices_cli.group("simulate")
def simulate_group() -> None:
    """Run a device simulator; the first line printed is the URL to connect to."""


def _run(sim, duration: float | None, extra: dict) -> None:
    stopping = []
    previous = signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        with sim:
            emit({"url": sim.url, **extra})
            end = None if duration is None else time.monotonic() + duration
            while not stopping and (end is None or time.monotonic() < end):
                time.sleep(0.05)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


TRANSPORT = click.option("--transport", type=click.Choice(["pty", "tcp"]), default="tcp")
DURATION = click.option("--duration", type=float, default=None, help="Stop after this many seconds.")
PORT = click.option("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0: any free port).")


@simulate_group.command("scale")
@click.option("--protocol", type=click.Choice(["mt-sics", "toledo", "xk3190"]), default="mt-sics")
@click.option("--weight", default="1.000")
@click.option("--unit", default="kg")
@click.option("--decimals", type=int, default=3)
@TRANSPORT
@PORT
@DURATION
def simulate_scale(protocol, weight, unit, decimals, transport, port, duration) -> None:
    """Simulate a scale showing a fixed stable weight."""
    sim = ScaleSimulator(protocol, transport, weight=weight, unit=unit, decimals=decimals, port=port)
    _run(sim, duration, {"protocol": protocol, "weight": weight, "unit": unit})


@simulate_group.command("scanner")
@click.option("--code", "codes", multiple=True, help="Data to scan (repeatable); AIM id may lead.")
@click.option("--interval", type=float, default=1.0, help="Seconds between scans.")
@click.option("--suffix", type=click.Choice(["CR", "LF", "CRLF"]), default="CR")
@TRANSPORT
@PORT
@DURATION
def simulate_scanner(codes, interval, suffix, transport, port, duration) -> None:
    """Simulate a scanner scanning the given codes in turn."""
    codes = codes or ("]C1010950110153000317261231101234AB",)
    sim = ScannerSimulator(transport, suffix=suffix, port=port)
    sim.tick_interval = interval
    turn = iter(range(1 << 62))
    sim.tick = lambda: sim.frame(codes[next(turn) % len(codes)]) if sim.connected else b""
    _run(sim, duration, {"codes": list(codes)})


@simulate_group.command("printer")
@click.option("--language", type=click.Choice(["zpl", "tspl"]), default="zpl")
@TRANSPORT
@PORT
@DURATION
def simulate_printer(language, transport, port, duration) -> None:
    """Simulate a label printer; prints a summary of each job received."""
    sim = PrinterSimulator(language, transport, port=port)
    record = sim._record

    def announce(job: bytes) -> None:
        record(job)
        emit({"job": len(sim.jobs), "bytes": len(job), "head": job[:60].decode("utf-8", "replace")})

    sim._record = announce
    _run(sim, duration, {"language": language})
