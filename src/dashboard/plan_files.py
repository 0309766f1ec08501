"""Load, update or replace a plan from files in the format of data/frameworks.csv and
data/framework_items.csv: every row checked first, then all or nothing in one transaction,
audited, and a repeat changes nothing.

- `import_plan` upserts frameworks by code and, for each framework its items file names, makes
  the stored tree the file's: items are added, edited (title, description, parent, ...) or
  removed; an item that activities or assessments still use is never removed.
- `replace_plan` puts a new tree in place of a framework's old one with a crosswalk
  (`old_code,new_code[,weight]`): every activity link and item assessment of an old item moves
  to the new items its rows name (a link's weight times the row's weight), the old items that
  the new tree does not keep are archived as `RetiredItem` rows, and the audit trail names
  every move, so a figure read under the old tree stays explained.

The write side: the store and the read side never import it (import-linter contracts).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, delete, select

from dashboard import audit
from dashboard import models as m
from dashboard.auth import Actor
from dashboard.editing import check_text
from dashboard.importer import (
    MAX_LISTED,
    READER,
    ImportFileError,
    RowError,
    activity_columns,
    read_table,
)

FRAMEWORK_COLUMNS = (
    "code",
    "name",
    "short_name",
    "period_start",
    "period_end",
    "description",
    "source",
    "items_column",
)
ITEM_COLUMNS = (
    "framework",
    "code",
    "parent_code",
    "level",
    "title",
    "description",
    "provisional",
    "applies",
    "sort_order",
    "source",
)
CROSSWALK_COLUMNS = ("old_code", "new_code", "weight")
# File kind -> (its columns, the columns it may leave out).
PLAN_FILES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "frameworks": (FRAMEWORK_COLUMNS, ("items_column",)),
    "framework_items": (ITEM_COLUMNS, ()),
    "crosswalk": (CROSSWALK_COLUMNS, ("weight",)),
}
ITEMS_COLUMN = re.compile(r"[a-z][a-z0-9_]{0,39}")
FRAMEWORK_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
ITEM_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
PERIOD_YEARS = (1900, 2200)


@dataclass(frozen=True)
class FrameworkRow:
    """One row of frameworks.csv."""

    code: str
    name: str
    short_name: str
    period_start: int
    period_end: int
    description: str
    source: str
    # The activity file's column of its items; empty: `<code>_items` (models.items_column_of).
    items_column: str = ""

    def record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ItemRow:
    """One row of framework_items.csv (`line`: its row in the file)."""

    framework: str
    code: str
    parent_code: str
    level: str
    title: str
    description: str
    provisional: bool
    applies: str
    sort_order: int
    source: str
    line: int = field(default=0, compare=False)

    def record(self) -> dict[str, Any]:
        values = asdict(self)
        del values["line"], values["framework"]
        return values


@dataclass(frozen=True)
class CrosswalkRow:
    old_code: str
    new_code: str
    weight: float
    line: int = field(default=0, compare=False)

    @property
    def target(self) -> str:
        return _weighted(self.new_code, self.weight)


def _weighted(code: str, weight: float) -> str:
    """`CODE`, or `CODE:weight` unless the weight is 1 (as the import columns write links)."""
    return code if weight == 1 else f"{code}:{weight:g}"


@dataclass
class PlanReport:
    """What a plan import or replacement did (or, in a dry run, would do)."""

    dry_run: bool
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    links_moved: list[str] = field(default_factory=list)
    assessments_moved: list[str] = field(default_factory=list)

    @property
    def changes(self) -> int:
        """How many rows it changed (0: the store already held the files)."""
        return sum(
            len(part)
            for part in (
                self.added,
                self.changed,
                self.removed,
                self.retired,
                self.links_moved,
                self.assessments_moved,
            )
        )

    def lines(self) -> list[str]:
        def listed(label: str, keys: list[str]) -> str:
            return f"{label} ({len(keys)})" + (": " + ", ".join(keys) if keys else "")

        return [
            f"{self.changes} changes" + (" (dry run: nothing was written)" if self.dry_run else ""),
            listed("added", self.added),
            listed("changed", self.changed),
            listed("left alone", self.unchanged),
            *([listed("removed", self.removed)] if self.removed else []),
            *([listed("retired", self.retired)] if self.retired else []),
            *(f"link moved: {move}" for move in self.links_moved),
            *(f"assessment moved: {move}" for move in self.assessments_moved),
        ]


class _Problems:
    """Every problem of the files, each `FILE: row N, column X: message`."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def row(self, name: str, error: RowError) -> None:
        self.lines.append(f"{name}: {error}" if name else str(error))

    def at(self, name: str, line: int, column: str, message: str) -> None:
        self.row(name, RowError(line, column, message))

    def raise_any(self) -> None:
        if self.lines:
            raise ImportFileError(self.lines[: MAX_LISTED * 5])


