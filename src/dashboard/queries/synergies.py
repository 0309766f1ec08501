"""Synergies between two plans: activities that advance an item of each (any two plans; by
default the first two in the store's order, `default_pair`).

An activity serves an item when it is linked to it or to any item below it (`item_closure`)
and its work counts toward the item's plan, as on the plan's own pages (`counts_toward`: it
overlaps the plan's period); a link alone, to work done before a plan began, serves nothing.
So an activity serves both plans only with work in the years both run. Cells and flows count
each activity once. Completion is the plain mean progress of the counted
activities (as of the filters' date; cancelled not counted, completed 100 %), each activity
once: link weights say how much an activity serves one item, not how it is shared across plans.

The framework trees hold dozens of items, the links hundreds of thousands: each statement maps
the links to the items it reports on through a small closure of the items computed once
(`_tops`), makes one pass over the links of the activities in scope, and deduplicates before
it aggregates. Joins are on the link table's columns, whose statistics the database knows.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from sqlalchemy import (
    CTE,
    ColumnElement,
    Float,
    Select,
    and_,
    case,
    cast,
    distinct,
    false,
    func,
    literal,
    null,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dashboard.filters import Filters
from dashboard.provisional import codes_header, item_label, item_title
from dashboard.queries.activities import provisional_frameworks
from dashboard.queries.scope import (
    Activity,
    ActivityItem,
    Framework,
    FrameworkItem,
    Funding,
    Organisation,
    counts_toward,
    item_closure,
    mean_progress,
    plans,
    progress_at,
    to_frame,
)

# The node through which the flows of the activities not drawn one by one pass.
OTHER_ACTIVITIES = "(other activities)"


def default_pair(session: Session) -> tuple[str, str] | None:
    """The codes of the first two plans in the store's order (None with fewer than two):
    the pair the synergies show unless another is chosen."""
    codes = session.execute(select(Framework.c.code).order_by(Framework.c.id).limit(2)).scalars()
    pair = [str(code) for code in codes]
    return (pair[0], pair[1]) if len(pair) == 2 else None


def plan_names(session: Session) -> pd.DataFrame:
    """Every plan in the store's order (the synergies' pair picker): code, name, short_name."""
    statement = select(Framework.c.code, Framework.c.name, Framework.c.short_name).order_by(
        Framework.c.id
    )
    return to_frame(session, statement, ["code", "name", "short_name"])


def _pair(session: Session, first: str | None, second: str | None) -> tuple[str, str]:
    """The pair asked for, each plan left out taken from `default_pair` (an unknown code
    names no plan: it serves nothing)."""
    default = default_pair(session=session) or ("", "")
    return first or default[0], second or default[1]


def natural_key(code: str) -> tuple[Any, ...]:
    """Sort key that puts CAMI-4 before CAMI-10 and S1.2 before S1.10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", code))


def _children(framework: str, parent: str | None) -> Select[Any]:
    """Items of `framework` directly below item `parent` (the top level when None)."""
    statement = (
        select(
            FrameworkItem.c.id,
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.provisional,
            FrameworkItem.c.level,
            FrameworkItem.c.sort_order,
        )
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .where(Framework.c.code == framework)
    )
    if parent is None:
        return statement.where(FrameworkItem.c.parent_id.is_(None))
    parent_item = aliased(FrameworkItem)
    parent_id = (
        select(parent_item.c.id)
        .join(Framework, Framework.c.id == parent_item.c.framework_id)
        .where(Framework.c.code == framework, parent_item.c.code == parent)
        .scalar_subquery()
    )
    return statement.where(FrameworkItem.c.parent_id == parent_id)


