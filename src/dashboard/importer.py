"""Validated import of the templates in data/templates/: all rows checked, then all or nothing.

`dashboard import FILE` and the upload on the edit page run `import_file`. A file is read
(UTF-8 with or without a BOM, or UTF-16; `,` `;` or tab delimited), recognised by its columns,
and every row is parsed and checked before anything is written. Any error rejects the whole file
with `row N, column X: message` lines and leaves the store as it was. A clean file is applied in
one transaction, upserting by key, so importing the same file twice changes nothing.

The typed cell readers here are also what `seed.py` loads `data/` with.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, select

from dashboard import dates, editing, resolve
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing import (
    ActivityDraft,
    AssessmentDraft,
    EditError,
    FundingDraft,
    OutputDraft,
    Problem,
    ProgressDraft,
    Reference,
    SiteDraft,
)
from dashboard.editing.problems import unknown
from dashboard.settings import PROJECT_ROOT

T = TypeVar("T")
log = logging.getLogger(__name__)

# An activity file's columns for its links (besides one column per plan, `Framework.items_column`,
# and the generic column that takes items of any plan) and its primary site.
LINK_COLUMNS = ("lead_organisation", "partners", "funders", "countries", "ptcrs")
SITE_COLUMNS = ("latitude", "longitude")
# Items of any plan, each found by its code (`CODE;CODE:weight`, codes of several plans).
ANY_PLAN_ITEMS = "framework_items"


def activity_columns(item_columns: Iterable[str] = ()) -> tuple[str, ...]:
    """An activities file's columns, in order: the own fields placed before the links
    (models.ActivityFields), the links with each plan's column (`item_columns`) and
    framework_items, the primary site, then the other own fields."""
    own = m.activity_fields()
    return (
        *(use.name for use in own if use.in_file == "before links"),
        *LINK_COLUMNS,
        *item_columns,
        ANY_PLAN_ITEMS,
        *SITE_COLUMNS,
        *(use.name for use in own if use.in_file == "after links"),
    )


# Own fields a file may leave out (declared so: added after files were written).
OPTIONAL_OWN_COLUMNS = tuple(use.name for use in m.activity_fields() if use.optional_in_file)
# The columns every activities file has; the item columns are optional (a file may link no
# plan, and a plan loaded later adds a column older files do not have).
ACTIVITY_COLUMNS = tuple(
    name for name in activity_columns() if name not in (ANY_PLAN_ITEMS, *OPTIONAL_OWN_COLUMNS)
)
PROGRESS_COLUMNS = ("activity_id", "date", "progress_pct", "status", "note", "source")
FUNDING_COLUMNS = (
    "funder",
    "activity_id",
    "amount",
    "currency",
    "year",
    "note",
    "source",
    "demo",
)
OUTPUT_COLUMNS = (
    "activity_id",
    "indicator",
    "value",
    "unit",
    "target",
    "date",
    "note",
    "source",
    "demo",
)
ASSESSMENT_COLUMNS = ("item", "date", "status", "note", "source", "demo")
# Template name (as in data/templates/<name>.csv) -> its columns, in order.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "activities": ACTIVITY_COLUMNS,
    "progress_updates": PROGRESS_COLUMNS,
    "funding": FUNDING_COLUMNS,
    "outputs": OUTPUT_COLUMNS,
    "item_assessments": ASSESSMENT_COLUMNS,
}
# Columns a file of that kind may have besides the template's: the data files mark demo
# progress updates, and such a file imports as it is (the flag must be the activity's); an
# activities file may have framework_items, and each plan's column (`_optional_columns`).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "progress_updates": ("demo",),
    "activities": (ANY_PLAN_ITEMS, *OPTIONAL_OWN_COLUMNS),
}
# Blank templates, and a filled example of each in examples/ (documented in the README).
TEMPLATE_DIR = PROJECT_ROOT / "data" / "templates"
# The largest file imported at once, in MB (10^6 bytes): the web upload limit too
# (`server.maxUploadSize` in .streamlit/config.toml). Such a file (about 60,000 activities)
# imports in well under 500 MB (bench/import_memory.py); a larger one is split.
MAX_FILE_MB = 50
# New activities are created this many at a time (each batch a few multi-row statements).
CREATE_BATCH = 2_000
# A rejected file lists at most this many problems (and says how many more there are).
MAX_LISTED = 200


class RowError(ValueError):
    """A bad cell, located as a spreadsheet shows it: `row N, column X: message`."""

    def __init__(self, line: int, column: str, message: str) -> None:
        self.line, self.column, self.message = line, column, message
        super().__init__(f"row {line}, column {column}: {message}")


class ImportFileError(ValueError):
    """A file that was not imported, with every reason (the store is unchanged)."""

    def __init__(self, problems: Sequence[str], *, warnings: Sequence[str] = ()) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings)
        super().__init__("\n".join(self.problems))

    def lines(self, limit: int = MAX_LISTED) -> list[str]:
        shown = self.problems[:limit]
        if len(self.problems) > limit:
            shown.append(f"… and {len(self.problems) - limit} more")
        return shown


class Reader:
    """Typed cells of a CSV row (a dict of stripped strings); a bad cell raises `fail(...)`."""

    def fail(self, line: int, column: str, message: str) -> Exception:
        return RowError(line, column, message)

    def text(self, line: int, row: Mapping[str, str], column: str, *, required: bool = True) -> str:
        if column not in row:
            raise self.fail(line, column, "column missing")
        value = row[column]
        if required and not value:
            raise self.fail(line, column, "value required")
        return value

    def boolean(self, line: int, row: Mapping[str, str], column: str) -> bool:
        value = self.text(line, row, column).lower()
        if value in ("true", "yes", "1"):
            return True
        if value in ("false", "no", "0"):
            return False
        raise self.fail(line, column, f"expected true or false, got {value!r}")

    def number(
        self, line: int, row: Mapping[str, str], column: str, *, required: bool = True
    ) -> float | None:
        value = self.text(line, row, column, required=required)
        if not value:
            return None
        try:
            number = float(value)
        except ValueError as error:
            raise self.fail(line, column, f"expected a number, got {value!r}") from error
        if not math.isfinite(number):
            raise self.fail(line, column, f"expected a number, got {value!r}")
        return number

    def integer(
        self, line: int, row: Mapping[str, str], column: str, *, required: bool = True
    ) -> int | None:
        number = self.number(line, row, column, required=required)
        if number is None:
            return None
        if not number.is_integer() or abs(number) > 2**31:
            raise self.fail(line, column, f"expected a whole number, got {row[column]!r}")
        return int(number)

    def date(
        self, line: int, row: Mapping[str, str], column: str, *, required: bool = True
    ) -> dt.date | None:
        value = self.text(line, row, column, required=required)
        if not value:
            return None
        try:
            return dates.parse(value)
        except ValueError as error:
            raise self.fail(line, column, str(error)) from error

    def choice(self, line: int, row: Mapping[str, str], column: str, allowed: Iterable[str]) -> str:
        value = self.text(line, row, column)
        allowed = tuple(allowed)
        if value not in allowed:
            raise self.fail(line, column, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    def listed(self, line: int, row: Mapping[str, str], column: str) -> list[str]:
        return [
            part.strip()
            for part in self.text(line, row, column, required=False).split(";")
            if part.strip()
        ]

    def weighted(self, line: int, row: Mapping[str, str], column: str) -> list[tuple[str, float]]:
        """`CODE` or `CODE:weight` entries (weight 1 by default)."""
        pairs: list[tuple[str, float]] = []
        for entry in self.listed(line, row, column):
            code, _, weight_text = entry.partition(":")
            try:
                weight = float(weight_text) if weight_text else 1.0
            except ValueError as error:
                raise self.fail(line, column, f"bad weight in {entry!r}") from error
            pairs.append((code.strip(), weight))
        return pairs


READER = Reader()


class _Cells:
    """Reads one row, collecting every bad cell instead of stopping at the first."""

    def __init__(self, line: int, row: Mapping[str, str]) -> None:
        self.line, self.row = line, row
        self.errors: list[RowError] = []

    def __call__(self, read: Callable[..., T], column: str, default: T, **options: Any) -> T:
        try:
            return read(self.line, self.row, column, **options)
        except RowError as error:
            self.errors.append(error)
            return default

    def problems(self, problems: Iterable[Problem]) -> None:
        self.errors.extend(
            RowError(self.line, problem.field, problem.message)
            for problem in problems
            if not problem.warning
        )


def _own_cell(cells: _Cells, use: m.FieldUse) -> Any:
    """An own field of an activity (models.ActivityFields) read by its kind (its default when
    a file leaves out a column it may: `_kept_where_absent` then keeps a stored value)."""
    if use.optional_in_file and use.name not in cells.row:
        return m.ActivityFields.model_fields[use.name].get_default()
    if use.kind == "choice":
        return cells(READER.choice, use.name, use.choices[0], allowed=use.choices)
    if use.kind == "percentage":
        # Empty: no percentage reported (not 0 %).
        return cells(READER.number, use.name, None, required=False)
    if use.kind == "date":
        return cells(READER.date, use.name, None, required=False)
    if use.kind == "flag":
        return cells(READER.boolean, use.name, False)
    return cells(READER.text, use.name, "", required=use.required)


def _item_links(
    cells: _Cells, row: Mapping[str, str], reference: Reference
) -> dict[str, list[tuple[str, float]]]:
    """The plan items of a row, per plan: each plan's own column, and framework_items (whose
    items are found by their codes)."""
    items: dict[str, list[tuple[str, float]]] = {}
    for plan, column in reference.plans.items():
        if column in row:
            items.setdefault(plan, []).extend(cells(READER.weighted, column, []))
    if ANY_PLAN_ITEMS not in row:
        return items
    unknown_codes: list[str] = []
    bad_weights: list[str] = []
    for code, weight in cells(READER.weighted, ANY_PLAN_ITEMS, list[tuple[str, float]]()):
        if code not in reference.items:
            unknown_codes.append(code)
        elif not (math.isfinite(weight) and weight > 0):
            bad_weights.append(code)
        else:
            items.setdefault(reference.items[code][1], []).append((code, weight))
    if unknown_codes:
        cells.errors.append(
            RowError(cells.line, ANY_PLAN_ITEMS, unknown("framework item", unknown_codes))
        )
    if bad_weights:
        cells.errors.append(
            RowError(
                cells.line,
                ANY_PLAN_ITEMS,
                f"a weight must be a positive number ({', '.join(bad_weights)})",
            )
        )
    return items


def parse_activity(
    line: int, row: Mapping[str, str], reference: Reference
) -> tuple[ActivityDraft, list[RowError]]:
    """An activities.csv row as a draft (codes not yet checked, but for framework_items'
    codes, which say which plan an item is of), and its unreadable cells."""
    cells = _Cells(line, row)
    latitude = cells(READER.number, "latitude", None, required=False)
    longitude = cells(READER.number, "longitude", None, required=False)
    sites: tuple[SiteDraft, ...] = ()
    if (latitude is None) != (longitude is None) and not cells.errors:
        cells.errors.append(
            RowError(line, "latitude", "give both latitude and longitude, or neither")
        )
    elif latitude is not None and longitude is not None:
        sites = (SiteDraft(latitude, longitude),)
    ptcrs: list[int] = []
    for number in cells(READER.listed, "ptcrs", list[str]()):
        if number.isascii() and number.isdigit():
            ptcrs.append(int(number))
        else:
            cells.errors.append(RowError(line, "ptcrs", f"unknown PTCR {number!r}"))
    draft = ActivityDraft(
        **{use.name: _own_cell(cells, use) for use in m.activity_fields()},
        lead_organisation=cells(READER.text, "lead_organisation", "", required=False) or None,
        partners=tuple(dict.fromkeys(cells(READER.listed, "partners", list[str]()))),
        funders=tuple(dict.fromkeys(cells(READER.listed, "funders", list[str]()))),
        countries=tuple(iso3.upper() for iso3 in cells(READER.listed, "countries", list[str]())),
        ptcrs=tuple(ptcrs),
        items={plan: tuple(pairs) for plan, pairs in _item_links(cells, row, reference).items()},
        sites=sites,
    )
    return draft, cells.errors


def parse_progress(line: int, row: Mapping[str, str]) -> tuple[ProgressDraft, list[RowError]]:
    cells = _Cells(line, row)
    draft = ProgressDraft(
        activity_id=cells(READER.text, "activity_id", ""),
        date=cells(READER.date, "date", None) or dt.date.min,
        # Empty: the report gave no percentage (not 0 %).
        progress_pct=cells(READER.number, "progress_pct", None, required=False),
        status=cells(READER.choice, "status", "planned", allowed=m.ACTIVITY_STATUSES),
        note=cells(READER.text, "note", "", required=False),
        source=cells(READER.text, "source", "", required=False),
        demo=cells(READER.boolean, "demo", None) if "demo" in row else None,
    )
    return draft, cells.errors


def _amount(line: int, row: Mapping[str, str], column: str) -> Decimal | None:
    """An amount, or None when the cell is empty (a funding relationship whose amount is
    not published)."""
    value = READER.text(line, row, column, required=False)
    if not value:
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation as error:
        raise RowError(line, column, f"expected an amount, got {value!r}") from error
    if not amount.is_finite():
        raise RowError(line, column, f"expected an amount, got {value!r}")
    return amount


def parse_funding(line: int, row: Mapping[str, str]) -> tuple[FundingDraft, list[RowError]]:
    cells = _Cells(line, row)
    draft = FundingDraft(
        funder=cells(READER.text, "funder", ""),
        activity_id=cells(READER.text, "activity_id", ""),
        amount=cells(_amount, "amount", None),
        currency=cells(READER.text, "currency", "XXX", required=False).upper() or None,
        year=cells(READER.integer, "year", None, required=False),
        note=cells(READER.text, "note", "", required=False),
        source=cells(READER.text, "source", ""),
        demo=cells(READER.boolean, "demo", False),
    )
    return draft, cells.errors


def parse_output(line: int, row: Mapping[str, str]) -> tuple[OutputDraft, list[RowError]]:
    cells = _Cells(line, row)
    draft = OutputDraft(
        activity_id=cells(READER.text, "activity_id", ""),
        indicator=cells(READER.text, "indicator", ""),
        value=cells(READER.number, "value", None) or 0.0,
        unit=cells(READER.text, "unit", "", required=False),
        target=cells(READER.number, "target", None, required=False),
        date=cells(READER.date, "date", None, required=False),
        note=cells(READER.text, "note", "", required=False),
        source=cells(READER.text, "source", ""),
        demo=cells(READER.boolean, "demo", False),
    )
    return draft, cells.errors


def parse_assessment(line: int, row: Mapping[str, str]) -> tuple[AssessmentDraft, list[RowError]]:
    """An item_assessments.csv row as a draft (the item code not yet checked)."""
    cells = _Cells(line, row)
    draft = AssessmentDraft(
        item=cells(READER.text, "item", ""),
        date=cells(READER.date, "date", None) or dt.date.min,
        status=cells(READER.choice, "status", "not_started", allowed=m.ITEM_STATUSES),
        note=cells(READER.text, "note", "", required=False),
        source=cells(READER.text, "source", "", required=False),
        demo=cells(READER.boolean, "demo", False),
    )
    return draft, cells.errors


@dataclass(frozen=True)
class Table:
    """A CSV file checked as a table: its header, and its data rows read one at a time (with
    their spreadsheet row numbers) whenever `rows` is iterated, so that a large file is never
    held as text and as cells at once."""

    header: tuple[str, ...]
    delimiter: str
    count: int
    _open: Callable[[], io.TextIOBase]
    _header_line: int

    @property
    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        header = self.header
        records = _records(self._open(), self.delimiter)
        for number, record in records:
            if number <= self._header_line:
                continue
            # Count rows as a spreadsheet does: the header is the first.
            yield (
                number - self._header_line + 1,
                {name: cell.strip() for name, cell in zip(header, record, strict=True)},
            )


NEWLINE = b"\n"


def _encoding(data: bytes) -> str:
    """The file's encoding (UTF-16 by its mark, else UTF-8), refusing what is not text."""
    if data.startswith(b"PK\x03\x04"):
        raise ImportFileError(
            ["this is a spreadsheet workbook (.xlsx/.ods), not CSV: save it as “CSV UTF-8”"]
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ImportFileError([f"the file is not valid UTF-16 text ({error.reason})"]) from None
        if "\x00" in text:
            raise ImportFileError(["the file holds binary data (NUL characters), not CSV text"])
        return "utf-16"
    try:
        # Checked whole, and the text let go at once: the rows are decoded again as read.
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            [
                f"the file is not UTF-8 text (line {data.count(NEWLINE, 0, error.start) + 1} "
                f"holds the byte 0x{data[error.start]:02x}): save it from your spreadsheet as "
                "“CSV UTF-8”"
            ]
        ) from None
    if b"\x00" in data:
        raise ImportFileError(["the file holds binary data (NUL characters), not CSV text"])
    return "utf-8-sig"


