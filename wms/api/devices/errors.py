"""Device errors in the project's one error format, with an HTTP status per stable code.

A device that does not answer is a gateway problem (503/504); a scale in a state that
gives no usable weight is a conflict the operator resolves at the bench (409); bytes
or data that make no sense are unprocessable (422). An upload that is no image is 415
and one with too many pixels 413, the codes the service's own checks answer with.
"""

from __future__ import annotations

from flask import jsonify

from devices.errors import DeviceError
from wms.errors import error_body

#: HTTP status for each stable device error code; anything else is 502.
DEVICE_ERROR_STATUS = {
    "device_timeout": 504,
    "device_disconnected": 503,
    "device_config": 422,
    "frame_error": 422,
    "checksum_error": 422,
    "scale_overload": 409,
    "scale_underload": 409,
    "scale_unstable": 409,
    "scale_busy": 409,
    "scale_command_error": 409,
    "scale_not_supported": 409,
    "scale_error": 409,
    "printer_not_ready": 409,
    "printer_error": 409,
    "label_error": 422,
    "decode_error": 422,
    "decode_ambiguous": 422,
    "decode_engine_unavailable": 422,
    "image_error": 422,
    "not_an_image": 415,
    "image_too_large": 413,
    "gs1_error": 422,
    "gs1_check_digit": 422,
}


def device_error_status(error: DeviceError) -> int:
    """The HTTP status a device error is answered with."""
    return DEVICE_ERROR_STATUS.get(error.code, 502)


def device_error_response(error: DeviceError):
    """Answer a DeviceError as ``{code, status, message, errors}``."""
    status = device_error_status(error)
    details = dict(error.details)
    if error.url:
        details["url"] = error.url
    reason = getattr(error, "reason", "")
    if reason:
        details["reason"] = reason
    response = jsonify(error_body(error.code, status, str(error), details))
    response.status_code = status
    return response