def _kind(name: str, header: Sequence[str], problems: _Problems) -> str | None:
    """Which plan file a header belongs to (by its columns), or None with the reason."""
    names = [column for column in header if column]
    kind = max(PLAN_FILES, key=lambda k: len(set(PLAN_FILES[k][0]) & set(names)))
    expected, optional = PLAN_FILES[kind]
    missing = [c for c in expected if c not in names and c not in optional]
    extra = [c for c in dict.fromkeys(names) if c not in expected]
    repeated = sorted({c for c in names if names.count(c) > 1})
    if not set(expected) & set(names):
        problems.lines.append(
            f"{name}: the columns match no plan file: expected those of frameworks.csv "
            f"({','.join(FRAMEWORK_COLUMNS)}), framework_items.csv ({','.join(ITEM_COLUMNS)}) "
            f"or a crosswalk ({','.join(CROSSWALK_COLUMNS)})"
        )
        return None
    bad = [
        f"{what}: {', '.join(columns)}"
        for what, columns in (
            ("missing columns", missing),
            ("columns not in it", extra),
            ("columns named more than once", repeated),
        )
        if columns
    ]
    for problem in bad:
        problems.lines.append(f"{name}: the file looks like {kind}.csv, but has {problem}")
    return None if bad else kind


def _cell(
    problems: _Problems,
    name: str,
    read: Any,
    line: int,
    row: Mapping[str, str],
    column: str,
    **o: Any,
) -> Any:
    try:
        return read(line, row, column, **o)
    except RowError as error:
        problems.row(name, error)
        return None


# The longest text a column holds (the store's limits); the other text columns are unlimited.
TEXT_LIMITS = {"name": 200, "short_name": 80, "level": 40, "title": 300, "applies": 80}


def _text_problems(problems: _Problems, name: str, line: int, texts: Mapping[str, str]) -> None:
    """Lengths and hidden characters of a row's free-text cells ({column: text})."""
    for column, text in texts.items():
        limit = TEXT_LIMITS.get(column)
        if limit is not None and len(text) > limit:
            problems.at(name, line, column, f"at most {limit} characters")
    for problem in check_text(**{c: (text, c == "description") for c, text in texts.items()}):
        problems.at(name, line, problem.field, problem.message)


