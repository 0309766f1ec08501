"""The CSV export as LibreOffice Calc really opens it, split on `,` (English), on `;` (German,
French) and on tab: no cell becomes a formula, and the text arrives as written.

Needs Debian's `libreoffice-calc` (`soffice`). Without it the tests are skipped, unless
MANUL_REQUIRE_LIBREOFFICE=1 (CI, `.ci/run`), where a missing LibreOffice is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from dashboard.export import frame_to_csv, neutralise

SOFFICE = shutil.which("soffice")
REQUIRE_LIBREOFFICE = os.environ.get("MANUL_REQUIRE_LIBREOFFICE") == "1"
NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
# Texts a careless or hostile partner could store, each one a formula somewhere: at the
# start, after spaces or quotes, or after the separator of some locale or a line break.
HOSTILE = [
    "=1+1",
    "x;=1+1;y",
    "x,=1+1,y",
    "x\t=1+1",
    " =1+1",
    '"=1+1',
    "'=1+1",
    'a;"=1+1',
    'a; =HYPERLINK("http://example.org")',
    "line\n=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1)",
    "\t=1+1",
    "Даурский заповедник; =1",
    "plain text",
]


@pytest.fixture(scope="module")
def soffice() -> str:
    if SOFFICE is None:
        message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc"
        if REQUIRE_LIBREOFFICE:
            pytest.fail(message)
        pytest.skip(message)
    return SOFFICE


def opened(soffice: str, data: bytes, separator: str, directory: Path) -> list[list[ET.Element]]:
    """The cells of `data` as LibreOffice Calc imports it with `separator` (and `"` quoting,
    UTF-8): converted headless to a flat OpenDocument spreadsheet and read back."""
    directory.mkdir()
    source = directory / "export.csv"
    source.write_bytes(data)
    # Field separator, text delimiter, character set (76: UTF-8), first line: LibreOffice's
    # CSV filter options. Formulas are evaluated on import, as a double click would.
    options = f"CSV:{ord(separator)},34,76,1"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(directory / 'profile').as_uri()}",
            "--headless",
            f"--infilter={options}",
            "--convert-to",
            "fods",
            "--outdir",
            str(directory),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheet = ET.parse(directory / "export.fods").getroot()
    rows = []
    for row in sheet.iterfind(".//table:table-row", NS):
        cells = []
        for cell in row.iterfind("table:table-cell", NS):
            repeated = int(cell.get(f"{{{NS['table']}}}number-columns-repeated", "1"))
            cells.extend([cell] * min(repeated, 50))
        rows.append(cells)
    return rows


def _spans(element: ET.Element) -> str:
    """An OpenDocument paragraph's text, its tabs and runs of spaces (elements) restored."""
    parts = [element.text or ""]
    for child in element:
        name = child.tag.rsplit("}", 1)[-1]
        if name == "tab":
            parts.append("\t")
        elif name == "s":
            parts.append(" " * int(child.get(f"{{{NS['text']}}}c", "1")))
        elif name == "line-break":
            parts.append("\n")
        else:
            parts.append(_spans(child))
        parts.append(child.tail or "")
    return "".join(parts)


def text_of(cell: ET.Element) -> str:
    return "\n".join(_spans(paragraph) for paragraph in cell.iterfind("text:p", NS))


def formulas(rows: list[list[ET.Element]]) -> list[str]:
    return [
        str(cell.get(f"{{{NS['table']}}}formula"))
        for row in rows
        for cell in row
        if cell.get(f"{{{NS['table']}}}formula") is not None
    ]


def hostile_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "=title": HOSTILE,
            "codes": [["S1.1", text] for text in HOSTILE],
            "change": [-5 + index for index in range(len(HOSTILE))],
        }
    )


@pytest.mark.parametrize("separator", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_no_cell_is_a_formula_whatever_the_separator(
    soffice: str, separator: str, tmp_path: Path
) -> None:
    rows = opened(soffice, frame_to_csv(hostile_table()), separator, tmp_path / "calc")
    assert len(rows) >= len(HOSTILE) + 1
    assert formulas(rows) == []


def test_with_commas_every_cell_arrives_as_written(soffice: str, tmp_path: Path) -> None:
    """Split as written, each text is intact but for the `'` before what would run, and the
    numbers (negative ones too) are numbers."""
    rows = opened(soffice, frame_to_csv(hostile_table()), ",", tmp_path / "calc")
    assert [text_of(cell) for cell in rows[0][:3]] == ["'=title", "codes", "change"]
    for index, (row, text) in enumerate(zip(rows[1:], HOSTILE, strict=False)):
        assert text_of(row[0]) == neutralise(text)
        assert text_of(row[1]) == neutralise(f"S1.1;{text}")
        assert neutralise(text).replace("'", "") == text.replace("'", "")
        assert row[2].get(f"{{{NS['office']}}}value-type") == "float"
        assert float(str(row[2].get(f"{{{NS['office']}}}value"))) == -5 + index
