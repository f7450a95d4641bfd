"""Station use cases: configure benches and use their scale, label printer and scanner.

Device settings are checked against the ``devices`` registry before they are stored.
Devices are opened per call with a bounded timeout and closed before returning: a
gunicorn worker never holds a port open between requests. No device is used inside a
write transaction: the scale is read before the use case that needs the weight, and
labels go through the print queue (``wms.services.print_queue``), sent after commit.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from devices import create_device
from devices.errors import DecodeError, DeviceConfigError, LabelError
from devices.printers.labels import BinLabel, LotLabel, ManifestList, ManifestRow, ShippingLabel, WaybillLabel
from devices.registry import validate_options
from devices.scanners.camera import decode_image
from devices.transports import split_url
from wms.domain.permissions import Permission, require
from wms.domain.printing import LabelKind
from wms.domain.shipping import WeightReading, WeightSource, weight_in_grams
from wms.errors import (
    AlreadyExists,
    ImageTooLarge,
    InvalidInput,
    NotAnImage,
    StationDeviceInvalid,
    StationDeviceMissing,
    StationInactive,
    StationNotFound,
)
from wms.extensions import db
from wms.i18n import error_message
from wms.models import Warehouse
from wms.models.station import PRINTER_LANGUAGES, SCALE_PROTOCOLS, Station
from wms.models.users import User
from wms.services import print_queue
from wms.services.masterdata import get_record
from wms.services.uow import run_in_transaction, transaction

#: Seconds a request may wait on a device at most, whatever a station or caller asks.
MAX_DEVICE_TIMEOUT = 10.0
#: Seconds to wait for a stable weight when the caller does not say.
DEFAULT_STABLE_TIMEOUT = 5.0
NETWORK_SCHEMES = ("socket", "rfc2217", "tcp")
DEVICE_FIELDS = {
    "scale": ("scale_url", "scale_protocol", "scale_options"),
    "printer": ("printer_url", "printer_language", "printer_options"),
    "scanner": ("scanner_url", None, "scanner_options"),
}


@dataclass(frozen=True)
class StationReading:
    """A weight read at a station's scale."""

    station: str
    value: Decimal
    unit: str
    stable: bool
    net: bool
    tare: Decimal | None
    read_at: dt.datetime
    elapsed_ms: float


# -- configuration -----------------------------------------------------------------------


def check_device_url(url: str, field: str) -> None:
    """Refuse a URL the devices package could not open (StationDeviceInvalid)."""
    problem = None
    if not url or url != url.strip() or any(c.isspace() for c in url):
        problem = "must be a non-empty URL without spaces"
    else:
        try:
            split_url(url)
        except DeviceConfigError as exc:
            problem = str(exc)
        else:
            scheme = urlsplit(url).scheme.lower() if "://" in url else ""
            if scheme in NETWORK_SCHEMES:
                try:
                    port = urlsplit(url).port
                except ValueError:
                    port = None
                if not urlsplit(url).hostname or not port:
                    problem = f"{scheme}:// needs host:port"
            elif not scheme and not (url.startswith("/") or url.upper().startswith("COM")):
                problem = "a serial port is a device path such as /dev/ttyUSB0 (or COM3)"
    if problem:
        raise StationDeviceInvalid(f"{field}: {problem}", **{field: [problem]})


def check_device_options(kind: str, options: dict, field: str) -> None:
    """Check options against the driver's schema in the devices registry."""
    if not isinstance(options, dict):
        raise StationDeviceInvalid(f"{field} must be an object", **{field: ["must be an object"]})
    try:
        typed = validate_options(kind, options)
    except DeviceConfigError as exc:
        raise StationDeviceInvalid(f"{field}: {exc}", **{field: [str(exc)]}) from None
    if not 0 < typed.get("timeout", 1) <= MAX_DEVICE_TIMEOUT:
        problem = f"timeout must be between 0 and {MAX_DEVICE_TIMEOUT:g} seconds"
        raise StationDeviceInvalid(f"{field}: {problem}", **{field: [problem]})