def _frameworks(name: str, data: bytes, problems: _Problems) -> list[FrameworkRow]:
    rows: list[FrameworkRow] = []
    seen: dict[str, int] = {}
    for line, row in read_table(data).rows:
        before = len(problems.lines)
        code = _cell(problems, name, READER.text, line, row, "code") or ""
        start = _cell(problems, name, READER.integer, line, row, "period_start")
        end = _cell(problems, name, READER.integer, line, row, "period_end")
        values = {
            column: _cell(problems, name, READER.text, line, row, column, required=required) or ""
            for column, required in (
                ("name", True),
                ("short_name", True),
                ("description", False),
                ("source", True),
            )
        }
        # Optional: a file without it gives the plan `<code>_items`.
        values["items_column"] = column = row.get("items_column", "").strip()
        if column and not ITEMS_COLUMN.fullmatch(column):
            problems.at(
                name, line, "items_column",
                "a column name is 1–40 lower-case letters, digits or _, starting with a letter",
            )  # fmt: skip
        elif column in activity_columns():
            problems.at(name, line, "items_column", f"{column!r} is already an activity column")
        if code and not FRAMEWORK_CODE.fullmatch(code):
            problems.at(
                name, line, "code", "a plan's code is 1–40 lower-case letters, digits, - or _"
            )
        if code in seen:
            problems.at(
                name, line, "code", f"duplicate framework {code!r} (also in row {seen[code]})"
            )
        seen.setdefault(code, line)
        for column, year in (("period_start", start), ("period_end", end)):
            if year is not None and not PERIOD_YEARS[0] <= year <= PERIOD_YEARS[1]:
                problems.at(
                    name, line, column, f"a year from {PERIOD_YEARS[0]} to {PERIOD_YEARS[1]}"
                )
        if start is not None and end is not None and end < start:
            problems.at(name, line, "period_end", f"ends ({end}) before it starts ({start})")
        _text_problems(problems, name, line, values)
        if len(problems.lines) == before:
            rows.append(FrameworkRow(code=code, period_start=start, period_end=end, **values))
    return rows


def _items(name: str, data: bytes, problems: _Problems) -> list[ItemRow]:
    rows: list[ItemRow] = []
    seen: dict[str, ItemRow] = {}
    for line, row in read_table(data).rows:
        before = len(problems.lines)
        texts = {
            column: _cell(problems, name, READER.text, line, row, column, required=required) or ""
            for column, required in (
                ("framework", True),
                ("code", True),
                ("parent_code", False),
                ("level", True),
                ("title", True),
                ("description", False),
                ("applies", False),
                ("source", True),
            )
        }
        provisional = _cell(problems, name, READER.boolean, line, row, "provisional")
        order = _cell(problems, name, READER.integer, line, row, "sort_order", required=False)
        code, parent = texts["code"], texts["parent_code"]
        if code and not ITEM_CODE.fullmatch(code):
            problems.at(
                name, line, "code", "an item's code is 1–40 letters, digits or . _ - (e.g. S1.2)"
            )
        if code in seen:
            problems.at(
                name, line, "code", f"duplicate item {code!r} (also in row {seen[code].line})"
            )
        elif parent and parent not in seen:
            problems.at(
                name, line, "parent_code", f"unknown parent {parent!r} (list parents first)"
            )
        elif parent and seen[parent].framework != texts["framework"]:
            problems.at(
                name, line, "parent_code", f"{parent!r} belongs to {seen[parent].framework!r}"
            )
        _text_problems(problems, name, line, texts)
        item = ItemRow(provisional=bool(provisional), sort_order=order or 0, line=line, **texts)
        seen.setdefault(code, item)
        if len(problems.lines) == before:
            rows.append(item)
    return rows


def _crosswalk(name: str, data: bytes, problems: _Problems) -> list[CrosswalkRow]:
    rows: list[CrosswalkRow] = []
    seen: dict[tuple[str, str], int] = {}
    table = read_table(data)
    for line, row in table.rows:
        old = _cell(problems, name, READER.text, line, row, "old_code") or ""
        new = _cell(problems, name, READER.text, line, row, "new_code") or ""
        weight = (
            _cell(problems, name, READER.number, line, row, "weight", required=False)
            if "weight" in table.header
            else None
        )
        weight = 1.0 if weight is None else weight
        if not (math.isfinite(weight) and weight > 0):
            problems.at(name, line, "weight", "a weight must be a positive number")
        if (old, new) in seen:
            problems.at(name, line, "new_code", f"duplicate row (also row {seen[old, new]})")
        seen.setdefault((old, new), line)
        rows.append(CrosswalkRow(old, new, weight, line))
    return rows


