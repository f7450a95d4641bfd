"""Typed device errors: every failure a driver can report, each with a stable code.

The PDA maps ``code`` to a sound and a message, so codes never change once shipped.
"""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every error raised by the devices package."""

    code = "device_error"

    def __init__(self, message: str = "", *, url: str | None = None, data: bytes | None = None, **details):
        super().__init__(message or self.__class__.__doc__ or self.code)
        self.url = url
        self.data = data
        self.details = details  # JSON-ready facts for the client: sizes, limits, an engine's name

    def to_dict(self) -> dict:
        """Return the error as a JSON-ready mapping."""
        out: dict = {"code": self.code, "message": str(self), **self.details}
        if self.url:
            out["url"] = self.url
        if self.data is not None:
            out["data"] = self.data.hex()
        return out


class DeviceConfigError(DeviceError):
    """The device URL, kind or options are not valid."""

    code = "device_config"


class DeviceTimeout(DeviceError):
    """The device did not answer in time."""

    code = "device_timeout"


class DeviceDisconnected(DeviceError):
    """The port went away (cable pulled, peer closed, device unplugged)."""

    code = "device_disconnected"


class FrameError(DeviceError):
    """Bytes arrived that do not form a valid frame of the protocol."""

    code = "frame_error"


class ChecksumError(FrameError):
    """A frame arrived whole but its checksum does not match."""

    code = "checksum_error"


class ScaleError(DeviceError):
    """The scale reported a condition that gives no usable weight."""

    code = "scale_error"


class ScaleOverload(ScaleError):
    """The load is above the scale's capacity."""

    code = "scale_overload"


class ScaleUnderload(ScaleError):
    """The load is below the scale's zero range (pan removed, negative)."""

    code = "scale_underload"


class ScaleUnstable(ScaleError):
    """The weight did not settle within the time allowed."""

    code = "scale_unstable"


class ScaleBusy(ScaleError):
    """The scale cannot execute the command now (busy, or stability timeout)."""

    code = "scale_busy"


class ScaleCommandError(ScaleError):
    """The scale refused a command (MT-SICS ES/ET/EL)."""

    code = "scale_command_error"

    def __init__(self, message: str = "", *, reason: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.reason = reason


class ScaleNotSupported(ScaleError):
    """The scale's protocol has no such command (e.g. tare on a continuous stream)."""

    code = "scale_not_supported"


class DecodeError(DeviceError):
    """No valid barcode could be decoded."""

    code = "decode_error"


class DecodeAmbiguous(DecodeError):
    """Independent reads of one barcode disagree: nothing is returned, scan it again."""

    code = "decode_ambiguous"


class DecodeEngineUnavailable(DecodeError):
    """The decode engine asked for is not installed on this machine."""

    code = "decode_engine_unavailable"


class ImageError(DecodeError):
    """The image cannot be decoded safely, so no barcode can be read from it."""

    code = "image_error"


class NotAnImage(ImageError):
    """The data is not a PNG, JPEG, BMP or WebP image, or it is damaged."""

    code = "not_an_image"


class ImageTooLarge(ImageError):
    """The image has more pixels than the decoder accepts."""

    code = "image_too_large"


class GS1Error(DeviceError):
    """The data is not a valid GS1 element string."""

    code = "gs1_error"


class CheckDigitError(GS1Error):
    """A GTIN, SSCC or GLN has a wrong check digit."""

    code = "gs1_check_digit"


class PrinterError(DeviceError):
    """The label printer reported a problem."""

    code = "printer_error"


class PrinterNotReady(PrinterError):
    """The printer is paused, out of paper or ribbon, or its head is open."""

    code = "printer_not_ready"


class LabelError(DeviceError):
    """The label cannot be built from the data given (missing field, does not fit)."""

    code = "label_error"