def _check_devices(station: Station) -> None:
    if station.scale_url is not None or station.scale_protocol is not None:
        if not station.scale_url or station.scale_protocol not in SCALE_PROTOCOLS:
            problem = f"a scale needs scale_url and scale_protocol (one of {list(SCALE_PROTOCOLS)})"
            raise StationDeviceInvalid(problem, scale_protocol=[problem])
        check_device_url(station.scale_url, "scale_url")
    if station.printer_url is not None and station.printer_language is None:
        station.printer_language = "zpl"  # what most warehouse printers speak
    if station.printer_url is None and station.printer_language is not None:
        station.printer_language = None
    if station.printer_url is not None:
        if station.printer_language not in PRINTER_LANGUAGES:
            problem = f"printer_language must be one of {list(PRINTER_LANGUAGES)}"
            raise StationDeviceInvalid(problem, printer_language=[problem])
        check_device_url(station.printer_url, "printer_url")
    if station.scanner_url is not None:
        check_device_url(station.scanner_url, "scanner_url")
    for role, (_, _, options_field) in DEVICE_FIELDS.items():
        kind = getattr(station, f"{role}_kind")
        options = getattr(station, options_field) or {}
        if kind is not None:
            check_device_options(kind, options, options_field)
        elif options:
            problem = f"options given for a {role} the station does not have"
            raise StationDeviceInvalid(problem, **{options_field: [problem]})


def find_station(code: str) -> Station:
    """A station by code or StationNotFound."""
    station = db.session.execute(sa.select(Station).where(Station.code == code)).scalar_one_or_none()
    if station is None:
        raise StationNotFound(f"No station '{code}'.", code=code)
    return station


def _apply(station: Station, data: dict[str, Any]) -> Station:
    with db.session.no_autoflush:
        if "code" in data:
            stmt = sa.select(Station.id).where(Station.code == data["code"])
            if station.id is not None:
                stmt = stmt.where(Station.id != station.id)
            if db.session.execute(stmt).first() is not None:
                raise AlreadyExists(field="code", value=data["code"])
        if "warehouse_id" in data:
            get_record(Warehouse, data["warehouse_id"])
        for field, value in data.items():
            setattr(station, field, value)
        for _, _, options_field in DEVICE_FIELDS.values():
            if getattr(station, options_field) is None:
                setattr(station, options_field, {})
        _check_devices(station)
    db.session.add(station)
    db.session.flush()
    return station


def create_station(actor: User, data: dict[str, Any]) -> Station:
    """Configure a new station after checking its devices against the registry."""
    require(actor.role, Permission.STATION_MANAGE)
    with transaction():
        return _apply(Station(), data)


def update_station(actor: User, code: str, changes: dict[str, Any]) -> Station:
    """Change a station's name, kind, warehouse or devices (checked again as a whole)."""
    require(actor.role, Permission.STATION_MANAGE)
    with transaction():
        return _apply(find_station(code), changes)


def delete_station(actor: User, code: str) -> None:
    """Remove a station's configuration (nothing in the ledger refers to it)."""
    require(actor.role, Permission.STATION_MANAGE)
    with transaction():
        db.session.delete(find_station(code))
        db.session.flush()


def save_station(code: str, data: dict[str, Any]) -> Station:
    """Create or update a station by code without a user (the demo's simulators)."""
    with transaction():
        station = db.session.execute(sa.select(Station).where(Station.code == code)).scalar_one_or_none()
        return _apply(station or Station(code=code), data)


def list_stations(actor: User, filters: dict[str, Any], page: int, page_size: int):
    """A page of stations, filtered by kind, warehouse and active flag."""
    from wms.services.queries import paginate

    require(actor.role, Permission.DEVICE_USE)
    stmt = sa.select(Station).order_by(Station.code)
    for field, value in filters.items():
        if value is not None:
            stmt = stmt.where(getattr(Station, field) == value)
    return paginate(stmt, page, page_size)


def read_station(actor: User, code: str) -> Station:
    """One station, for a user allowed to use devices."""
    require(actor.role, Permission.DEVICE_USE)
    return find_station(code)


# -- using the devices -------------------------------------------------------------------


def _usable(actor: User, code: str) -> Station:
    require(actor.role, Permission.DEVICE_USE)
    station = find_station(code)
    if not station.active:
        raise StationInactive(f"Station '{code}' is not in use.", code=code)
    return station


def _bounded(timeout: float | None, default: float) -> float:
    limit = float(current_app.config.get("STATION_MAX_DEVICE_TIMEOUT", MAX_DEVICE_TIMEOUT))
    value = default if timeout is None else timeout
    return max(0.05, min(float(value), limit))


def _open(station: Station, role: str, timeout: float):
    url_field, _, options_field = DEVICE_FIELDS[role]
    url, kind = getattr(station, url_field), getattr(station, f"{role}_kind")
    if url is None or kind is None:
        raise StationDeviceMissing(f"Station '{station.code}' has no {role}.", device=role)
    options = {**(getattr(station, options_field) or {}), "timeout": timeout}
    return create_device(kind, url, **options)


