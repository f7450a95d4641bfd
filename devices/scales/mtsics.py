"""Mettler Toledo MT-SICS: ASCII commands and replies ended by CR LF.

Commands used: ``S`` (stable weight), ``SI`` (weight now), ``Z`` (zero), ``T`` (tare),
``I4`` (serial number), ``@`` (reset). Replies are split on whitespace, never sliced by
column: field widths differ between balances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..errors import (
    DeviceTimeout,
    FrameError,
    ScaleBusy,
    ScaleCommandError,
    ScaleOverload,
    ScaleUnderload,
    ScaleUnstable,
)
from ..framing import LineFramer
from ..weight import Reading, Weight
from .base import Scale

TERMINATOR = b"\r\n"
COMMANDS = ("S", "SI", "SIR", "Z", "ZI", "T", "TA", "TAC", "TI", "I0", "I1", "I2", "I3", "I4", "@", "D", "DW")
ERRORS = {"ES": "syntax error", "ET": "transmission error", "EL": "logical error"}


@dataclass(frozen=True)
class Reply:
    """One parsed MT-SICS reply line: command id, status and remaining fields."""

    command: str
    status: str
    fields: tuple[str, ...]
    raw: bytes


def encode_command(command: str, *args: str) -> bytes:
    """Return the bytes for an MT-SICS command, e.g. ``b"S\\r\\n"``."""
    if not command or any(c in command for c in " \r\n"):
        raise ValueError(f"bad MT-SICS command {command!r}")
    return " ".join((command, *args)).encode("ascii") + TERMINATOR


def parse_reply(line: bytes) -> Reply:
    """Parse one reply line (terminator already removed); FrameError if not MT-SICS."""
    try:
        text = line.decode("ascii")
    except UnicodeDecodeError:
        raise FrameError("non-ASCII bytes in MT-SICS reply", data=line) from None
    if any(ord(c) < 32 for c in text):
        raise FrameError("control bytes in MT-SICS reply", data=line)
    parts = text.split()
    if not parts:
        raise FrameError("empty MT-SICS reply", data=line)
    if parts[0] in ERRORS:
        return Reply(parts[0], "", tuple(parts[1:]), line)
    if len(parts) < 2:
        raise FrameError("MT-SICS reply without status", data=line)
    command = parts[0]
    if not command.isalnum() or not command.isupper() and not command.isdigit():
        raise FrameError(f"bad command id {command!r}", data=line)
    if command.startswith("I") and len(parts) > 2 and parts[1] == "A":
        # Info replies quote free text: keep it whole.
        rest = text.split(None, 2)[2]
        return Reply(command, "A", (rest.strip().strip('"'),), line)
    return Reply(command, parts[1], tuple(parts[2:]), line)


def _raise_for(reply: Reply, url: str | None = None) -> None:
    if reply.command in ERRORS:
        raise ScaleCommandError(
            f"scale replied {reply.command}: {ERRORS[reply.command]}",
            reason=reply.command,
            url=url,
            data=reply.raw,
        )
    status = reply.status
    if status == "I":
        raise ScaleBusy(f"{reply.command} not executable now", url=url, data=reply.raw)
    if status == "+":
        raise ScaleOverload("weight above capacity", url=url, data=reply.raw)
    if status == "-":
        raise ScaleUnderload("weight below zero range", url=url, data=reply.raw)
    if status == "L":
        raise ScaleCommandError(f"{reply.command}: wrong parameter", reason="L", url=url, data=reply.raw)


def _weight(reply: Reply) -> Weight:
    if len(reply.fields) != 2:
        raise FrameError("weight reply needs value and unit", data=reply.raw)
    value, unit = reply.fields
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise FrameError(f"bad weight value {value!r}", data=reply.raw) from None
    if not number.is_finite() or not unit.isalpha():
        raise FrameError(f"bad weight {value!r} {unit!r}", data=reply.raw)
    return Weight(number, unit)


def parse_weight_reply(line: bytes, url: str | None = None) -> Reading:
    """Parse the reply to S or SI: ``S S 12.345 kg`` (stable) or ``S D ...`` (dynamic)."""
    reply = parse_reply(line)
    if reply.command not in ("S", "SI", "SIR") and reply.command not in ERRORS:
        raise FrameError(f"expected a weight reply, got {reply.command}", data=line)
    _raise_for(reply, url)
    if reply.status not in ("S", "D"):
        raise FrameError(f"unknown weight status {reply.status!r}", data=line)
    return Reading(_weight(reply), reply.status == "S")


def encode_weight_reply(
    value: Decimal, unit: str = "kg", *, stable: bool = True, command: str = "S"
) -> bytes:
    """Return a weight reply line as a balance sends it (value right-aligned, 10 wide)."""
    return f"{command} {'S' if stable else 'D'} {str(value):>10} {unit}".encode("ascii") + TERMINATOR


def encode_status_reply(command: str, status: str) -> bytes:
    """Return a bare status reply such as ``S I``, ``S +``, ``Z A``."""
    return f"{command} {status}".encode("ascii") + TERMINATOR


class MtSicsScale(Scale):
    """A balance speaking MT-SICS level 0/1 (request and reply)."""

    kind = "scale:mt-sics"

    def make_framer(self) -> LineFramer:
        """MT-SICS replies end with CR LF."""
        return LineFramer("CRLF", max_length=256)

    def command(self, command: str, *args: str, timeout: float | None = None) -> Reply:
        """Send one command and return its reply (typed errors for E*, I, +, -).

        After a reconnect the command is sent again. Each one used here (S, SI, Z, T,
        I4) sent twice leaves the balance as sent once: T stores the gross load as tare.
        """

        def reply_to(line: bytes) -> Reply | None:
            reply = parse_reply(line)
            # Ignore stray lines for another command (e.g. a late SIR stream).
            if reply.command in ERRORS or reply.command == command or (command == "SI" and reply.command == "S"):
                return reply
            return None

        return self._exchange(encode_command(command, *args), self._deadline(timeout), reply_to)

    def read(self, timeout: float | None = None) -> Reading:
        """Weight now (``SI``), stable or dynamic."""
        reply = self.command("SI", timeout=timeout)
        return parse_weight_reply(reply.raw, self.url)

    def read_stable(self, timeout: float | None = None) -> Reading:
        """Stable weight (``S``); the balance waits for stability itself."""
        deadline = self._deadline(timeout)
        last = None
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                reply = self.command("S", timeout=remaining)
                return parse_weight_reply(reply.raw, self.url)
            except ScaleBusy as exc:  # "S I": stability timeout inside the balance
                last = exc
            except DeviceTimeout as exc:
                raise ScaleUnstable(f"no stable weight from {self.url} in time", url=self.url) from exc
        raise ScaleUnstable(f"no stable weight from {self.url} in time", url=self.url) from last

    def zero(self, timeout: float | None = None) -> None:
        """Zero the balance (``Z``); raises if the load is unstable or out of range."""
        reply = self.command("Z", timeout=timeout)
        _raise_for(reply, self.url)
        if reply.status != "A":
            raise FrameError(f"unexpected zero reply {reply.status!r}", data=reply.raw)

    def tare(self, timeout: float | None = None) -> Weight:
        """Tare (``T``) and return the tare weight stored."""
        reply = self.command("T", timeout=timeout)
        _raise_for(reply, self.url)
        if reply.status != "S":
            raise FrameError(f"unexpected tare reply {reply.status!r}", data=reply.raw)
        return _weight(reply)

    def serial_number(self, timeout: float | None = None) -> str:
        """Return the balance's serial number (``I4``)."""
        reply = self.command("I4", timeout=timeout)
        _raise_for(reply, self.url)
        return reply.fields[0] if reply.fields else ""

    def probe(self, timeout: float) -> dict:
        """Ask for the serial number: proves the balance answers MT-SICS."""
        return {"serial_number": self.serial_number(timeout)}