def _records(stream: io.TextIOBase, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records of a CSV stream, numbered by record (a spreadsheet's row)."""
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise ImportFileError(
                [f"the file is not valid CSV (line {reader.line_num}): {error}"]
            ) from None
        number += 1
        if any(cell.strip() for cell in record):
            yield number, record


def read_table(data: bytes) -> Table:
    """Check that a CSV file is a table (streaming through it once); refuse what cannot be one,
    with a clear reason."""
    if not data.strip():
        raise ImportFileError(["the file is empty"])
    encoding = _encoding(data)

    def open_text() -> io.TextIOBase:
        return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")

    first_line = next((line for line in open_text() if line.strip()), "")
    if not first_line:
        raise ImportFileError(["the file is empty"])
    # A spreadsheet set to another locale saves `;`-delimited CSV; take what the header uses.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    records = _records(open_text(), delimiter)
    problems: list[str] = []
    header: tuple[str, ...] = ()
    header_line = count = 0
    for number, record in records:
        if not header:
            header_line, header = number, tuple(cell.strip() for cell in record)
            continue
        if len(record) != len(header):
            problems.append(
                f"row {number - header_line + 1}: {len(record)} cells, but the header has "
                f"{len(header)} columns"
            )
        count += 1
    if not header:
        raise ImportFileError(["the file is empty"])
    if problems:
        raise ImportFileError(problems)
    return Table(
        header=header, delimiter=delimiter, count=count, _open=open_text, _header_line=header_line
    )


def _optional_columns(plans: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
    """The optional columns of each kind of file, with each plan's column (`plans`:
    Framework code -> Framework.items_column) for activities."""
    return {**OPTIONAL_COLUMNS, "activities": (*plans.values(), *OPTIONAL_COLUMNS["activities"])}


def recognise(header: Sequence[str], plans: Mapping[str, str] | None = None) -> str:
    """Which template a header belongs to; refuse missing, extra, unnamed or repeated columns.
    `plans` (Framework code -> Framework.items_column) names the plans' columns."""
    names = [name for name in header if name]
    best = max(TEMPLATES, key=lambda kind: len(set(TEMPLATES[kind]) & set(names)))
    expected = TEMPLATES[best]
    if not set(expected) & set(names):
        raise ImportFileError(
            [
                "the columns match no template: expected the columns of "
                + ", ".join(f"{kind}.csv" for kind in TEMPLATES)
                + " (see data/templates/); the first row is "
                + repr(",".join(header)[:200])
            ]
        )
    unnamed = [str(index) for index, name in enumerate(header, 1) if not name]
    repeated = sorted({name for name in names if names.count(name) > 1})
    missing = [name for name in expected if name not in names]
    optional = _optional_columns(plans or {}).get(best, ())
    extra = [name for name in dict.fromkeys(names) if name not in (*expected, *optional)]
    problems = [
        f"{what}: {', '.join(columns)}"
        for what, columns in (
            ("missing columns", missing),
            (f"columns not in the {best} template", extra),
            ("columns named more than once", repeated),
            ("columns without a name (by position)", unnamed),
        )
        if columns
    ]
    if problems:
        raise ImportFileError(
            [f"the file looks like {best}.csv, but has {problem}" for problem in problems]
        )
    return best


@dataclass
class ImportReport:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    rows: int
    dry_run: bool
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def lines(self, limit: int = 20) -> list[str]:
        """The report as text: every key added or changed, the first `limit` left alone."""

        def listed(label: str, keys: list[str], limit: int | None = None) -> str:
            shown = keys[:limit] if limit else keys
            more = f", … and {len(keys) - len(shown)} more" if len(shown) < len(keys) else ""
            return f"{label} ({len(keys)})" + (": " + ", ".join(shown) + more if keys else "")

        return [
            f"{self.kind}: {self.rows} rows"
            + (" (dry run: nothing was written)" if self.dry_run else ""),
            listed("added", self.added),
            listed("changed", self.changed),
            listed("left alone", self.unchanged, limit),
            *(f"warning: {warning}" for warning in self.warnings),
        ]


@dataclass
class _Checked:
    """A file's rows parsed and checked: drafts by row number, problems, warnings."""

    drafts: list[tuple[int, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(
        self, line: int, draft: Any, errors: list[RowError], problems: Iterable[Problem]
    ) -> None:
        # A cell that cannot be read is reported once, not again by the checks.
        unreadable = {error.column for error in errors}
        problems = [problem for problem in problems if problem.field not in unreadable]
        self.drafts.append((line, draft))
        self.errors.extend(errors)
        self.errors.extend(
            RowError(line, problem.field, problem.message)
            for problem in problems
            if not problem.warning
        )
        self.warnings.extend(
            f"row {line}, column {problem.field}: {problem.message}"
            for problem in problems
            if problem.warning
        )


def _duplicates(checked: _Checked, key: Callable[[Any], Any], column: str, what: str) -> None:
    seen: dict[Any, int] = {}
    for line, draft in checked.drafts:
        value = key(draft)
        if value in seen:
            checked.errors.append(
                RowError(line, column, f"duplicate {what} (also in row {seen[value]})")
            )
        else:
            seen[value] = line


def _permission(
    checked: _Checked,
    session: Session,
    actor: Actor,
    activity_of: Callable[[Any], str],
    *,
    plans: Mapping[str, str],
    proposed: Callable[[Any], ActivityDraft | None] = lambda draft: None,
) -> None:
    if actor.unrestricted:
        return
    for line, draft in checked.drafts:
        current = editing.load_draft(session=session, activity_id=activity_of(draft))
        change = proposed(draft)
        if current and change and not editing.differences(current, change, plans):
            continue  # a row that changes nothing needs no right to edit
        for candidate in (current, change):
            if candidate and not actor.may_edit(candidate.lead_organisation, candidate.partners):
                checked.errors.append(
                    RowError(line, "lead_organisation", actor.refusal(candidate.activity_id))
                )
                break


def _kept_where_absent(
    draft: ActivityDraft, current: ActivityDraft | None, header: Sequence[str]
) -> ActivityDraft:
    """A stored activity keeps the own fields a file leaves out (those it may leave out)."""
    absent = [use.name for use in m.activity_fields() if use.name not in header]
    if current is None or not absent:
        return draft
    return draft.replace(**{name: getattr(current, name) for name in absent})


def _with_primary_site(draft: ActivityDraft, current: ActivityDraft | None) -> ActivityDraft:
    """A file row sets the primary (first) site; further sites, from the edit form, stay."""
    if not draft.sites or current is None or not current.sites:
        return draft
    primary, *others = current.sites
    site = draft.sites[0]
    if (site.latitude, site.longitude) == (primary.latitude, primary.longitude):
        site = primary
    return draft.replace(sites=(site, *others))


def _check(
    table: Table, kind: str, session: Session, actor: Actor, reference: Reference
) -> _Checked:
    checked = _Checked()
    # Names, short names and numbers as people type them become the stored codes (resolve.py)
    # before anything reads a row; a value naming nothing, or several things, is its cell's
    # one error (it replaces what the checks say of that cell).
    names = resolve.Resolver(reference)
    rows = names.rows(table.rows)
    if kind == "activities":
        for line, row in rows:
            draft, errors = parse_activity(line, row, reference)
            # Only an activity the store holds has a current state worth reading.
            current = (
                editing.load_draft(session=session, activity_id=draft.activity_id)
                if draft.activity_id in reference.activities
                else None
            )
            draft = _kept_where_absent(_with_primary_site(draft, current), current, table.header)
            checked.add(line, draft, errors, editing.check_activity(draft, reference))
        _duplicates(checked, lambda draft: draft.activity_id, "activity_id", "activity")
        _permission(
            checked,
            session,
            actor,
            lambda draft: draft.activity_id,
            plans=reference.plans,
            proposed=lambda draft: draft,
        )
    elif kind == "progress_updates":
        today = dt.date.today()
        # Only a file with the optional demo column needs the activities' flags.
        demo: dict[str, bool] = (
            dict(session.exec(select(m.Activity.activity_id, m.Activity.demo)).all())
            if "demo" in table.header
            else {}
        )
        for line, row in rows:
            progress, errors = parse_progress(line, row)
            problems = editing.check_progress(progress, reference.activities, today=today)
            problems += editing.check_progress_demo(progress, demo.get(progress.activity_id))
            if any(error.column == "date" for error in errors):
                problems = [problem for problem in problems if problem.field != "date"]
            checked.add(line, progress, errors, problems)
        _duplicates(
            checked,
            lambda draft: (draft.activity_id, draft.date),
            "date",
            "update for this activity and date",
        )
        _permission(checked, session, actor, lambda draft: draft.activity_id, plans=reference.plans)
    elif kind == "funding":
        for line, row in rows:
            funding, errors = parse_funding(line, row)
            checked.add(line, funding, errors, editing.check_funding(funding, reference))
        _duplicates(
            checked, lambda draft: draft.key, "year", "entry for this funder, activity and year"
        )
        _permission(checked, session, actor, lambda draft: draft.activity_id, plans=reference.plans)
    elif kind == "item_assessments":
        today = dt.date.today()
        for line, row in rows:
            assessment, errors = parse_assessment(line, row)
            problems = editing.check_assessment(assessment, reference, today=today)
            checked.add(line, assessment, errors, problems)
        _duplicates(
            checked,
            lambda draft: (draft.item, draft.date),
            "date",
            "assessment of this item on this date",
        )
        if not actor.may_assess:
            checked.errors.extend(
                RowError(line, "item", actor.assess_refusal()) for line, _ in checked.drafts
            )
    else:
        for line, row in rows:
            output, errors = parse_output(line, row)
            checked.add(line, output, errors, editing.check_output(output, reference))
        _duplicates(checked, lambda draft: draft.key, "date", "output for this indicator and date")
        _permission(checked, session, actor, lambda draft: draft.activity_id, plans=reference.plans)
    # The checks' own "unknown …" for a cell the resolver reported says the same thing, less
    # helpfully: the resolver's message (with its hints) stands for it. Other problems of the
    # cell (a bad weight) stay.
    unresolved = {(line, column): message for line, column, message in names.problems}
    checked.errors = [
        error
        for error in checked.errors
        if (error.line, error.column) not in unresolved or not error.message.startswith("unknown ")
    ] + [RowError(line, column, message) for (line, column), message in unresolved.items()]
    return checked


def _existing_update(session: Session, pk: int, draft: ProgressDraft) -> bool:
    return (
        session.exec(
            select(m.ProgressUpdate.id).where(
                m.ProgressUpdate.activity_id == pk,
                m.ProgressUpdate.date == draft.date,
                m.ProgressUpdate.progress_pct.is_(None)  # type: ignore[union-attr]
                if draft.progress_pct is None
                else m.ProgressUpdate.progress_pct == float(draft.progress_pct),
                m.ProgressUpdate.status == draft.status,
                m.ProgressUpdate.note == draft.note,
                m.ProgressUpdate.source == draft.source,
            )
        ).first()
        is not None
    )


def _apply(
    session: Session,
    kind: str,
    checked: _Checked,
    actor: Actor,
    reference: Reference,
    report: ImportReport,
    note: str,
) -> None:
    def sort(outcome: str, key: str) -> None:
        {"added": report.added, "changed": report.changed, "unchanged": report.unchanged}[
            outcome
        ].append(key)

    if kind == "activities":
        # New activities are created together in a few multi-row statements; existing ones go
        # through save_activity one by one (version check, changes and audit of each).
        known = reference.activities
        added = [draft for _, draft in checked.drafts if draft.activity_id not in known]
        # In batches, all in the one transaction: the statements for a batch (rows, links,
        # updates, audit entries) are built and let go before the next, so that a large file's
        # are never all in memory at once (bench/import_memory.py).
        for start in range(0, len(added), CREATE_BATCH):
            for result in editing.create_activities(
                session=session,
                drafts=added[start : start + CREATE_BATCH],
                actor=actor,
                reference=reference,
                note=note,
            ):
                sort(result.outcome, result.activity_id)
        for _, draft in checked.drafts:
            if draft.activity_id not in known:
                continue
            result = editing.save_activity(
                session=session,
                draft=draft,
                actor=actor,
                base=editing.load_draft(session=session, activity_id=draft.activity_id),
                reference=reference,
                note=note,
            )
            changed = f" ({', '.join(result.changes)})" if result.outcome == "changed" else ""
            sort(result.outcome, draft.activity_id + changed)
    elif kind == "progress_updates":
        for _, progress in checked.drafts:
            pk = reference.activities[progress.activity_id]
            key = f"{progress.activity_id} {progress.date.isoformat()}"
            if _existing_update(session, pk, progress):
                sort("unchanged", key)
                continue
            editing.record_progress(session=session, draft=progress, actor=actor)
            sort("added", key)
    elif kind == "funding":
        for _, funding in checked.drafts:
            outcome = editing.record_funding(
                session=session, draft=funding, actor=actor, replace=True, reference=reference
            )
            sort(outcome, funding.label())
    elif kind == "item_assessments":
        for _, assessment in checked.drafts:
            outcome = editing.record_assessment(
                session=session, draft=assessment, actor=actor, reference=reference
            )
            sort(outcome, f"{assessment.item} {assessment.date.isoformat()} {assessment.status}")
    else:
        for _, output in checked.drafts:
            outcome = editing.record_output(
                session=session, draft=output, actor=actor, replace=True, reference=reference
            )
            when = output.date.isoformat() if output.date else "undated"
            sort(outcome, f"{output.activity_id} {output.indicator} {when}")


def import_file(
    *,
    session: Session,
    data: bytes,
    actor: Actor,
    name: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Check every row of a template file, then apply it in one transaction (or roll back).

    Raises ImportFileError, with the store unchanged, when anything is wrong.
    """
    if len(data) > MAX_FILE_MB * 1_000_000:
        raise ImportFileError(
            [
                f"the file is {len(data) / 1_000_000:.1f} MB; at most {MAX_FILE_MB} MB is "
                "imported at once: split it into several files"
            ]
        )
    table = read_table(data)
    plans = editing.plan_columns(session=session)
    kind = recognise(table.header, plans)
    if not table.count:
        raise ImportFileError(["the file has a header but no data rows"])
    reference = editing.load_reference(session=session)
    checked = _check(table, kind, session, actor, reference)
    if checked.errors:
        session.rollback()
        ordered = sorted(
            checked.errors,
            key=lambda error: (
                error.line,
                _column_order(kind, error.column, plans),
                error.message,
            ),
        )
        raise ImportFileError([str(error) for error in ordered], warnings=checked.warnings)
    report = ImportReport(kind=kind, rows=table.count, dry_run=dry_run, warnings=checked.warnings)
    note = f"imported from {name}" if name else "imported"
    try:
        _apply(session, kind, checked, actor, reference, report, note)
        session.flush()
    except EditError as error:
        session.rollback()
        raise ImportFileError([f"nothing was imported: {error}"]) from None
    except SQLAlchemyError as error:
        log.exception("the store refused an import of %s", name or "a file")
        session.rollback()
        raise ImportFileError(
            [f"the store refused the import, nothing was imported: {type(error).__name__}"]
        ) from None
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return report


def _column_order(kind: str, column: str, plans: Mapping[str, str]) -> int:
    columns = (
        activity_columns(plans.values())
        if kind == "activities"
        else (*TEMPLATES[kind], *OPTIONAL_COLUMNS.get(kind, ()))
    )
    return columns.index(column) if column in columns else len(columns)
