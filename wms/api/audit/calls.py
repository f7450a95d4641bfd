"""What a request's audit row says beyond its user: its action, document and device.

The device names itself in two headers (``wms.domain.audit``): ``X-Device-Id``, its
stable id, and ``X-Device-Name``, the name the warehouse gave it, percent-encoded UTF-8
(a header carries Latin-1 only; "拣货-07" travels as ``%E6%8B%A3...``). A malformed one
is refused with 400 ``device_header_invalid`` before anything runs; a missing one is
recorded as none. A replay from a handheld's outbox carries the headers of the device
and the moment the user acted.
"""

from __future__ import annotations

from urllib.parse import unquote

from flask import request

from wms.domain.audit import action_spec, valid_device_id, valid_device_name
from wms.errors import DeviceHeaderInvalid
from wms.services.audit import CallAudit, Device

DEVICE_ID_HEADER = "X-Device-Id"
DEVICE_NAME_HEADER = "X-Device-Name"


def request_device() -> Device:
    """The device the request names, checked (``DeviceHeaderInvalid``); empty when it names none."""
    device_id = request.headers.get(DEVICE_ID_HEADER)
    if device_id is not None and not valid_device_id(device_id):
        raise DeviceHeaderInvalid(header=DEVICE_ID_HEADER)
    raw_name = request.headers.get(DEVICE_NAME_HEADER)
    name = None
    if raw_name is not None:
        try:
            name = unquote(raw_name, errors="strict").strip()
        except UnicodeDecodeError:
            raise DeviceHeaderInvalid(header=DEVICE_NAME_HEADER) from None
        if not valid_device_name(name):
            raise DeviceHeaderInvalid(header=DEVICE_NAME_HEADER)
    return Device(device_id or None, name or None)


def operation_key() -> str:
    """The request's operation as the OpenAPI tables name it: "<endpoint> <METHOD>"."""
    return f"{request.endpoint} {request.method}"


def call_audit(device: Device | None = None) -> CallAudit:
    """The audit facts of the current request."""
    return CallAudit(action_spec(operation_key()), request.method, request.path[:400],
                     dict(request.view_args or {}), request_device() if device is None else device)
