"""Cells of the files a spreadsheet opens (XLSX and CSV exports): text stays text.

Every export carries text that came from outside: a courier bill's tracking number, an item
or supplier name, a hold's reason, a clerk's note. A spreadsheet reads a cell that starts
with ``=`` as a formula (and a CSV cell that starts with ``+``, ``-``, ``@``, a tab or a
carriage return too), so such a text could run a formula on the clerk's machine (CSV or
formula injection). Every writer of those files goes through the two functions here:

- ``xlsx_append``: a row appended to an openpyxl sheet, a text that openpyxl would store as
  a formula stored as the text it is (the cell reads exactly as typed);
- ``csv_cell``: a text cell that a spreadsheet would read as a formula gets a leading
  apostrophe, the usual defence (OWASP); numbers, including negative ones, are left alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: What makes a spreadsheet read a CSV cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A CSV cell's value: a text read as a formula gets a leading ``'``; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_append(sheet, row: Iterable[Any]) -> None:
    """Append ``row`` to an openpyxl ``sheet``, texts stored as texts, never as formulas."""
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"