def read_scale(
    actor: User, code: str, *, stable: bool = False, timeout: float | None = None
) -> StationReading:
    """Read the station's scale now, or wait (bounded) for a stable weight."""
    station = _usable(actor, code)
    configured = float((station.scale_options or {}).get("timeout", 2.0))
    wait = _bounded(timeout, current_app.config.get("STATION_STABLE_TIMEOUT", DEFAULT_STABLE_TIMEOUT)
                    if stable else configured)
    started = time.monotonic()
    with _open(station, "scale", wait) as scale:
        reading = scale.read_stable(wait) if stable else scale.read(wait)
    return StationReading(
        station=station.code,
        value=reading.weight.value,
        unit=reading.weight.unit,
        stable=reading.stable,
        net=reading.net,
        tare=None if reading.tare is None else reading.tare.value,
        read_at=dt.datetime.now(dt.timezone.utc),
        elapsed_ms=round((time.monotonic() - started) * 1000, 1),
    )


def weigh_parcel(actor: User, code: str, *, timeout: float | None = None) -> WeightReading:
    """Weigh a parcel on the station's scale, waiting (bounded) for a stable weight.

    Called before the ship step, outside any transaction: the reading is passed in.
    """
    reading = read_scale(actor, code, stable=True, timeout=timeout)
    return WeightReading(grams=weight_in_grams(reading.value, reading.unit), source=WeightSource.SCALE,
                         read_at=reading.read_at, stable=reading.stable, station=reading.station)


def build_label(label: str, data: dict[str, Any]):
    """The label's content from its data, printed as given (LabelError when a field is missing)."""
    try:
        if label == LabelKind.LOT:
            return LotLabel(
                gtin=data["gtin"], lot=data["lot"], expiry=_as_date(data["expiry"]),
                description=data.get("description", ""), quantity=str(data.get("quantity", "")),
                received=_as_date(data.get("received")),
            )
        if label == LabelKind.BIN:
            return BinLabel(location=data["location"], zone=data.get("zone", ""))
        if label == LabelKind.SHIPPING and data.get("waybill_size"):
            return WaybillLabel(
                courier=data.get("courier_name") or data.get("carrier", ""), tracking=data["tracking"],
                recipient_name=data.get("recipient_name", ""), recipient_phone=data.get("recipient_phone", ""),
                recipient_address=data.get("recipient_address", ""), sender_name=data.get("sender_name", ""),
                sender_phone=data.get("sender_phone", ""), sender_address=data.get("sender_address", ""),
                sorting_code=data.get("sorting_code") or "", order=data.get("order", ""),
                size=data["waybill_size"],
            )
        if label == LabelKind.MANIFEST:
            return ManifestList(
                number=data["number"], courier=data.get("courier", ""), total_weight=data.get("total_weight", ""),
                driver=data.get("driver_name") or "",
                rows=tuple(ManifestRow(r["tracking"], r.get("order", ""), r.get("recipient", ""), r.get("weight", ""))
                           for r in data["parcels"]),
            )
        if label == LabelKind.SHIPPING:
            return ShippingLabel(
                tracking=data["tracking"], carrier=data.get("carrier", ""),
                recipient_name=data.get("recipient_name", ""),
                recipient_phone=data.get("recipient_phone", ""),
                recipient_address=data.get("recipient_address", ""), order=data.get("order", ""),
            )
    except KeyError as exc:
        raise LabelError(f"{label} labels need {exc.args[0]}") from None
    raise LabelError(f"unknown label {label!r}; choose lot, bin or shipping")


def _as_date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def render_label(station: Station, label: LabelKind, data: dict[str, Any]) -> bytes:
    """One copy of the label in the station printer's language (no device is opened)."""
    driver = create_device(station.printer_kind, station.printer_url, **(station.printer_options or {}))
    return driver.builders[label.value](build_label(label, data))


def send_to_printer(code: str, payload: bytes, copies: int) -> None:
    """Send a queued job's bytes to the station's printer (after commit, never inside one)."""
    station = find_station(code)
    if not station.active:
        raise StationInactive(f"Station '{code}' is not in use.", code=code)
    if station.printer_url is None:
        raise StationDeviceMissing(f"Station '{station.code}' has no printer.", device="printer")
    wait = _bounded(None, float((station.printer_options or {}).get("timeout", 2.0)))
    with _open(station, "printer", wait) as printer:
        for _ in range(copies):
            printer.print_label(payload, wait)


def printer_answers(code: str) -> bool:
    """Whether the station's printer answers a status request now (the print watch asks).

    False for a station that is gone, not in use or has no printer. The station is read
    and the read ended before the printer is asked.
    """
    station = db.session.execute(sa.select(Station).where(Station.code == code)).scalar_one_or_none()
    if station is None or not station.active or station.printer_url is None or station.printer_kind is None:
        db.session.commit()
        return False
    wait = _bounded(None, float((station.printer_options or {}).get("timeout", 2.0)))
    device = _open(station, "printer", wait)
    db.session.commit()
    try:
        return device.health(wait).ok
    finally:
        device.close()


