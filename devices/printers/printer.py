"""Label printer drivers: send jobs over raw TCP 9100 or serial; read printer status.

ZPL printers answer ``~HS`` with three STX...ETX strings; TSPL printers answer
``ESC !?`` with one status byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..driver import Driver
from ..errors import FrameError, PrinterNotReady
from ..framing import ByteFramer, DelimitedFramer, Framer
from . import tspl, zpl


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer says about itself."""

    paper_out: bool = False
    paused: bool = False
    head_open: bool = False
    ribbon_out: bool = False
    over_temperature: bool = False
    under_temperature: bool = False
    formats_in_buffer: int = 0
    flags: dict = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        """True when the printer can print now."""
        return not (
            self.paper_out
            or self.paused
            or self.head_open
            or self.ribbon_out
            or self.over_temperature
            or any(self.flags.get(k) for k in ("paper_jam", "other_error"))
        )

    def to_dict(self) -> dict:
        """Return the status as a JSON-ready mapping."""
        return {
            "ready": self.ready,
            "paper_out": self.paper_out,
            "paused": self.paused,
            "head_open": self.head_open,
            "ribbon_out": self.ribbon_out,
            "over_temperature": self.over_temperature,
            "under_temperature": self.under_temperature,
            "formats_in_buffer": self.formats_in_buffer,
        }


def parse_host_status(strings: list[bytes]) -> PrinterStatus:
    """Parse the three ``~HS`` strings (delimiters removed) into a PrinterStatus."""
    if len(strings) != 3:
        raise FrameError("~HS reply needs three strings")
    try:
        one = strings[0].decode("ascii").split(",")
        two = strings[1].decode("ascii").split(",")
        if len(one) < 12 or len(two) < 11:
            raise FrameError("~HS reply has too few fields", data=b"\x02".join(strings))
        return PrinterStatus(
            paper_out=one[1] == "1",
            paused=one[2] == "1",
            formats_in_buffer=int(one[4]),
            under_temperature=one[10] == "1",
            over_temperature=one[11] == "1",
            head_open=two[2] == "1",
            ribbon_out=two[3] == "1",
        )
    except (UnicodeDecodeError, ValueError):
        raise FrameError("unreadable ~HS reply", data=b"\x02".join(strings)) from None


def encode_host_status(
    *,
    paper_out: bool = False,
    paused: bool = False,
    head_open: bool = False,
    ribbon_out: bool = False,
    formats: int = 0,
) -> bytes:
    """The ``~HS`` reply a ZPL printer sends for this state (simulator side)."""
    one = f"030,{int(paper_out)},{int(paused)},1218,{formats:03d},0,0,0,000,0,0,0"
    two = f"001,0,{int(head_open)},{int(ribbon_out)},1,2,6,0,00000000,1,000"
    three = "1234,0"
    return b"".join(b"\x02" + s.encode("ascii") + b"\x03\r\n" for s in (one, two, three))


class LabelPrinter(Driver):
    """A label printer; ``language`` picks ZPL or TSPL."""

    language = ""

    def __init__(self, url: str, *, check_status: bool = True, **kwargs):
        self.check_status = check_status
        super().__init__(url, reconnect=kwargs.pop("reconnect", False), **kwargs)

    def send(self, job: bytes, timeout: float | None = None) -> None:
        """Send a job's bytes as they are."""
        self._write(job, self._deadline(timeout))

    def status(self, timeout: float | None = None) -> PrinterStatus:
        """Ask the printer for its status."""
        raise NotImplementedError

    def print_label(self, job: bytes, timeout: float | None = None) -> None:
        """Send a label job, first checking the printer is ready when ``check_status``."""
        if self.check_status:
            state = self.status(timeout)
            if not state.ready:
                flags = [k for k, v in state.to_dict().items() if v is True and k != "ready"]
                raise PrinterNotReady(f"printer not ready: {', '.join(flags)}", url=self.url)
        self.send(job, timeout)

    def probe(self, timeout: float) -> dict:
        """Read the printer status for the health report."""
        state = self.status(timeout)
        if not state.ready:
            raise PrinterNotReady(f"printer not ready: {state.to_dict()}", url=self.url)
        return state.to_dict()


class ZplPrinter(LabelPrinter):
    """A ZPL II printer (Zebra and compatibles)."""

    kind = "printer:zpl"
    language = "zpl"
    builders = {"lot": zpl.lot_label, "bin": zpl.bin_label, "shipping": zpl.shipping_label,
                "manifest": zpl.manifest_list}

    def make_framer(self) -> Framer:
        """``~HS`` strings are framed by STX and ETX."""
        return DelimitedFramer()

    def status(self, timeout: float | None = None) -> PrinterStatus:
        """Send ``~HS`` and parse the three status strings."""
        deadline = self._deadline(timeout)
        self._items.clear()
        self._write(zpl.STATUS_COMMAND, deadline)
        strings = []
        while len(strings) < 3:
            item = self._next_item(deadline, reopen=False)
            if isinstance(item, FrameError):
                raise item
            strings.append(item)
        return parse_host_status(strings)


class TsplPrinter(LabelPrinter):
    """A TSPL printer (TSC and many Chinese desktop printers)."""

    kind = "printer:tspl"
    language = "tspl"
    builders = {"lot": tspl.lot_label, "bin": tspl.bin_label, "shipping": tspl.shipping_label,
                "manifest": tspl.manifest_list}

    def make_framer(self) -> Framer:
        """``ESC !?`` replies with a single byte."""
        return ByteFramer()

    def status(self, timeout: float | None = None) -> PrinterStatus:
        """Send ``ESC !?`` and decode the status byte."""
        deadline = self._deadline(timeout)
        self._items.clear()
        self._write(tspl.STATUS_COMMAND, deadline)
        item = self._next_item(deadline, reopen=False)
        flags = tspl.parse_status_byte(item[0])
        return PrinterStatus(
            paper_out=flags["paper_out"],
            paused=flags["paused"],
            head_open=flags["head_open"],
            ribbon_out=flags["ribbon_out"],
            flags=flags,
        )