def _in_framework(framework: str) -> Any:
    """Whether a link's item (ActivityItem.item_id) belongs to `framework`."""
    return ActivityItem.c.item_id.in_(
        select(FrameworkItem.c.id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .where(Framework.c.code == framework)
    )


def _tops(items: Select[Any], name: str) -> CTE:
    """(item_id, top_id): each of `items` (a select of ids) and every item below it, with the
    one of `items` it is or is under. An item under two of `items` has a row for each.

    Dozens of rows, computed once and joined to the links, so that each link is mapped to
    the items a statement reports on without walking the tree per link (MATERIALIZED:
    SQLite would otherwise compute it again where it is joined).
    """
    closure = item_closure(f"{name}_closure")
    chosen = items.subquery(f"{name}_chosen")
    return (
        select(closure.c.descendant_id.label("item_id"), closure.c.ancestor_id.label("top_id"))
        .where(closure.c.ancestor_id.in_(select(chosen.c.id)))
        .cte(name)
        .prefix_with("MATERIALIZED")
    )


def serves(session: Session, filters: Filters, framework: str) -> ColumnElement[bool]:
    """Whether an activity's work counts toward `framework`'s plan on the filters' date
    (`counts_toward`): only then does its link to an item of that plan serve the plan."""
    found = plans(session, framework)
    return counts_toward(filters, found[0]) if found else false()


def shared_years(
    session: Session, *, first: str | None = None, second: str | None = None
) -> tuple[int, int] | None:
    """The years both plans run (first, last), or None when their periods do not meet (or
    a plan is unknown): only work in those years can serve both."""
    found = [plan for code in _pair(session, first, second) for plan in plans(session, code)]
    if len(found) < 2:
        return None
    start = max(plan.start for plan in found)
    end = min(plan.end for plan in found)
    return (start.year, end.year) if start <= end else None


def _in_both_periods(
    session: Session, filters: Filters, first: str, second: str
) -> ColumnElement[bool]:
    """Whether an activity's work counts toward both plans: for two periods, that is work
    in the years both plans run (none when the periods do not meet)."""
    return and_(serves(session, filters, first), serves(session, filters, second))


def _plans_served(
    session: Session, filters: Filters, state: CTE, first: str, second: str
) -> Select[Any]:
    """Per activity in scope with any link: whether it serves `first` (1 or 0): linked to
    any of its items, its work counting toward that plan; the same for `second`; and
    whether it is linked to both plans at all, whatever its dates (`tagged_both`).
    One pass over the links."""
    in_first, in_second = _in_framework(first), _in_framework(second)
    return (
        select(
            ActivityItem.c.activity_id,
            func.max(case((and_(in_first, serves(session, filters, first)), 1), else_=0)).label(
                "first"
            ),
            func.max(case((and_(in_second, serves(session, filters, second)), 1), else_=0)).label(
                "second"
            ),
            (
                func.max(case((in_first, 1), else_=0)) * func.max(case((in_second, 1), else_=0))
            ).label("tagged_both"),
        )
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .join(Activity, Activity.c.id == ActivityItem.c.activity_id)
        # Grouped on the links' column, whose statistics PostgreSQL knows (the state's not).
        .group_by(ActivityItem.c.activity_id)
    )


def synergy_matrix(
    session: Session,
    *,
    filters: Filters,
    first_parent: str | None = None,
    first: str | None = None,
    second: str | None = None,
) -> pd.DataFrame:
    """Every (item of the first plan, item of the second) pair with the activities that
    serve both.

    Rows are the first plan's top-level items (e.g. the Strategy's goals), or the items
    directly below `first_parent` (a goal's objectives); columns are the second plan's
    top-level items. Both roll up their subtrees. Pairs with no activity are listed with 0
    activities and no completion. An activity serves both only when its work counts toward
    both plans (`_in_both_periods`): a tag alone does not.

    Columns: first_item, first_title, first_provisional, first_level, second_item,
    second_title, second_provisional (whether the item belongs to a provisional working
    structure), second_level (the items' levels: "goal", "section", ...),
    activities (cancelled included), counted (not cancelled, a percentage reported),
    completion_pct (mean progress of counted activities).
    """
    first, second = _pair(session, first, second)
    state = progress_at(filters, where=_in_both_periods(session, filters, first, second))
    row_items = _children(first, first_parent)
    column_items = _children(second, None)
    row_tops = _tops(select(row_items.subquery("row_ids").c.id), "row_tops")
    column_tops = _tops(select(column_items.subquery("column_ids").c.id), "column_tops")
    row_link = ActivityItem.alias("row_link")
    column_link = ActivityItem.alias("column_link")
    # Each activity once per cell, with its state: an activity linked to two objectives of a
    # goal still counts once in the goal's row.
    served = (
        select(
            row_link.c.activity_id,
            row_tops.c.top_id.label("row_id"),
            column_tops.c.top_id.label("column_id"),
            state.c.progress,
            state.c.counted,
        )
        .distinct()
        .select_from(row_link)
        .join(row_tops, row_tops.c.item_id == row_link.c.item_id)
        .join(column_link, column_link.c.activity_id == row_link.c.activity_id)
        .join(column_tops, column_tops.c.item_id == column_link.c.item_id)
        .join(state, state.c.activity_id == row_link.c.activity_id)
        .subquery("served")
    )
    pairs = (
        select(
            served.c.row_id,
            served.c.column_id,
            func.count().label("activities"),
            func.sum(served.c.counted).label("counted"),
            mean_progress(served).label("completion_pct"),
        )
        .group_by(served.c.row_id, served.c.column_id)
        .subquery("pairs")
    )
    rows = row_items.subquery("matrix_rows")
    columns = column_items.subquery("matrix_columns")
    statement = (
        select(
            rows.c.code,
            rows.c.title,
            rows.c.provisional,
            rows.c.level,
            columns.c.code,
            columns.c.title,
            columns.c.provisional,
            columns.c.level,
            func.coalesce(pairs.c.activities, 0),
            func.coalesce(pairs.c.counted, 0),
            pairs.c.completion_pct,
        )
        .select_from(rows.join(columns, true()))
        .outerjoin(pairs, and_(pairs.c.row_id == rows.c.id, pairs.c.column_id == columns.c.id))
        .order_by(rows.c.sort_order, rows.c.code, columns.c.sort_order, columns.c.code)
    )
    frame = to_frame(
        session,
        statement,
        [
            "first_item",
            "first_title",
            "first_provisional",
            "first_level",
            "second_item",
            "second_title",
            "second_provisional",
            "second_level",
            "activities",
            "counted",
            "completion_pct",
        ],
    )
    for column in ("first_provisional", "second_provisional"):
        frame[column] = frame[column].astype(bool)
    frame["activities"] = frame["activities"].astype(int)
    frame["counted"] = frame["counted"].astype(int)
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    return frame


def activities_serving(
    session: Session,
    *,
    filters: Filters,
    items: tuple[str, ...],
    offset: int = 0,
    limit: int | None = None,
) -> pd.DataFrame:
    """The activities in scope that serve every item in `items`: linked to it or anything
    below it, their work counting toward its plan (`serves`).

    `("S1", "CAMI-10")` lists one cell of the synergy matrix (whose `activities` counts them).
    Columns: activity_id, title, status, progress_pct, counted, lead, demo; ordered by
    progress, highest first; `limit` rows from `offset` (one page), or all of them.
    """
    state = progress_at(filters)
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            state.c.counted,
            Organisation.c.name,
            Activity.c.demo,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .order_by(state.c.progress.desc().nulls_last(), Activity.c.activity_id)
        .offset(offset or None)
        .limit(limit)
    )
    for number, code in enumerate(items):
        below = _tops(select(FrameworkItem.c.id).where(FrameworkItem.c.code == code), f"i{number}")
        serving = select(ActivityItem.c.activity_id).where(
            ActivityItem.c.item_id.in_(select(below.c.item_id))
        )
        framework = session.execute(
            select(Framework.c.code)
            .join(FrameworkItem, FrameworkItem.c.framework_id == Framework.c.id)
            .where(FrameworkItem.c.code == code)
        ).scalar()
        statement = statement.where(
            Activity.c.id.in_(serving), serves(session, filters, str(framework))
        )
    if not items:
        statement = statement.where(false())
    frame = to_frame(
        session,
        statement,
        ["activity_id", "title", "status", "progress_pct", "counted", "lead", "demo"],
    )
    frame["counted"] = frame["counted"].astype(bool)
    return frame


