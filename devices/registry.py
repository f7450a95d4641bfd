"""Driver registry: device kinds by type string, each with a config schema.

Like a query-runner registry: the service stores ``(kind, url, options)`` per device
and calls :func:`open_device`; options are checked against the driver's schema first.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .driver import DeviceHealth, Driver
from .errors import DeviceConfigError, DeviceError
from .printers.printer import TsplPrinter, ZplPrinter
from .scales import MtSicsScale, ToledoScale, Xk3190Scale
from .scanners.serial_scanner import SerialScanner

COMMON = {
    "timeout": {"type": "number", "default": 2.0, "title": "Seconds to wait for the device"},
    "reconnect": {"type": "boolean", "default": True, "title": "Reopen the port after a pulled cable"},
    "reconnect_window": {
        "type": "number",
        "default": 1.0,
        "title": "Seconds a read waits for a lost device to come back",
    },
    "baudrate": {"type": "integer", "title": "Serial speed (or ?baudrate= in the URL)"},
}
SECONDS = ("timeout", "reconnect_window")  # durations are floats; other numbers are Decimal
TYPES = {
    "number": (int, float, Decimal, str),
    "integer": (int, str),
    "boolean": (bool, str),
    "string": (str,),
}


@dataclass(frozen=True)
class DriverSpec:
    """A registered driver: its kind, class and option schema."""

    kind: str
    driver: type[Driver]
    schema: dict
    description: str

    def to_dict(self) -> dict:
        """Return the spec as a JSON-ready mapping (JSON-Schema-like options)."""
        return {
            "kind": self.kind,
            "description": self.description,
            "schema": {"type": "object", "properties": self.schema},
        }


_REGISTRY: dict[str, DriverSpec] = {}


def register(kind: str, driver: type[Driver], options: dict, description: str = "") -> None:
    """Register ``driver`` under ``kind`` with its own options (common ones are added)."""
    _REGISTRY[kind] = DriverSpec(
        kind, driver, {**COMMON, **options}, description or (driver.__doc__ or "").strip()
    )


def drivers() -> list[DriverSpec]:
    """All registered drivers, sorted by kind."""
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def _coerce(name: str, spec: dict, value):
    kind = spec.get("type", "string")
    if not isinstance(value, TYPES[kind]) or (kind != "boolean" and isinstance(value, bool)):
        raise DeviceConfigError(f"option {name} must be {kind}")
    try:
        if kind == "number":
            value = float(value) if name in SECONDS else Decimal(str(value))
        elif kind == "integer":
            value = int(value)
        elif kind == "boolean" and isinstance(value, str):
            if value.lower() not in ("1", "0", "true", "false", "yes", "no"):
                raise ValueError(value)
            value = value.lower() in ("1", "true", "yes")
    except (ValueError, ArithmeticError):
        raise DeviceConfigError(f"option {name}: bad value {value!r}") from None
    if "enum" in spec and value not in spec["enum"]:
        raise DeviceConfigError(f"option {name} must be one of {spec['enum']}")
    return value


def validate_options(kind: str, options: dict) -> dict:
    """Check options against the driver's schema; return them typed, defaults filled in."""
    try:
        spec = _REGISTRY[kind]
    except KeyError:
        raise DeviceConfigError(f"unknown device kind {kind!r}; known: {sorted(_REGISTRY)}") from None
    unknown = set(options) - set(spec.schema)
    if unknown:
        raise DeviceConfigError(f"unknown options for {kind}: {sorted(unknown)}")
    out = {}
    for name, field in spec.schema.items():
        if name in options and options[name] is not None:
            out[name] = _coerce(name, field, options[name])
        elif "default" in field:
            out[name] = field["default"]
    return out


def create_device(kind: str, url: str, **options) -> Driver:
    """Build a driver for ``kind`` at ``url`` without opening it."""
    typed = validate_options(kind, options)
    return _REGISTRY[kind].driver(url, **typed)


def open_device(kind: str, url: str, **options) -> Driver:
    """Build and open a driver (use as a context manager to close it)."""
    return create_device(kind, url, **options).open()


def health_check(kind: str, url: str, timeout: float = 2.0, **options) -> DeviceHealth:
    """Open the device, talk to it once, close it; the typed status, never an exception."""
    try:
        device = create_device(kind, url, **options)
    except DeviceError as exc:
        return DeviceHealth(kind, url, False, exc.code, str(exc))
    try:
        return device.health(timeout)
    finally:
        device.close()


register("scale:mt-sics", MtSicsScale, {}, "Mettler Toledo balance speaking MT-SICS")
register(
    "scale:toledo",
    ToledoScale,
    {
        "checksum": {"type": "boolean", "default": True, "title": "Frames end with the checksum byte"},
    },
    "Indicator streaming Toledo continuous output",
)
register(
    "scale:xk3190",
    Xk3190Scale,
    {
        "unit": {"type": "string", "default": "kg", "enum": ["kg", "g", "lb", "t"], "title": "Unit shown"},
        "capacity": {"type": "number", "title": "Readings above are overload"},
        "minimum": {"type": "number", "title": "Readings below are underload"},
        "stable_count": {"type": "integer", "default": 5, "title": "Identical readings for stable"},
        "stable_seconds": {"type": "number", "default": 0.5, "title": "Seconds they must span"},
    },
    "Yaohua XK3190-A9 indicator, continuous mode",
)
register(
    "scanner:serial",
    SerialScanner,
    {
        "suffix": {"type": "string", "default": "CR", "enum": ["CR", "LF", "CRLF", "ANY"]},
        "prefix": {"type": "string", "default": ""},
        "aim": {"type": "boolean", "default": True, "title": "Scanner sends AIM symbology identifiers"},
    },
    "Serial (RS-232/USB-CDC) barcode scanner",
)
register(
    "printer:zpl",
    ZplPrinter,
    {
        "check_status": {"type": "boolean", "default": True, "title": "Ask ~HS before each label"},
        "reconnect": {"type": "boolean", "default": False},
    },
    "ZPL II label printer (raw TCP 9100 or serial)",
)
register(
    "printer:tspl",
    TsplPrinter,
    {
        "check_status": {"type": "boolean", "default": True, "title": "Ask ESC !? before each label"},
        "reconnect": {"type": "boolean", "default": False},
    },
    "TSPL label printer (raw TCP 9100 or serial)",
)