@dataclass
class _Files:
    frameworks: list[FrameworkRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    crosswalk: list[CrosswalkRow] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)


def read_plan_files(files: Iterable[tuple[str, bytes]], problems: _Problems) -> _Files:
    """The rows of each file, recognised by its columns (one file of each kind at most)."""
    read = _Files()
    readers = {"frameworks": _frameworks, "framework_items": _items, "crosswalk": _crosswalk}
    for name, data in files:
        try:
            kind = _kind(name, read_table(data).header, problems)
        except ImportFileError as error:
            problems.lines.extend(f"{name}: {problem}" for problem in error.problems)
            continue
        if kind is None:
            continue
        if kind in read.names:
            problems.lines.append(f"{name}: a second {kind} file ({read.names[kind]} is one)")
            continue
        read.names[kind] = name
        try:
            setattr(read, kind.removeprefix("framework_"), readers[kind](name, data, problems))
        except ImportFileError as error:
            problems.lines.extend(f"{name}: {problem}" for problem in error.problems)
    return read


def _require_admin(actor: Actor) -> None:
    if actor.role != "admin":
        raise ImportFileError(
            ["loading or replacing a plan speaks for every partner: it takes an admin"]
        )


def _stored_items(session: Session, framework_id: int) -> dict[str, m.FrameworkItem]:
    return {
        item.code: item
        for item in session.exec(
            select(m.FrameworkItem)
            .where(m.FrameworkItem.framework_id == framework_id)
            .order_by(col(m.FrameworkItem.id))
        ).all()
    }


def _item_record(item: m.FrameworkItem, codes: Mapping[int, str]) -> dict[str, Any]:
    """A stored item as the file's columns show it."""
    return {
        "code": item.code,
        "parent_code": codes.get(item.parent_id, "") if item.parent_id else "",
        "level": item.level,
        "title": item.title,
        "description": item.description,
        "provisional": item.provisional,
        "applies": item.applies,
        "sort_order": item.sort_order,
        "source": item.source,
    }


def _codes_elsewhere(session: Session, framework_codes: Iterable[str]) -> dict[str, str]:
    """Item code -> framework code, for the items of the other frameworks (codes name an item
    across plans in every import column, so they must stay unique)."""
    statement = (
        select(m.FrameworkItem.code, m.Framework.code)
        .join(m.Framework, col(m.Framework.id) == m.FrameworkItem.framework_id)
        .where(col(m.Framework.code).not_in(list(framework_codes)))
    )
    return dict(session.exec(statement).all())


def _foreign_codes(
    session: Session,
    problems: _Problems,
    name: str,
    rows: Iterable[ItemRow],
    framework_codes: Iterable[str],
) -> None:
    """Refuse an item code that another plan already uses."""
    elsewhere = _codes_elsewhere(session, framework_codes)
    for row in rows:
        if row.code in elsewhere:
            problems.at(
                name, row.line, "code",
                f"{row.code!r} is an item of {elsewhere[row.code]!r} (codes are unique across "
                "plans)",
            )  # fmt: skip


def _uses(session: Session, item_ids: Sequence[int]) -> tuple[dict[int, list[str]], dict[int, int]]:
    """Per item id: the activities linked to it, and how many assessments it has."""
    links: dict[int, list[str]] = defaultdict(list)
    for item_id, activity in session.exec(
        select(m.ActivityItem.item_id, m.Activity.activity_id)
        .join(m.Activity, col(m.Activity.id) == m.ActivityItem.activity_id)
        .where(col(m.ActivityItem.item_id).in_(item_ids))
        .order_by(m.Activity.activity_id)
    ).all():
        links[item_id].append(activity)
    assessments: dict[int, int] = defaultdict(int)
    for item_id in session.exec(
        select(m.ItemAssessment.item_id).where(col(m.ItemAssessment.item_id).in_(item_ids))
    ).all():
        assessments[item_id] += 1
    return links, assessments