def activity_plans(
    session: Session,
    *,
    filters: Filters,
    single_plan_only: bool = False,
    offset: int = 0,
    limit: int | None = None,
    first: str | None = None,
    second: str | None = None,
) -> pd.DataFrame:
    """Each activity in scope with the items of the two plans it is linked to, and the plans
    it serves.

    Columns: activity_id, title, status, progress_pct, lead, demo, one column of codes per
    plan headed by the plan's code (`;`-joined codes as linked, whatever the dates, "" when
    none; the header of a provisional structure's codes says so: "strategy (provisional
    structure)", as in the explorer), plans: which plans it serves, its work counting toward
    them (`serves`): "both", "<first> only", "<second> only" with the frameworks' short
    names, or "neither". A link
    outside a plan's period serves nothing: an activity tagged to both plans whose work
    ended before the second began serves the first only. With `single_plan_only`, only the
    activities serving exactly one of the two plans (`plan_overlap` counts them).
    In activity_id order; `limit` rows from `offset` (one page), or all of them.
    """
    first, second = _pair(session, first, second)
    state = progress_at(filters)
    served = _plans_served(session, filters, state, first, second).subquery("served")
    # The page's activities first; their state, lead and codes after, for those rows only.
    chosen = select(Activity.c.id, Activity.c.activity_id)
    if single_plan_only:
        chosen = chosen.join(served, served.c.activity_id == Activity.c.id).where(
            served.c.first != served.c.second
        )
    else:
        chosen = chosen.join(state, state.c.activity_id == Activity.c.id)
    if offset or limit is not None:
        chosen = chosen.order_by(Activity.c.activity_id).offset(offset or None).limit(limit)
    page = chosen.subquery("page")

    def codes(framework: str) -> Any:
        """The codes of `framework` one activity of the page is linked to, `;`-joined."""
        return (
            select(func.aggregate_strings(FrameworkItem.c.code, ";"))
            .select_from(ActivityItem)
            .join(FrameworkItem, FrameworkItem.c.id == ActivityItem.c.item_id)
            .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
            .where(ActivityItem.c.activity_id == Activity.c.id, Framework.c.code == framework)
            .scalar_subquery()
        )

    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            Organisation.c.name,
            Activity.c.demo,
            codes(first),
            codes(second),
            func.coalesce(served.c.first, 0),
            func.coalesce(served.c.second, 0),
        )
        .select_from(page)
        .join(Activity, Activity.c.id == page.c.id)
        .join(state, state.c.activity_id == page.c.id)
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .outerjoin(served, served.c.activity_id == page.c.id)
        .order_by(page.c.activity_id)
    )
    frame = to_frame(
        session,
        statement,
        [
            "activity_id",
            "title",
            "status",
            "progress_pct",
            "lead",
            "demo",
            "first_codes",
            "second_codes",
            "serves_first",
            "serves_second",
        ],
    )
    names = {
        str(code): str(name)
        for code, name in session.execute(select(Framework.c.code, Framework.c.short_name))
    }
    for column in ("first_codes", "second_codes"):
        # Codes in a stable order whatever order the database aggregated them in.
        frame[column] = [
            ";".join(sorted(str(value).split(";"), key=natural_key))
            if pd.notna(value) and value
            else ""
            for value in frame[column]
        ]
    has_first = frame.pop("serves_first").astype(int) == 1
    has_second = frame.pop("serves_second").astype(int) == 1
    frame["plans"] = [
        "both"
        if a and b
        else f"{names.get(first, first)} only"
        if a
        else f"{names.get(second, second)} only"
        if b
        else "neither"
        for a, b in zip(has_first, has_second, strict=True)
    ]
    marked = provisional_frameworks(session=session)
    return frame.rename(
        columns={
            "first_codes": codes_header(first, first in marked),
            "second_codes": codes_header(second, second in marked),
        }
    )


