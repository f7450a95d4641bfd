"""CSV and XLSX files for the import tests, honest and hostile, made in code.

Workbooks are written part by part with zipfile, so a test can declare any dimension,
hold a million rows in a few megabytes, or lie in the zip directory.
"""

from __future__ import annotations

import functools
import io
import zipfile
from xml.sax.saxutils import escape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="订单" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
SHEET_PART = "xl/worksheets/sheet1.xml"


def csv_bytes(rows: list[list], encoding: str = "utf-8") -> bytes:
    """A CSV file of these rows (no quoting: the tests' cells hold no commas)."""
    return "".join(",".join(str(c) for c in row) + "\r\n" for row in rows).encode(encoding)


def workbook(sheet: bytes | str, *, level: int = 6, parts: dict[str, bytes] | None = None) -> bytes:
    """An xlsx whose first sheet is this worksheet XML."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr(SHEET_PART, sheet)
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def sheet_xml(rows: list[list], *, dimension: str | None = None) -> str:
    """Worksheet XML for these rows: numbers as numbers, the rest as inline strings."""
    cells = []
    for r, row in enumerate(rows, start=1):
        values = []
        for c, value in enumerate(row):
            ref = f"{_column_letter(c + 1)}{r}"
            if isinstance(value, int):
                values.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                values.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        cells.append(f'<row r="{r}">{"".join(values)}</row>')
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">{dim}' \
           f'<sheetData>{"".join(cells)}</sheetData></worksheet>'


def xlsx_bytes(rows: list[list], *, dimension: str | None = None) -> bytes:
    """An honest workbook of these rows (a lying dimension if asked)."""
    return workbook(sheet_xml(rows, dimension=dimension))


def _column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def huge_dimension() -> bytes:
    """About 1.5 KB declaring A1:XFD1048576: read as declared, 16,384 x 1,048,576 cells."""
    return workbook(sheet_xml([["x"]], dimension="A1:XFD1048576"))


@functools.cache
def million_rows(*, dimension: bool = True) -> bytes:
    """A million one-cell rows in a few megabytes (built once per test session)."""
    body = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 1_000_001))
    dim = b'<dimension ref="A1:A1000000"/>' if dimension else b""
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="' + MAIN_NS.encode() + b'">' + dim
             + b"<sheetData>" + body + b"</sheetData></worksheet>")
    return workbook(sheet, level=1)


def far_row(header: tuple[str, ...] = ("订单号",), row: int = 1_000_000_000) -> bytes:
    """A header and one row numbered ``row``: openpyxl fills the rows between as blank."""
    cells = "".join(f'<c t="inlineStr"><is><t>{escape(text)}</t></is></c>' for text in header)
    return workbook(f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1">{cells}</row>'
                    f'<row r="{row}"><c r="A{row}"><v>1</v></c></row></sheetData></worksheet>')


def zip_bomb(unpacked: int = 16 * 1024 * 1024) -> bytes:
    """A workbook whose sheet inflates a thousandfold (a part of zeros)."""
    return workbook(sheet_xml([["订单号"]]), level=9, parts={"xl/media/padding.bin": bytes(unpacked)})


def lying_sizes(data: bytes, part: str = SHEET_PART, size: int = 100) -> bytes:
    """The workbook with ``part``'s declared unpacked size replaced (directory and local header)."""
    patched = bytearray(data)
    # (signature, offset of the name's length, of the name, of the unpacked size)
    for signature, length_at, name_at, size_at in ((b"PK\x03\x04", 26, 30, 22), (b"PK\x01\x02", 28, 46, 24)):
        header = patched.find(signature)
        while header >= 0:
            length = int.from_bytes(patched[header + length_at:header + length_at + 2], "little")
            if patched[header + name_at:header + name_at + length] == part.encode():
                patched[header + size_at:header + size_at + 4] = size.to_bytes(4, "little")
            header = patched.find(signature, header + 4)
    return bytes(patched)


def password_protected() -> bytes:
    """What Excel saves with "Encrypt with password": an OLE file holding an EncryptedPackage."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\0") \
        + "EncryptedPackage".encode("utf-16-le").ljust(128, b"\0")
    return header + directory + bytes(1024)


def zip_encrypted(rows: list[list]) -> bytes:
    """A workbook whose sheet part carries the zip 'encrypted' flag."""
    data = bytearray(xlsx_bytes(rows))
    central = data.find(b"PK\x01\x02")
    while central >= 0:
        data[central + 8] |= 0x1
        central = data.find(b"PK\x01\x02", central + 4)
    return bytes(data)


def corrupt(data: bytes) -> bytes:
    """The workbook with a byte of its sheet's compressed data changed (a bad CRC or bad deflate)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(SHEET_PART)
    offset = info.header_offset
    start = offset + 30 + int.from_bytes(data[offset + 26:offset + 28], "little") \
        + int.from_bytes(data[offset + 28:offset + 30], "little")
    damaged = bytearray(data)
    damaged[start + info.compress_size // 2] ^= 0xFF
    return bytes(damaged)