def _in_use(code: str, activities: list[str], assessments: int) -> str:
    parts = []
    if activities:
        parts.append(
            f"activity {activities[0]} links to it"
            if len(activities) == 1
            else f"activities {', '.join(activities)} link to it"
        )
    if assessments:
        parts.append(f"{assessments} assessment{'s' if assessments > 1 else ''} of it")
    return f"{code}: " + " and ".join(parts)


def _write_framework(
    session: Session, row: FrameworkRow, actor: Actor, report: PlanReport
) -> m.Framework:
    stored = session.exec(select(m.Framework).where(m.Framework.code == row.code)).first()
    if stored is None:
        stored = m.Framework.model_validate(row.record())
        session.add(stored)
        session.flush()
        audit.record(
            session=session, actor=actor, action="create", table="framework", row_key=row.code,
            after=row.record(),
        )  # fmt: skip
        report.added.append(f"plan {row.code}")
        return stored
    before = {name: getattr(stored, name) for name in FRAMEWORK_COLUMNS}
    changes = audit.changed_values(before, row.record())
    if not changes:
        report.unchanged.append(f"plan {row.code}")
        return stored
    stored.sqlmodel_update(row.record())
    session.add(stored)
    audit.record_update(
        session=session, actor=actor, table="framework", row_key=row.code, activity_key=None,
        changes=changes,
    )  # fmt: skip
    report.changed.append(f"plan {row.code} ({', '.join(changes)})")
    return stored


def _write_tree(
    session: Session,
    framework: m.Framework,
    rows: Sequence[ItemRow],
    actor: Actor,
    report: PlanReport,
) -> dict[str, m.FrameworkItem]:
    """Add or update the file's items of one framework (parents first); returns every item of
    the framework by code, those the file leaves out included."""
    assert framework.id is not None
    stored = _stored_items(session, framework.id)
    codes = {item.id: code for code, item in stored.items() if item.id is not None}
    for row in rows:
        values = row.record()
        parent = stored[row.parent_code].id if row.parent_code else None
        item = stored.get(row.code)
        if item is None:
            item = m.FrameworkItem(
                framework_id=framework.id, parent_id=parent,
                **{k: v for k, v in values.items() if k != "parent_code"},
            )  # fmt: skip
            session.add(item)
            session.flush()
            stored[row.code] = item
            assert item.id is not None
            codes[item.id] = row.code
            audit.record(
                session=session, actor=actor, action="create", table="frameworkitem",
                row_key=row.code, after=values,
            )  # fmt: skip
            report.added.append(row.code)
            continue
        changes = audit.changed_values(_item_record(item, codes), values)
        if not changes:
            report.unchanged.append(row.code)
            continue
        item.sqlmodel_update({k: v for k, v in values.items() if k != "parent_code"})
        item.parent_id = parent
        session.add(item)
        audit.record_update(
            session=session, actor=actor, table="frameworkitem", row_key=row.code,
            activity_key=None, changes=changes,
        )  # fmt: skip
        report.changed.append(f"{row.code} ({', '.join(changes)})")
    session.flush()
    return stored


def _drop_items(session: Session, items: Sequence[m.FrameworkItem]) -> None:
    """Delete items (no links or assessments left): parent links first, so order is free."""
    ids = [item.id for item in items if item.id is not None]
    if not ids:
        return
    for item in items:
        item.parent_id = None
        session.add(item)
    session.flush()
    session.exec(delete(m.FrameworkItem).where(col(m.FrameworkItem.id).in_(ids)))


def _finish(session: Session, dry_run: bool, what: str) -> None:
    try:
        session.flush()
    except SQLAlchemyError as error:
        session.rollback()
        raise ImportFileError(
            [f"the store refused the {what}, nothing was written: {type(error).__name__}"]
        ) from None
    if dry_run:
        session.rollback()
    else:
        session.commit()


