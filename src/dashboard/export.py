"""CSV export: UTF-8, ISO dates, `;`-joined lists, and no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

import pandas as pd

# A spreadsheet treats a cell starting with these as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Prefix a cell a spreadsheet would evaluate with a quote, so it stays text."""
    return "'" + value if value.startswith(FORMULA_TRIGGERS) else value


def _cell(value: Any) -> str:
    if value is None or (not isinstance(value, (list, tuple, set)) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}" if not value.is_integer() else str(int(value))
    if isinstance(value, (list, tuple, set)):
        return ";".join(_cell(part) for part in value)
    if isinstance(value, (int,)):
        return str(value)
    return neutralise(str(value))


def frame_to_csv(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> bytes:
    """The CSV bytes of `frame` (only `columns`, in that order, if given)."""
    chosen = list(columns) if columns is not None else list(frame.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(str(name)) for name in chosen])
    for row in frame[chosen].itertuples(index=False, name=None):
        writer.writerow([_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
