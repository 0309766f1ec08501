"""What a person reads for each column code and coded value: the one mapping (issue 17).

Queries name their columns by stable codes (`activity_id`, `progress_pct`), and the
machine-readable CSV (`dashboard export`, each page's *Download CSV*) keeps them. Tables on a
page and the CSV with readable headers show the labels defined here instead, coded values
(`in_progress`, `target`, `yes`) in words and true/false as Yes/No. A code without a label of
its own reads as its words (`items_started` → "Items started", `funding_EUR` →
"Funding (EUR)", `progress_pct` → "Progress (%)").

Numbers and percentages read the same everywhere through `whole` and `percent`.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from dashboard.models import ACTIVITY_STATUSES, ITEM_STATUSES

# Column code -> label, where the code's own words would not do.
COLUMNS: dict[str, str] = {
    "activity_id": "ID",
    "title": "Title",
    "status": "Status",
    "progress_pct": "Progress (%)",
    "activity_progress_pct": "Activity progress (%)",
    "completion_pct": "Mean activity progress (%)",
    "mean_progress": "Mean activity progress (%)",
    "start_date": "Start",
    "end_date": "End",
    "countries": "Countries",
    "ptcr": "PTCR",
    "ptcrs": "PTCRs",
    "lead": "Lead organisation",
    "demo": "Demo data",
    "demo_activities": "Demo activities",
    "source_url": "Source",
    "counted": "In the mean",
    "not_reported": "Progress not reported",
    "documented": "Documented activities",
    "iso3": "ISO code",
    "cms_party": "CMS Party",
    "cami_range_state": "CAMI range state",
    "cami_section": "CAMI section",
    "cami_sections": "CAMI sections",
    "cami_title": "CAMI section's title",
    "strategy_title": "Strategy item's title",
    "pallas_status": "Pallas's cat in the PTCR",
    "countries_derived": "Countries inferred",
    "position_derived": "Position inferred",
    "parent_code": "Part of",
    "items_total": "Items tracked",
    "goal_label": "Goal's name",
    "section_label": "Section's name",
    "label": "Item",
    "framework": "Plan",
    "value": "Activities (shared evenly)",
}

# Coded values -> words, per column code.
_ACTIVITY_STATUS_WORDS = {status: status.replace("_", " ") for status in ACTIVITY_STATUSES}
_ITEM_STATUS_WORDS = {status: status.replace("_", " ") for status in ITEM_STATUSES}
# How a status reads in a sentence ("3 completed, 2 in progress").
STATUS_WORDS: dict[str, str] = {**_ITEM_STATUS_WORDS, **_ACTIVITY_STATUS_WORDS}
VALUES: dict[str, dict[str, str]] = {
    "status": {code: words.capitalize() for code, words in STATUS_WORDS.items()},
    "assessed_status": {code: words.capitalize() for code, words in _ITEM_STATUS_WORDS.items()},
    "pallas_status": {"target": "Target", "pending": "Pending (under revision)"},
    "cms_party": {"yes": "Yes", "no": "No", "unconfirmed": "Unconfirmed"},
}
YES, NO = "Yes", "No"

_CURRENCY = re.compile(r"^(?P<what>[a-z_]+)_(?P<currency>[A-Z]{3})$")


def column_label(code: object) -> str:
    """What a person reads for the column `code`."""
    text = str(code)
    if text in COLUMNS:
        return COLUMNS[text]
    if match := _CURRENCY.match(text):
        return f"{column_label(match['what'])} ({match['currency']})"
    words = re.sub(r"_pct\b", " (%)", text).replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def value_label(column: object, value: object) -> object:
    """A cell of `column` as a person reads it: a code in words, true/false as Yes/No;
    anything else as it is."""
    if isinstance(value, bool | np.bool_):
        return YES if value else NO
    words = VALUES.get(str(column), {})
    return words.get(value, value) if isinstance(value, str) else value


def is_percent(code: object) -> bool:
    """Whether the column `code` holds percentages (0–100): a code ending in `_pct`, or a
    header a table already wrote for people that ends in "(%)"."""
    return str(code).endswith(("_pct", "(%)")) or str(code) in {"mean_progress"}


def is_year(code: object) -> bool:
    """Whether the column `code` holds years (shown without a thousands separator)."""
    return "year" in str(code).lower()


def for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its columns labelled and its coded values in words (a copy): for a table
    on a page and the CSV with readable headers. Numbers stay numbers."""
    shown = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values.dtype):
            shown[column] = values.map({True: YES, False: NO}).astype(object)
        elif str(column) in VALUES or values.dtype == object:
            shown[column] = pd.Series(
                [value_label(column, value) for value in values], index=frame.index, dtype=object
            )
    return shown.rename(columns=_unique_labels(frame.columns))


def _unique_labels(codes: object) -> dict[str, str]:
    """Each code's label; where two codes would read the same, the later one keeps its code
    beside the label, so no table has two columns of one name."""
    named: dict[str, str] = {}
    for code in codes:  # type: ignore[attr-defined]
        label = column_label(code)
        named[code] = f"{label} ({code})" if label in named.values() else label
    return named


def whole(value: object) -> str:
    """A number as a person reads it: `525,500`; a share with decimals to one place."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = float(value)  # type: ignore[arg-type]
    return f"{number:,.0f}" if number.is_integer() or abs(number) >= 100 else f"{number:,.1f}"


def percent(value: object) -> str:
    """A percentage as a person reads it: `67 %`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{float(value):.0f} %"  # type: ignore[arg-type]


def markdown_table() -> str:
    """The documented code → label table (docs/csv-columns.md holds exactly this)."""
    lines = ["| Column code | Readable header |", "| --- | --- |"]
    lines += [f"| `{code}` | {label} |" for code, label in sorted(COLUMNS.items())]
    lines += ["", "| Column code | Value | Reads |", "| --- | --- | --- |"]
    lines += [
        f"| `{column}` | `{code}` | {words} |"
        for column, values in sorted(VALUES.items())
        for code, words in values.items()
    ]
    return "\n".join(lines) + "\n"