def import_plan(
    *,
    session: Session,
    files: Sequence[tuple[str, bytes]],
    actor: Actor,
    dry_run: bool = False,
) -> PlanReport:
    """Load or update plans from a frameworks.csv and/or a framework_items.csv file.

    Raises ImportFileError, with the store unchanged, when anything is wrong.
    """
    _require_admin(actor)
    problems = _Problems()
    read = read_plan_files(files, problems)
    if read.crosswalk:
        problems.lines.append(
            f"{read.names['crosswalk']}: a crosswalk replaces a plan's tree: use replace"
        )
    problems.raise_any()
    if not read.frameworks and not read.items:
        raise ImportFileError(["the files hold no framework or item rows"])
    in_files = {row.code for row in read.frameworks}
    stored_plans = {plan.code: plan for plan in session.exec(select(m.Framework)).all()}
    items_name = read.names.get("framework_items", "")
    trees: dict[str, list[ItemRow]] = defaultdict(list)
    for row in read.items:
        if row.framework not in in_files and row.framework not in stored_plans:
            problems.at(items_name, row.line, "framework", f"unknown framework {row.framework!r}")
        trees[row.framework].append(row)
    _foreign_codes(session, problems, items_name, read.items, trees)
    # What each tree leaves out is removed, unless something still uses it.
    removed: list[m.FrameworkItem] = []
    for code, rows in trees.items():
        plan = stored_plans.get(code)
        if plan is None or plan.id is None:
            continue
        kept = {row.code for row in rows}
        gone = [item for c, item in _stored_items(session, plan.id).items() if c not in kept]
        links, assessments = _uses(session, [item.id for item in gone if item.id is not None])
        for item in gone:
            assert item.id is not None
            if links.get(item.id) or assessments.get(item.id):
                problems.lines.append(
                    f"{items_name}: the file leaves out {code} item "
                    + _in_use(item.code, links.get(item.id, []), assessments.get(item.id, 0))
                    + ": keep it, or move its links with `dashboard framework replace`"
                )
        removed.extend(gone)
    problems.raise_any()
    report = PlanReport(dry_run=dry_run)
    plans = dict(stored_plans)
    for plan_row in read.frameworks:
        plans[plan_row.code] = _write_framework(session, plan_row, actor, report)
    session.flush()
    for code, rows in trees.items():
        _write_tree(session, plans[code], rows, actor, report)
    for item in removed:
        audit.record(
            session=session, actor=actor, action="delete", table="frameworkitem",
            row_key=item.code, before={"code": item.code, "title": item.title},
        )  # fmt: skip
        report.removed.append(item.code)
    _drop_items(session, removed)
    _finish(session, dry_run, "plan")
    return report


def _assessment_clashes(
    session: Session, moves: Mapping[int, list[tuple[float, str]]], codes: Mapping[int, str]
) -> list[str]:
    """Two assessments that would land on one item and date with different statuses."""
    landing: dict[tuple[str, dt.date], set[tuple[str, str]]] = defaultdict(set)
    rows = session.exec(
        select(m.ItemAssessment).where(col(m.ItemAssessment.item_id).in_(list(moves)))
    ).all()
    for row in rows:
        for _, target in moves[row.item_id]:
            landing[target, row.date].add((row.status, codes[row.item_id]))
    return [
        f"{target}: the crosswalk brings assessments of {', '.join(sorted({c for _, c in found}))} "
        f"on {day.isoformat()} with different statuses "
        f"({', '.join(sorted({s for s, _ in found}))}) onto it: map them apart, or record one "
        "assessment after the replacement"
        for (target, day), found in sorted(landing.items())
        if len({status for status, _ in found}) > 1
    ]