def plan_overlap(
    session: Session, *, filters: Filters, first: str | None = None, second: str | None = None
) -> dict[str, Any]:
    """How the activities in scope divide between the plans they serve, and each plan's
    orphans. An activity serves a plan when it is linked to one of its items and its work
    counts toward that plan (`serves`: it overlaps the plan's period).

    One statement for the synergy share and the orphans both ways. Keys: "share" (as
    `synergy_share`), and each plan's code: that plan's items that no activity serving them
    also serves the other plan (as `unshared_items`).
    """
    first, second = _pair(session, first, second)
    state = progress_at(filters)
    served = (
        _plans_served(session, filters, state, first, second)
        .cte("served")
        .prefix_with("MATERIALIZED")
    )
    # An activity serving an item of one plan also serves the other exactly when it serves
    # both: an item is shared when one of the activities linked within its subtree does.
    tops = _tops(select(FrameworkItem.c.id), "item_tops")

    # Whether any activity linked within each item's subtree serves both (a maximum: an
    # activity linked twice within a subtree needs no deduplicating).
    shared = (
        select(
            tops.c.top_id.label("id"), func.max(served.c.first * served.c.second).label("shared")
        )
        .select_from(served)
        .join(ActivityItem, ActivityItem.c.activity_id == served.c.activity_id)
        .join(tops, tops.c.item_id == ActivityItem.c.item_id)
        .group_by(tops.c.top_id)
        .subquery("shared")
    )
    # How many activities serve an item (its own plan, in its period): counted only for the
    # orphans, where CASE evaluates it (usually none, so the deduplication is not paid for
    # every item).

    def serving_own(flag: Any) -> Any:
        """How many activities serving its own plan (`flag`) are linked within an item."""
        return (
            select(func.count(distinct(ActivityItem.c.activity_id)))
            .join(tops, tops.c.item_id == ActivityItem.c.item_id)
            .where(
                tops.c.top_id == FrameworkItem.c.id,
                ActivityItem.c.activity_id.in_(select(served.c.activity_id).where(flag == 1)),
            )
            .scalar_subquery()
        )

    is_shared = func.coalesce(shared.c.shared, 0) == 1
    orphan_activities = case(
        (is_shared, 0),
        (Framework.c.code == first, serving_own(served.c.first)),
        else_=serving_own(served.c.second),
    )

    def count(in_first: int, in_second: int) -> Any:
        matches = and_(served.c.first == in_first, served.c.second == in_second)
        return func.coalesce(func.sum(case((matches, 1), else_=0)), 0)

    # The share: one row, counted in one scan of `served` (activities without links are in
    # the scope's count, not in `served`).
    counts = (
        select(
            select(func.count()).select_from(state).scalar_subquery().label("activities"),
            count(1, 1).label("both"),
            count(1, 0).label("first_only"),
            count(0, 1).label("second_only"),
            func.coalesce(
                func.sum(case((served.c.first * served.c.second < served.c.tagged_both, 1))), 0
            ).label("tagged_elsewhere"),
        )
        .select_from(served)
        .subquery("counts")
    )
    parent = aliased(FrameworkItem)
    items = (
        select(
            FrameworkItem.c.id,
            Framework.c.code.label("framework"),
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.provisional,
            FrameworkItem.c.level,
            parent.c.code.label("parent_code"),
            orphan_activities.label("activities"),
            is_shared.label("shared"),
        )
        .outerjoin(shared, shared.c.id == FrameworkItem.c.id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .outerjoin(parent, parent.c.id == FrameworkItem.c.parent_id)
        .where(Framework.c.code.in_((first, second)))
        .subquery("items")
    )
    # The share on every item's row (and on one row when neither plan has an item).
    statement = (
        select(
            counts.c.activities,
            counts.c.both,
            counts.c.first_only,
            counts.c.second_only,
            counts.c.tagged_elsewhere,
            items.c.framework,
            items.c.code,
            items.c.title,
            items.c.level,
            items.c.parent_code,
            items.c.activities,
            items.c.shared,
            items.c.provisional,
        )
        .select_from(counts.outerjoin(items, true()))
        .order_by(items.c.id)
    )
    rows = session.execute(statement).all()
    activities, both_plans, first_only, second_only, elsewhere = (
        int(value) for value in rows[0][:5]
    )
    serving = both_plans + first_only + second_only
    orphans = {}
    for framework in (first, second):
        frame = pd.DataFrame(
            [
                (row[6], item_title(row[7], bool(row[12])), *row[8:11])
                for row in rows
                if row[5] == framework and not row[11]
            ],
            columns=["code", "title", "level", "parent_code", "activities"],
        )
        frame["activities"] = frame["activities"].astype(int)
        orphans[framework] = frame
    return {
        "share": {
            "activities": activities,
            "both": both_plans,
            "first_only": first_only,
            "second_only": second_only,
            "serving": serving,
            "neither": activities - serving,
            "tagged_elsewhere": elsewhere,
            "share": both_plans / serving if serving else None,
        },
        **orphans,
    }


def synergy_share(
    session: Session, *, filters: Filters, first: str | None = None, second: str | None = None
) -> dict[str, Any]:
    """How many activities in scope serve both plans, one, or neither (`plan_overlap`), and
    the share of both among those serving either.

    Keys: activities, both, first_only, second_only, serving (either plan), neither,
    tagged_elsewhere (tagged to both plans, but not serving both: its work lies outside the
    years both plans run), share (both / serving, None when none serves either plan).
    Cancelled activities are included, as in every count.
    """
    share: dict[str, Any] = plan_overlap(
        session=session, filters=filters, first=first, second=second
    )["share"]
    return share


def unshared_items(
    session: Session, *, filters: Filters, framework: str, other: str
) -> pd.DataFrame:
    """Items of `framework` that no activity serving them also serves `other` ("orphans").

    An item counts as shared when an activity serving it (or anything below it) also serves
    any item of `other`, both in their periods (`serves`). Columns: code, title (marked
    "(provisional)" for an item of a provisional working structure), level, parent_code,
    activities (serving the item in its plan's period; 0 means no work behind it).
    In framework order.
    """
    orphans: pd.DataFrame = plan_overlap(
        session=session, filters=filters, first=framework, second=other
    )[framework]
    return orphans


def synergy_flows(
    session: Session,
    *,
    filters: Filters,
    currency: str | None = None,
    top: int | None = None,
    first: str | None = None,
    second: str | None = None,
) -> pd.DataFrame:
    """Flows from a top-level item of the first plan (e.g. a Strategy goal) → activity → a
    top-level item of the second plan (e.g. a CAMI section) for the activities serving both plans
    (their work counting toward both: `_in_both_periods`).

    Each activity carries a weight: 1 (activity count), or with `currency` its funding in that
    currency (activities with none drop out; never summed across currencies). The weight is
    split evenly over the goals it serves and over the sections it serves, so each stage
    adds up to the total. Columns: source, source_label, target, target_label (an item's
    label says "(provisional)" for an item of a provisional working structure), value, stage
    ("first" for goal → activity, "second" for activity → section), demo.

    With `top`, only the `top` activities of largest weight (then by activity_id) have flows
    of their own; the others flow together through one node, `OTHER_ACTIVITIES` ("N other
    activities"), so every goal's and every section's total stays the same.
    """
    first, second = _pair(session, first, second)
    state = progress_at(filters, where=_in_both_periods(session, filters, first, second))
    first_id = select(Framework.c.id).where(Framework.c.code == first).scalar_subquery()
    second_id = select(Framework.c.id).where(Framework.c.code == second).scalar_subquery()
    # The goals and the sections together, each item below them mapped to them (`into` 1
    # for a goal): one pass over the links serves both stages.
    closure = item_closure("flow_closure")
    end = aliased(FrameworkItem)
    tops = (
        select(
            closure.c.descendant_id.label("item_id"),
            closure.c.ancestor_id.label("top_id"),
            case((end.c.framework_id == first_id, 1), else_=0).label("into"),
        )
        .join(end, end.c.id == closure.c.ancestor_id)
        .where(end.c.parent_id.is_(None), end.c.framework_id.in_([first_id, second_id]))
        .cte("flow_tops")
        .prefix_with("MATERIALIZED")
    )
    into = tops.c.into

    def links(*columns: Any) -> Select[Any]:
        """Each link mapped to the goal or section it serves."""
        return (
            select(ActivityItem.c.activity_id, tops.c.top_id.label("item_id"), into)
            .add_columns(*columns)
            .distinct()
            .join(tops, tops.c.item_id == ActivityItem.c.item_id)
        )

    goals = func.count(distinct(case((into == 1, tops.c.top_id))))
    sections = func.count(distinct(case((into == 0, tops.c.top_id))))
    # The activities serving both plans, with how many goals and how many sections each serves
    # (grouped on the links' column, whose statistics PostgreSQL knows).
    both = (
        select(ActivityItem.c.activity_id, goals.label("goals"), sections.label("sections"))
        .join(tops, tops.c.item_id == ActivityItem.c.item_id)
        .join(state, state.c.activity_id == ActivityItem.c.activity_id)
        .group_by(ActivityItem.c.activity_id)
        .having(and_(goals > 0, sections > 0))
        .subquery("both_plans")
    )
    if currency is None:
        weights = select(both, cast(literal(1.0), Float).label("w"))
    else:
        # Looked up per activity serving both (an index on funding.activity_id), not joined
        # to grouped funding: PostgreSQL cannot estimate a join of two grouped tables.
        amount = select(func.sum(Funding.c.amount)).where(
            Funding.c.activity_id == both.c.activity_id, Funding.c.currency == currency
        )
        if not filters.include_demo:
            amount = amount.where(Funding.c.demo == false())
        if filters.as_of:
            amount = amount.where(Funding.c.year <= filters.as_of.year)
        funded = select(both, cast(amount.scalar_subquery(), Float).label("w")).subquery("funded")
        # Activities with no funding in `currency` drop out.
        weights = select(funded).where(funded.c.w.is_not(None))
    weight = weights.cte("weights").prefix_with("MATERIALIZED")
    drawn: Any = ActivityItem.c.activity_id
    if top is not None:
        first_ones = (
            select(weight.c.activity_id)
            .join(Activity, Activity.c.id == weight.c.activity_id)
            .order_by(weight.c.w.desc(), Activity.c.activity_id)
            .limit(top)
        )
        drawn = case((drawn.in_(first_ones), drawn), else_=null())
    # Each activity's weight split evenly over the goals (or sections) it serves.
    split = weight.c.w / case((into == 1, weight.c.goals), else_=weight.c.sections)
    shares = (
        links(split.label("value"), drawn.label("drawn"))
        .join(weight, weight.c.activity_id == ActivityItem.c.activity_id)
        .subquery("shares")
    )
    flows = (
        select(
            shares.c.into,
            shares.c.item_id,
            shares.c.drawn,
            func.sum(shares.c.value).label("value"),
            select(func.count()).select_from(weight).scalar_subquery().label("total"),
        )
        .group_by(shares.c.into, shares.c.item_id, shares.c.drawn)
        .subquery("flows")
    )
    statement = (
        select(
            flows.c.into,
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.provisional,
            Activity.c.activity_id,
            Activity.c.title,
            Activity.c.demo,
            flows.c.value,
            flows.c.total,
        )
        .join(FrameworkItem, FrameworkItem.c.id == flows.c.item_id)
        .outerjoin(Activity, Activity.c.id == flows.c.drawn)
        .order_by(
            flows.c.into.desc(),
            flows.c.drawn.is_(None),
            FrameworkItem.c.sort_order,
            FrameworkItem.c.code,
            Activity.c.activity_id,
        )
    )
    frame = to_frame(
        session,
        statement,
        [
            "into",
            "code",
            "title",
            "provisional",
            "activity_id",
            "activity_title",
            "demo",
            "value",
            "total",
        ],
    )
    others = frame["activity_id"].isna()
    if others.any():
        hidden = int(frame["total"].max()) - (top or 0)
        frame.loc[others, "activity_id"] = OTHER_ACTIVITIES
        frame.loc[others, "activity_title"] = (
            f"{hidden:,} other {'activity' if hidden == 1 else 'activities'}"
        )
        frame.loc[others, "demo"] = False
    # Goal → activity rows, then activity → section rows.
    to_activity = frame["into"] == 1
    item = pd.Series(
        [
            item_label(code, title, bool(provisional), width=None)
            for code, title, provisional in zip(
                frame["code"], frame["title"], frame["provisional"], strict=True
            )
        ],
        index=frame.index,
        dtype=object,
    )
    return pd.DataFrame(
        {
            "source": frame["code"].where(to_activity, frame["activity_id"]),
            "source_label": item.where(to_activity, frame["activity_title"]),
            "target": frame["activity_id"].where(to_activity, frame["code"]),
            "target_label": frame["activity_title"].where(to_activity, item),
            "value": frame["value"].astype(float),
            "stage": to_activity.map({True: "first", False: "second"}),
            "demo": frame["demo"].astype(bool),
        }
    )


def funding_currencies(session: Session, *, filters: Filters) -> list[str]:
    """Currencies funding the activities in scope, most used first (a flow weighting choice);
    funding whose amount is not published has no currency and weighs nothing."""
    state = progress_at(filters)
    statement = (
        select(Funding.c.currency)
        # Joined, not `IN`: PostgreSQL cannot count the state's rows, and would look up each.
        .join(state, state.c.activity_id == Funding.c.activity_id)
        .where(Funding.c.currency.is_not(None), Funding.c.amount.is_not(None))
        .group_by(Funding.c.currency)
        .order_by(func.count().desc(), Funding.c.currency)
    )
    if not filters.include_demo:
        statement = statement.where(Funding.c.demo == false())
    return [str(currency) for currency in session.execute(statement).scalars()]