def print_label(actor: User, code: str, label: str, data: dict[str, Any], *, copies: int = 1,
                document: tuple[str, str] | None = None) -> print_queue.PrintJobView:
    """Queue a label for the station's printer (one transaction); ``deliver`` prints it after."""
    def use_case() -> print_queue.PrintJobView:
        job = print_queue.queue_label(_usable(actor, code), label, data, copies=copies, document=document,
                                      created_by=actor.id)
        return print_queue.job_view(job)

    return run_in_transaction(use_case)


@dataclass(frozen=True)
class StationHealth:
    """Each device of a station asked once: the devices' own typed status, and all ok."""

    station: str
    ok: bool
    devices: list[dict[str, Any]]


def check_health(actor: User, code: str, timeout: float | None = None) -> StationHealth:
    """Ask each device of the station once; a typed status per device, never an exception."""
    station = _usable(actor, code)
    wait = _bounded(timeout, 2.0)
    devices = []
    for role in DEVICE_FIELDS:
        if getattr(station, f"{role}_kind") is None:
            continue
        device = _open(station, role, wait)
        try:
            health = device.health(wait).to_dict()
        finally:
            device.close()
        if not health["ok"]:  # the device's own words, in the caller's language
            health["message"] = error_message(health["code"], health["detail"], health["message"])
        devices.append({"role": role, **health})
    return StationHealth(station.code, all(d["ok"] for d in devices), devices)


# -- camera images -----------------------------------------------------------------------

#: Bytes of an uploaded image at most, and pixels once decoded (a small PNG can unpack huge).
MAX_IMAGE_BYTES = 8 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000


def image_format(data: bytes) -> str | None:
    """The image format by its magic bytes: png, jpeg, bmp, webp, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"BM") and len(data) > 26:
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def image_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height from the header, without decoding (None when not found there)."""
    if kind == "png" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if kind == "bmp":
        return abs(int.from_bytes(data[18:22], "little", signed=True)), abs(
            int.from_bytes(data[22:26], "little", signed=True))
    if kind == "jpeg":
        at = 2
        while at + 9 < len(data):
            if data[at] != 0xFF:
                return None
            marker = data[at + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                at += 2
                continue
            length = int.from_bytes(data[at + 2 : at + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(data[at + 5 : at + 7], "big")
                return int.from_bytes(data[at + 7 : at + 9], "big"), height
            at += 2 + length
    return None


def upload_limit() -> int:
    """Bytes an uploaded image may have."""
    return int(current_app.config.get("DECODE_MAX_BYTES", MAX_IMAGE_BYTES))


@dataclass(frozen=True)
class DecodeResult:
    """The barcodes found in a camera image, its size and how long decoding took."""

    codes: list[dict[str, Any]]
    width: int
    height: int
    elapsed_ms: float


def decode_upload(actor: User, data: bytes, engine: str = "pipeline") -> DecodeResult:
    """Decode the barcodes in an uploaded camera image (DecodeError when there is none)."""
    require(actor.role, Permission.DEVICE_USE)
    limit = upload_limit()
    max_pixels = int(current_app.config.get("DECODE_MAX_PIXELS", MAX_IMAGE_PIXELS))
    if not data:
        raise InvalidInput("Upload an image: multipart field 'file' or the raw body.", file=["missing"])
    if len(data) > limit:
        raise ImageTooLarge(max_bytes=limit, bytes=len(data))
    kind = image_format(data)
    if kind is None:
        raise NotAnImage()
    size = image_size(data, kind)
    if size is not None and size[0] * size[1] > max_pixels:
        raise ImageTooLarge(f"The image has more than {max_pixels} pixels.", max_pixels=max_pixels)
    import cv2  # the camera's libraries load only when an image is decoded
    import numpy as np

    gray = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None or gray.size == 0:
        raise NotAnImage(f"The {kind.upper()} image cannot be read.", format=kind)
    if gray.size > max_pixels:
        raise ImageTooLarge(f"The image has more than {max_pixels} pixels.", max_pixels=max_pixels)
    started = time.monotonic()
    found = decode_image(gray, engine)
    if not found:
        raise DecodeError("no barcode found")
    return DecodeResult(codes=[d.to_dict() for d in found], width=int(gray.shape[1]), height=int(gray.shape[0]),
                        elapsed_ms=round((time.monotonic() - started) * 1000, 1))