def replace_plan(
    *,
    session: Session,
    framework: str,
    items: tuple[str, bytes],
    crosswalk: tuple[str, bytes],
    actor: Actor,
    dry_run: bool = False,
    today: dt.date | None = None,
) -> PlanReport:
    """Put a new tree in place of `framework`'s, moving every link and assessment of its old
    items as the crosswalk says, all in one transaction.

    Raises ImportFileError, with the store unchanged, when anything is wrong, e.g. an old item
    that activities or assessments use, that the new tree drops and that no row maps.
    """
    _require_admin(actor)
    today = today or dt.date.today()
    problems = _Problems()
    read = read_plan_files([items, crosswalk], problems)
    if read.names.get("framework_items") != items[0]:
        problems.lines.append(f"{items[0]}: expected the new tree (framework_items.csv columns)")
    if read.names.get("crosswalk") != crosswalk[0]:
        problems.lines.append(
            f"{crosswalk[0]}: expected a crosswalk ({','.join(CROSSWALK_COLUMNS)})"
        )
    problems.raise_any()
    plan = session.exec(select(m.Framework).where(m.Framework.code == framework)).first()
    if plan is None or plan.id is None:
        raise ImportFileError([f"there is no plan {framework!r}"])
    items_name, walk_name = items[0], crosswalk[0]
    new_codes = {row.code for row in read.items}
    for row in read.items:
        if row.framework != framework:
            problems.at(
                items_name, row.line, "framework", f"expected {framework!r}, the plan replaced"
            )
    _foreign_codes(session, problems, items_name, read.items, [framework])
    old = _stored_items(session, plan.id)
    codes = {item.id: code for code, item in old.items() if item.id is not None}
    # A row for an item an earlier replacement retired is done already: a repeat is a no-op.
    done = {
        row.code
        for row in session.exec(
            select(m.RetiredItem).where(m.RetiredItem.framework_id == plan.id)
        ).all()
    }
    targets: dict[str, list[CrosswalkRow]] = defaultdict(list)
    for link in read.crosswalk:
        if link.old_code in done and link.old_code not in old:
            continue
        if link.old_code not in old:
            problems.at(
                walk_name,
                link.line,
                "old_code",
                f"{link.old_code!r} is not an item of {framework!r}",
            )
        if link.new_code not in new_codes:
            problems.at(
                walk_name, link.line, "new_code", f"{link.new_code!r} is not in {items_name}"
            )
        targets[link.old_code].append(link)
    links, assessments = _uses(session, list(codes))
    retired = [item for code, item in old.items() if code not in new_codes]
    for item in retired:
        assert item.id is not None
        if (links.get(item.id) or assessments.get(item.id)) and item.code not in targets:
            problems.lines.append(
                f"{walk_name}: no row maps "
                + _in_use(item.code, links.get(item.id, []), assessments.get(item.id, 0))
                + ", and the new tree drops it: nothing was replaced"
            )
    ids = {code: item.id for code, item in old.items() if item.id is not None}
    moves = {
        ids[code]: [(row.weight, row.new_code) for row in rows]
        for code, rows in targets.items()
        if code in ids
    }
    problems.lines.extend(
        f"{walk_name}: {clash}" for clash in _assessment_clashes(session, moves, codes)
    )
    problems.raise_any()

    report = PlanReport(dry_run=dry_run)
    tree = _write_tree(session, plan, read.items, actor, report)
    new_ids = {
        code: item.id for code, item in tree.items() if code in new_codes and item.id is not None
    }
    walk = _Walk(moves, codes, new_ids)
    _move_links(session, walk, actor, report)
    _move_assessments(session, walk, actor, report)
    for item in retired:
        record = _item_record(item, codes)
        replaced_by = ";".join(row.target for row in targets.get(item.code, []))
        session.add(
            m.RetiredItem(
                framework_id=plan.id, retired_on=today, replaced_by=replaced_by,
                retired_by=actor.name, **record,
            )
        )  # fmt: skip
        audit.record(
            session=session, actor=actor, action="retire", table="frameworkitem",
            row_key=item.code, before=record,
            after={"retired_on": today, "replaced_by": replaced_by},
        )  # fmt: skip
        report.retired.append(item.code + (f" → {replaced_by}" if replaced_by else ""))
    _drop_items(session, retired)
    _finish(session, dry_run, "replacement")
    return report


