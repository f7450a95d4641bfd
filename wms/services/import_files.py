"""The CSV and XLSX files clerks upload: ERP purchase orders, shop order exports, and
later courier bills. One reader, so every import accepts the same files and refuses a
hostile one the same way.

Accepted: ``.csv`` in UTF-8 (with or without BOM) or GB18030 (what Chinese Excel and
WPS save; it covers GBK), and ``.xlsx``/``.xlsm`` workbooks (the first sheet; an
``.xlsm``'s macros are never run, it is the same format). ``.txt`` is not: Excel's
"Unicode text" is UTF-16 and tab-separated, which this reader would misread.

Rows are streamed: the csv module reads the text incrementally and openpyxl reads the
sheet in read-only mode, never trusting its declared dimension (a 1.5 KB workbook may
declare 16,384 columns by a million rows). Before openpyxl opens a workbook, the zip is
checked from its directory (sizes, compression ratios, encryption) and each part is
scanned as it inflates for what openpyxl would otherwise build in memory: rows past the
limit, rows with more cells than the column limit allows, and entity declarations
(OOXML has no DTD; an entity can expand a small part a hundredfold).

A file that breaks a rule is refused with the caller's typed error; its details say
which rule: ``reason`` (a stable code), and ``row``, ``column`` (1-based) and ``limit``
where they apply.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app

from wms.config import Defaults
from wms.errors import DomainError

ACCEPTED_SUFFIXES = (".csv", ".xlsx", ".xlsm")
CSV_ENCODINGS = ("utf-8-sig", "gb18030")

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and every password-protected workbook
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
#: A part may inflate at most this many times its compressed size once past the grace
#: size (Apache POI's default): real sheet XML stays far below, a zip bomb far above.
MAX_INFLATE_RATIO = 100
_RATIO_GRACE_BYTES = 1024 * 1024
#: An xlsx has a dozen parts, a few hundred with images; the directory stays small.
MAX_PARTS = 1000
_MAX_DIRECTORY_BYTES = 1024 * 1024
#: Tags ('<') a row may hold per allowed column: a cell with an inline rich string has a
#: dozen, a plain cell four. openpyxl builds a whole row before it can be cut.
_TAGS_PER_COLUMN = 16
_CHUNK = 1024 * 1024
_TAIL = 128  # longer than any match of _ROW_EDGE, kept for the next chunk
_PREFIX = rb"(?:[^\s<>/:=\"']{1,64}:)?"
_ROW_EDGE = re.compile(rb"<(?:" + _PREFIX + rb"(?P<row>row)(?=[\s/>])|/" + _PREFIX + rb"sheetData(?=[\s>]))")


@dataclass(frozen=True)
class ImportLimits:
    """What one import accepts (the settings IMPORT_* and the import's row limit)."""

    max_rows: int  # below the header row
    max_columns: int = Defaults.IMPORT_MAX_COLUMNS
    max_field_chars: int = Defaults.IMPORT_MAX_FIELD_CHARS
    max_bytes: int = Defaults.IMPORT_MAX_BYTES
    max_unpacked_bytes: int = Defaults.IMPORT_MAX_UNPACKED_BYTES

    @classmethod
    def from_config(cls, config: Mapping[str, Any], max_rows_key: str) -> ImportLimits:
        """The limits an app is configured with; ``max_rows_key`` names the import's row limit."""
        return cls(max_rows=int(config[max_rows_key]), max_columns=int(config["IMPORT_MAX_COLUMNS"]),
                   max_field_chars=int(config["IMPORT_MAX_FIELD_CHARS"]),
                   max_bytes=int(config["IMPORT_MAX_BYTES"]),
                   max_unpacked_bytes=int(config["IMPORT_MAX_UNPACKED_BYTES"]))


def upload_limit() -> int:
    """Bytes an import's whole upload may have; a larger request is refused with 413."""
    return int(current_app.config["IMPORT_MAX_BYTES"])


class _Refused(Exception):
    def __init__(self, reason: str, message: str, **where: int) -> None:
        super().__init__(message)
        self.message = message
        self.details = {"reason": reason, **where}


Refuse = Callable[..., DomainError]


def read_rows(filename: str, content: bytes, limits: ImportLimits, refuse: Refuse) -> Iterator[tuple[int, list]]:
    """The file's non-blank rows as (row number, cells), the header first; a file that
    breaks a rule raises ``refuse(message, reason=..., row=..., ...)``, also mid-way."""
    try:
        yield from _checked_rows(filename or "", content, limits)
    except _Refused as refused:
        raise refuse(refused.message, **refused.details) from None


def _checked_rows(filename: str, content: bytes, limits: ImportLimits) -> Iterator[tuple[int, list]]:
    name = filename.lower()
    if name.endswith(".xls"):
        raise _Refused("file_type", "Old Excel (.xls) files are not read; save it as .xlsx.")
    if not name.endswith(ACCEPTED_SUFFIXES):
        raise _Refused("file_type", "Upload a .csv or .xlsx file.")
    if len(content) > limits.max_bytes:
        raise _Refused("file_too_large", f"A file may have at most {limits.max_bytes} bytes.",
                       limit=limits.max_bytes)
    if not content:
        raise _Refused("empty", "The file is empty.")
    rows = _csv_rows(content, limits) if name.endswith(".csv") else _sheet_rows(content, limits)
    found = False
    for number, cells in rows:
        if number > limits.max_rows + 1:
            raise _Refused("too_many_rows", f"A file may have at most {limits.max_rows} rows below the header.",
                           row=number, limit=limits.max_rows)
        cells = list(cells)
        while cells and _blank(cells[-1]):
            cells.pop()
        if not cells:
            continue
        if len(cells) > limits.max_columns:
            raise _Refused("too_many_columns", f"A row may have at most {limits.max_columns} columns.",
                           row=number, column=len(cells), limit=limits.max_columns)
        if max(map(_chars, cells)) > limits.max_field_chars:
            column = next(i for i, value in enumerate(cells, start=1) if _chars(value) > limits.max_field_chars)
            raise _field_too_long(limits, number, column)
        found = True
        yield number, cells
    if not found:
        raise _Refused("empty", "The file has no rows.")


#: The largest quantity a cell may hold: nine digits stay well inside the database's integer.
MAX_WHOLE_NUMBER = 999_999_999


def whole_number(value) -> int | None:
    """A cell as a whole number from 0 to MAX_WHOLE_NUMBER, else None; every import reads quantities so.

    A workbook's number comes as int or float (3 or 3.0), a CSV's as text ("3", or "3.0"
    as spreadsheets write it); ``isdigit()`` alone would take '²' and thousands of digits.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_WHOLE_NUMBER else None
    text = str(value or "").strip()
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if text.isascii() and text.isdigit() and len(text) <= len(str(MAX_WHOLE_NUMBER)) else None


def _chars(value) -> int:
    """A text cell's length (0 for a number or a date)."""
    return len(value) if isinstance(value, str) else 0


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _field_too_long(limits: ImportLimits, row: int, column: int | None = None) -> _Refused:
    limit = min(limits.max_field_chars, csv.field_size_limit())
    where = {"row": row, "limit": limit} if column is None else {"row": row, "column": column, "limit": limit}
    return _Refused("field_too_long", f"A cell may hold at most {limit} characters.", **where)


# --- CSV --------------------------------------------------------------------------------


def _csv_rows(content: bytes, limits: ImportLimits) -> Iterator[tuple[int, list]]:
    if content.startswith((_ZIP_MAGIC, _OLE_MAGIC)):
        raise _Refused("not_text", "This is an Excel workbook, not a CSV file; upload it as .xlsx.")
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _Refused("encoding", "The CSV file is UTF-16; save it as CSV UTF-8.")
    if b"\x00" in content:
        raise _Refused("not_text", "The CSV file holds binary data.")
    reader = csv.reader(io.TextIOWrapper(io.BytesIO(content), encoding=_csv_encoding(content), newline=""))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field limit" in str(exc):
                raise _field_too_long(limits, number + 1) from None
            raise _Refused("malformed_csv", f"Row {number + 1} is not valid CSV: {exc}.", row=number + 1) from None
        number += 1
        yield number, cells


def _csv_encoding(content: bytes) -> str:
    """The first of CSV_ENCODINGS that decodes the whole file (checked in chunks)."""
    for encoding in CSV_ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(content), _CHUNK):
                decoder.decode(content[start:start + _CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _Refused("encoding", "The CSV file is neither UTF-8 nor GB18030 (GBK) text.")


# --- XLSX -------------------------------------------------------------------------------


def _sheet_rows(content: bytes, limits: ImportLimits) -> Iterator[tuple[int, list]]:
    """The first sheet's rows, numbered as Excel numbers them (missing rows come blank)."""
    _check_workbook(content, limits)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken workbook
        raise _Refused("corrupt", "The file is not a readable Excel workbook.") from exc
    try:
        if not book.worksheets:
            raise _Refused("corrupt", "The workbook has no sheet.")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # the declared dimension is whatever the writer claimed
        rows = sheet.iter_rows(min_row=1, min_col=1, values_only=True)
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # a bad cell, bad XML or a bad CRC in the part
                raise _Refused("corrupt", f"Row {number + 1} of the workbook cannot be read.",
                               row=number + 1) from exc
            number += 1
            yield number, cells
    finally:
        book.close()


def _check_workbook(content: bytes, limits: ImportLimits) -> None:
    """Refuse a workbook before openpyxl opens it: not a zip, encrypted, or more than it may unpack to."""
    if content.startswith(_OLE_MAGIC):
        if _ENCRYPTED_PACKAGE in content:
            raise _Refused("password_protected", "The workbook has a password; save it without one.")
        raise _Refused("not_xlsx", "This is an old Excel (.xls) workbook; save it as .xlsx.")
    if not content.startswith(_ZIP_MAGIC):
        raise _Refused("not_xlsx", "The file is not an Excel workbook (.xlsx); a CSV file must be named .csv.")
    end = content.rfind(b"PK\x05\x06", max(0, len(content) - 22 - 0xFFFF))
    if end < 0 or len(content) - end < 22:
        raise _Refused("corrupt", "The workbook is damaged (no zip directory).")
    if int.from_bytes(content[end + 12:end + 16], "little") > _MAX_DIRECTORY_BYTES:
        raise _Refused("too_many_parts", f"A workbook may have at most {MAX_PARTS} parts.", limit=MAX_PARTS)
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
            _check_parts(parts, limits)
            rows = 0
            for part in parts:
                with archive.open(part) as stream:
                    rows = _scan_part(part.filename, stream, limits, rows)
    except _Refused:
        raise
    except Exception as exc:  # BadZipFile, a bad CRC, zlib.error, a truncated part ...
        raise _Refused("corrupt", "The workbook is damaged.") from exc


def _check_parts(parts: list[zipfile.ZipInfo], limits: ImportLimits) -> None:
    if len(parts) > MAX_PARTS:
        raise _Refused("too_many_parts", f"A workbook may have at most {MAX_PARTS} parts.", limit=MAX_PARTS)
    unpacked = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise _Refused("password_protected", "The workbook has a password; save it without one.")
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Refused("corrupt", "The workbook uses a compression Excel does not write.")
        # zipfile never inflates a part past its declared size (it fails on the CRC), so
        # the declared sizes bound what openpyxl can be made to read.
        unpacked += part.file_size
        if unpacked > limits.max_unpacked_bytes:
            raise _Refused("unpacked_too_large",
                           f"A workbook may unpack to at most {limits.max_unpacked_bytes} bytes.",
                           limit=limits.max_unpacked_bytes)
        if part.file_size > _RATIO_GRACE_BYTES and part.file_size > MAX_INFLATE_RATIO * part.compress_size:
            raise _Refused("compression_ratio",
                           f"A part of the workbook inflates more than {MAX_INFLATE_RATIO} times; "
                           "it is not a spreadsheet.", limit=MAX_INFLATE_RATIO)


def _scan_part(name: str, stream, limits: ImportLimits, rows: int) -> int:
    """Count the part's rows into ``rows`` and bound each row's tags, as the part inflates.

    openpyxl reads every sheet once when it opens a workbook (right through a sheet that
    does not declare its size first), and builds each row whole: both are cut here.
    """
    max_tags = _TAGS_PER_COLUMN * (limits.max_columns + 1)
    decoder = None
    carry = b""
    in_row, tags, first, eof = False, 0, True, False
    while not eof:
        chunk = stream.read(_CHUNK)
        eof = not chunk
        if first and chunk:
            first = False
            decoder = _utf16_decoder(chunk[:2])
        if decoder is not None:  # OPC allows UTF-16 parts; scan them as UTF-8
            chunk = decoder.decode(chunk, final=eof).encode("utf-8")
        buffer = carry + chunk
        if b"<!ENTITY" in buffer:
            raise _Refused("corrupt", f"The workbook's part {name} declares XML entities; Excel never does.")
        end = len(buffer) if eof else max(0, len(buffer) - _TAIL)
        position = 0
        for edge in _ROW_EDGE.finditer(buffer):
            if edge.start() >= end:
                break
            if in_row:
                tags += buffer.count(b"<", position, edge.start())
                _check_row_tags(tags, max_tags, name, limits)
            in_row = edge.group("row") is not None
            if in_row:
                rows, tags = rows + 1, 0
                if rows > limits.max_rows + 1:
                    raise _Refused("too_many_rows",
                                   f"A file may have at most {limits.max_rows} rows below the header.",
                                   limit=limits.max_rows)
            position = edge.start() + 1
        if in_row:
            tags += buffer.count(b"<", position, end)
            _check_row_tags(tags, max_tags, name, limits)
        carry = buffer[end:]
    return rows


def _check_row_tags(tags: int, max_tags: int, name: str, limits: ImportLimits) -> None:
    if tags > max_tags:
        raise _Refused("too_many_columns", f"A row in the workbook's part {name} has more cells "
                       f"than {limits.max_columns} columns hold.", limit=limits.max_columns)


def _utf16_decoder(start: bytes):
    """A decoder when a part starts as expat would take for UTF-16 (a BOM or a NUL byte)."""
    if start.startswith(codecs.BOM_UTF16_BE) or start[:1] == b"\x00":
        return codecs.getincrementaldecoder("utf-16-be")(errors="replace")
    if start.startswith(codecs.BOM_UTF16_LE) or start[1:2] == b"\x00":
        return codecs.getincrementaldecoder("utf-16-le")(errors="replace")
    return None
