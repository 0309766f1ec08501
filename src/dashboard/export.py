"""CSV export: UTF-8 with a BOM, ISO dates, `;`-joined lists, no cell a spreadsheet would run.

One builder for every download and for `dashboard export`, so the page and the command line
write the same bytes for the same rows. Filenames carry the date and the filters.

A spreadsheet may split the file on `,` (English), `;` (German, French: the list separator of
their locales) or tab, whatever we meant. So a cell holding any of them is quoted, and in a
text cell every place where a split could begin a new cell that a spreadsheet would read as a
formula gets a `'` (OWASP "CSV injection"): the cell's start, and the start of each piece after
`,` `;` tab or a line break, when it begins (after any spaces or quotes) with `=` `+` `-` or
`@`; a text cell starting with tab or carriage return too. Numbers are written as numbers
(a negative amount stays `-5`): only text is marked.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from dashboard import labels
from dashboard.filters import Filters, file_label

# The field separators of common locales and the line breaks: where a spreadsheet may begin
# a new cell.
SEPARATORS = ",;\t\r\n"
# Where a `'` goes: before a piece that (after spaces or quotes) starts a formula, at the
# cell's start or after any separator; and before a tab or carriage return opening the cell.
_WOULD_RUN = re.compile(rf"""(?:^|(?<=[{SEPARATORS}]))(?=[ "']*[=+\-@])|^(?=[\t\r])""")
# A cell holding a separator, a quote or a line break is quoted (RFC 4180).
_NEEDS_QUOTES = re.compile(f'["{SEPARATORS}]')
LIST_SEPARATOR = ";"
# Long filter lists would make unwieldy filenames; the CSV itself is never cut.
MAX_FILENAME = 200


def neutralise(value: str) -> str:
    """Mark with `'` every start of a cell a spreadsheet could evaluate, so it stays text."""
    return _WOULD_RUN.sub("'", value)


def _quoted(cell: str) -> str:
    """A cell as written: quoted (quotes doubled) when it holds a separator of any locale."""
    return '"' + cell.replace('"', '""') + '"' if _NEEDS_QUOTES.search(cell) else cell


def _line(cells: Iterable[str]) -> str:
    return ",".join(_quoted(cell) for cell in cells) + "\r\n"


def _number(value: float) -> str:
    # Whole numbers without ".0"; others as the shortest text that reads back the same.
    return str(int(value)) if value.is_integer() else repr(value)


def _plain(value: Any) -> str:
    """One value as text, before formula neutralisation and CSV quoting."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        parts = sorted(value, key=str) if isinstance(value, (set, frozenset)) else list(value)
        return LIST_SEPARATOR.join(_plain(part) for part in parts)
    if value is None or pd.isna(value):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, dt.date)):
        # pd.Timestamp is a datetime too.
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, Decimal):
        return _number(float(value)) if value == value.to_integral_value() else str(value)
    return str(value)


def _cell(value: Any) -> str:
    """One value as a CSV cell: numbers as they are, any text neutralised."""
    if isinstance(value, np.generic):
        value = value.item()
    text = _plain(value)
    if isinstance(value, (bool, int, float, Decimal)):
        # A number (negative ones included) is never a formula.
        return text
    return neutralise(text)


def frame_to_csv(
    frame: pd.DataFrame, columns: Iterable[str] | None = None, *, readable: bool = False
) -> bytes:
    """The CSV bytes of `frame` (only `columns`, in that order, if given).

    The header row holds the columns' stable codes (`activity_id`, `progress_pct`), or with
    `readable` their labels ("ID", "Progress (%)"), coded values in words and Yes/No for
    true/false (`dashboard.labels`; both are documented in docs/csv-columns.md). Numbers
    stay numbers either way.

    UTF-8 starting with a byte-order mark, CRLF line ends, a header row, ISO dates,
    `true`/`false`, lists joined with `;`; any cell holding `,` `;` tab, a quote or a line
    break quoted, and text a spreadsheet would run marked with `'` (see the module's note).
    """
    chosen = list(columns) if columns is not None else [str(name) for name in frame.columns]
    if readable:
        frame = labels.for_people(frame[chosen])
        chosen = [labels.column_label(name) for name in chosen]
    buffer = io.StringIO()
    buffer.write(_line(neutralise(name) for name in chosen))
    for row in frame[chosen].itertuples(index=False, name=None):
        buffer.write(_line(_cell(value) for value in row))
    # The mark is how Excel knows the file is UTF-8: without it, Excel opened by a double click
    # reads the system's code page and shows Cyrillic and Mongolian names as mojibake.
    return buffer.getvalue().encode("utf-8-sig")


def _slug(value: object) -> str:
    """ASCII letters, digits, dots and hyphens only: safe in a filename on every system."""
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")


def filter_label(filters: Filters, *, funders: Sequence[str] = (), search: str = "") -> list[str]:
    """The active filters as short filename parts, e.g. ["country-KAZ", "with-demo"]
    (named by `filters.file_label`)."""
    label = [
        "-".join([name, *(["+".join(_slug(value) for value in values)] if values else [])])
        for name, values in file_label(filters, funder=funders)
    ]
    if search.strip():
        label.append(f"search-{_slug(search.strip())}")
    return [part for part in label if not part.endswith("-")]


def export_filename(
    table: str,
    filters: Filters | None = None,
    *,
    today: dt.date | None = None,
    funders: Sequence[str] = (),
    search: str = "",
    extension: str = "csv",
) -> str:
    """`manul-<table>_<date>[_<filter>...].<extension>`, e.g.
    `manul-activities_2026-11-21_country-KAZ.csv`."""
    day = (today or dt.date.today()).isoformat()
    parts = [f"manul-{_slug(table)}", day]
    if filters is not None:
        parts += filter_label(filters, funders=funders, search=search)
    stem = "_".join(parts)
    if len(stem) > MAX_FILENAME:
        stem = stem[:MAX_FILENAME].rstrip("_-+.")
    return f"{stem}.{extension}"


# A fixed timestamp inside the archive, so the same tables always give the same bytes.
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def tables_to_zip(tables: Mapping[str, pd.DataFrame]) -> bytes:
    """A ZIP archive holding each table as `<name>.csv` (built with `frame_to_csv`)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, frame in tables.items():
            info = zipfile.ZipInfo(f"{_slug(name)}.csv", date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, frame_to_csv(frame))
    return buffer.getvalue()