@dataclass(frozen=True)
class _Walk:
    """A crosswalk resolved against the store: old item id -> [(weight, new code)], the old
    items' codes by id, and the new tree's ids by code."""

    moves: Mapping[int, list[tuple[float, str]]]
    codes: Mapping[int, str]
    new_ids: Mapping[str, int]


def _move_links(session: Session, walk: _Walk, actor: Actor, report: PlanReport) -> None:
    """Each link of a mapped item goes to its targets (weight × the row's weight); links that
    meet on one activity and item add their weights."""
    moves, codes, new_ids = walk.moves, walk.codes, walk.new_ids
    moved = session.exec(
        select(m.ActivityItem, m.Activity.activity_id)
        .join(m.Activity, col(m.Activity.id) == m.ActivityItem.activity_id)
        .where(col(m.ActivityItem.item_id).in_(list(moves)))
        .order_by(col(m.Activity.activity_id), col(m.ActivityItem.item_id))
    ).all()
    weights: dict[tuple[int, int], float] = defaultdict(float)
    for link, activity in moved:
        after = []
        for factor, code in moves[link.item_id]:
            weight = link.weight * factor
            weights[link.activity_id, new_ids[code]] += weight
            after.append(_weighted(code, weight))
        old_code = codes[link.item_id]
        audit.record(
            session=session, actor=actor, action="update", table="activityitem",
            row_key=f"{activity} {old_code}", activity_key=activity,
            before={"item": _weighted(old_code, link.weight)}, after={"item": after},
        )  # fmt: skip
        report.links_moved.append(
            f"{activity}: {_weighted(old_code, link.weight)} → {';'.join(after)}"
        )
        session.delete(link)
    session.flush()
    for (activity_pk, item_id), weight in weights.items():
        stored = session.get(m.ActivityItem, (activity_pk, item_id))
        if stored is None:
            session.add(m.ActivityItem(activity_id=activity_pk, item_id=item_id, weight=weight))
        else:
            stored.weight += weight
            session.add(stored)
    session.flush()


def _move_assessments(session: Session, walk: _Walk, actor: Actor, report: PlanReport) -> None:
    """An assessment goes to its item's first target and is copied to each further one (the
    crosswalk says the new items share what the old one was); identical ones meet once."""
    moves, codes, new_ids = walk.moves, walk.codes, walk.new_ids
    rows = session.exec(
        select(m.ItemAssessment)
        .where(col(m.ItemAssessment.item_id).in_(list(moves)))
        .order_by(col(m.ItemAssessment.id))
    ).all()
    landed: set[tuple[int, dt.date, str, str, str, bool]] = {
        (r.item_id, r.date, r.status, r.note, r.source, r.demo)
        for r in session.exec(
            select(m.ItemAssessment).where(
                col(m.ItemAssessment.item_id).in_(list(new_ids.values()))
            )
        ).all()
        if r.item_id not in moves
    }
    for row in rows:
        targets = moves[row.item_id]
        old_code = codes[row.item_id]
        key = f"{old_code} {row.date.isoformat()} {row.status}"
        copies = []
        for number, (_, code) in enumerate(targets):
            target = new_ids[code]
            same = (target, row.date, row.status, row.note, row.source, row.demo)
            if same in landed:
                continue
            landed.add(same)
            if number == 0:
                copy = row
            else:
                copy = m.ItemAssessment.model_validate(row.model_dump(exclude={"id"}))
            copy.item_id = target
            session.add(copy)
            copies.append(code)
        if targets[0][1] not in copies:
            session.delete(row)
        audit.record(
            session=session, actor=actor, action="update", table="itemassessment",
            row_key=key, before={"item": old_code}, after={"item": copies},
        )  # fmt: skip
        report.assessments_moved.append(f"{key} → {';'.join(copies) or '(already there)'}")
    session.flush()
