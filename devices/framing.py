"""Framing: turn the byte stream of a port into whole frames, reporting garbage as errors.

Each framer is fed whatever bytes arrived (any split, any size) and returns a list of
complete frames (``bytes``) and :class:`FrameError` objects, in arrival order. Partial
frames stay buffered, so a read that times out mid-frame loses nothing (unlike
``Serial.readline``, which hands back the partial line).
"""

from __future__ import annotations

from .errors import FrameError

CR, LF = b"\r", b"\n"
STX, ETX = b"\x02", b"\x03"
TERMINATORS = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "ANY": b""}

Item = bytes | FrameError


class Framer:
    """Base framer: holds the unframed tail of the stream."""

    max_buffer = 4096

    def __init__(self):
        self._buf = bytearray()

    def reset(self) -> None:
        """Drop any partial frame (after a reconnect)."""
        self._buf.clear()

    @property
    def pending(self) -> bytes:
        """Bytes received that are not yet a whole frame."""
        return bytes(self._buf)

    def feed(self, data: bytes) -> list[Item]:
        """Add bytes; return the frames and errors they complete."""
        raise NotImplementedError


class LineFramer(Framer):
    """Frames ended by CR, LF or CRLF; ``ANY`` ends a frame at any CR or LF."""

    def __init__(self, terminator: str | bytes = "CRLF", max_length: int = 1024):
        super().__init__()
        if isinstance(terminator, str):
            try:
                terminator = TERMINATORS[terminator.upper()]
            except KeyError:
                raise ValueError(f"terminator must be one of {sorted(TERMINATORS)}") from None
        self.terminator = terminator
        self.max_length = max_length

    def feed(self, data: bytes) -> list[Item]:
        """Add bytes; return complete lines (without terminator) and overlong-line errors."""
        self._buf += data
        out: list[Item] = []
        while True:
            if self.terminator:
                end = self._buf.find(self.terminator)
                skip = len(self.terminator)
            else:
                ends = [i for i in (self._buf.find(CR), self._buf.find(LF)) if i >= 0]
                end = min(ends) if ends else -1
                skip = 1
            if end < 0:
                break
            line = bytes(self._buf[:end])
            del self._buf[: end + skip]
            if not self.terminator and not line:
                continue  # the LF of a CRLF pair, or a blank line
            if len(line) > self.max_length:
                out.append(FrameError(f"line of {len(line)} bytes exceeds {self.max_length}", data=line[:64]))
            else:
                out.append(line)
        if len(self._buf) > self.max_length:
            out.append(FrameError("no terminator within max length", data=bytes(self._buf[:64])))
            self._buf.clear()
        return out


class FixedFramer(Framer):
    """Frames that start with STX and have a fixed length (Toledo, XK3190).

    Bytes before an STX are garbage and are reported once per run as a FrameError.
    A frame whose last byte is not the expected end byte is reported and the search
    resumes just after its STX (so a frame that began inside garbage is not lost).
    """

    def __init__(
        self, length: int, *, start: bytes = STX, end: bytes | None = None, end_at: int | None = None
    ):
        super().__init__()
        self.length = length
        self.start = start
        self.end = end
        self.end_at = length - 1 if end_at is None else end_at

    def feed(self, data: bytes) -> list[Item]:
        """Add bytes; return complete frames (STX included) and framing errors."""
        self._buf += data
        out: list[Item] = []
        while self._buf:
            at = self._buf.find(self.start)
            if at < 0:
                out.append(FrameError("bytes outside a frame", data=bytes(self._buf[:64])))
                self._buf.clear()
                break
            if at > 0:
                out.append(FrameError("bytes outside a frame", data=bytes(self._buf[:at][:64])))
                del self._buf[:at]
            if len(self._buf) < self.length:
                break
            frame = bytes(self._buf[: self.length])
            if self.end is not None and frame[self.end_at : self.end_at + 1] != self.end:
                out.append(FrameError("frame not terminated where expected", data=frame))
                del self._buf[:1]
                continue
            del self._buf[: self.length]
            out.append(frame)
        return out


class DelimitedFramer(Framer):
    """Frames between a start and an end byte (ZPL ``~HS`` replies: STX ... ETX CR LF).

    Whitespace between frames is ignored; other bytes outside frames are reported.
    """

    def __init__(self, start: bytes = STX, end: bytes = ETX, max_length: int = 1024):
        super().__init__()
        self.start, self.end, self.max_length = start, end, max_length

    def feed(self, data: bytes) -> list[Item]:
        """Add bytes; return frames without their delimiters, and framing errors."""
        self._buf += data
        out: list[Item] = []
        while self._buf:
            at = self._buf.find(self.start)
            junk = bytes(self._buf if at < 0 else self._buf[:at])
            if junk.strip():
                out.append(FrameError("bytes outside a frame", data=junk[:64]))
            if at < 0:
                self._buf.clear()
                break
            del self._buf[:at]
            end = self._buf.find(self.end, 1)
            restart = self._buf.find(self.start, 1)
            if 0 < restart < end or (end < 0 and restart > 0):
                out.append(FrameError("frame restarted before its end", data=bytes(self._buf[:restart][:64])))
                del self._buf[:restart]
                continue
            if end < 0:
                if len(self._buf) > self.max_length:
                    out.append(FrameError("frame too long", data=bytes(self._buf[:64])))
                    self._buf.clear()
                break
            out.append(bytes(self._buf[1:end]))
            del self._buf[: end + 1]
        return out


class ByteFramer(Framer):
    """Every byte is a frame (one-byte status replies such as TSPL ``ESC !?``)."""

    def feed(self, data: bytes) -> list[Item]:
        """Return each byte as its own frame."""
        return [bytes((b,)) for b in data]
