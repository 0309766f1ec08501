"""Synergies between the two plans: activities that advance a Strategy item and a CAMI section.

An activity serves an item when it is linked to it or to any item below it (`item_closure`).
Cells and flows count each activity once. Completion is the plain mean progress of the counted
activities (as of the filters' date; cancelled not counted, completed 100 %), each activity
once: link weights say how much an activity serves one item, not how it is shared across plans.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from sqlalchemy import (
    CTE,
    Select,
    Subquery,
    and_,
    case,
    distinct,
    false,
    func,
    literal,
    select,
    true,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session

from dashboard.filters import Filters
from dashboard.queries.scope import (
    Activity,
    ActivityItem,
    Framework,
    FrameworkItem,
    Funding,
    Organisation,
    item_closure,
    mean_progress,
    progress_at,
    to_frame,
)

STRATEGY = "strategy"
CAMI = "cami"


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


def _served(closure: CTE, items: Select[Any], name: str) -> Subquery:
    """Distinct (item_id, activity_id): the activities serving each of `items` or below it."""
    chosen = items.subquery(f"{name}_items")
    return (
        select(closure.c.ancestor_id.label("item_id"), ActivityItem.c.activity_id)
        .distinct()
        .join(ActivityItem, ActivityItem.c.item_id == closure.c.descendant_id)
        .where(closure.c.ancestor_id.in_(select(chosen.c.id)))
        .subquery(name)
    )


def _all_items(framework: str) -> Select[Any]:
    return (
        select(FrameworkItem.c.id)
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .where(Framework.c.code == framework)
    )


def synergy_matrix(
    *,
    session: Session,
    filters: Filters,
    strategy_parent: str | None = None,
    strategy: str = STRATEGY,
    cami: str = CAMI,
) -> pd.DataFrame:
    """Every (Strategy item, CAMI section) pair with the activities that serve both.

    Rows are the Strategy goals, or the items directly below `strategy_parent` (a goal's
    objectives); columns are the CAMI top-level sections. Both roll up their subtrees. Pairs
    with no activity are listed with 0 activities and no completion.

    Columns: strategy_item, strategy_title, cami_section, cami_title, activities (cancelled
    included), counted (not cancelled), completion_pct (mean progress of counted activities).
    """
    state = progress_at(filters)
    closure = item_closure()
    rows = _children(strategy, strategy_parent).subquery("matrix_rows")
    columns = _children(cami, None).subquery("matrix_columns")
    row_links = _served(closure, select(rows.c.id), "row_links")
    column_links = _served(closure, select(columns.c.id), "column_links")
    pairs = (
        select(
            row_links.c.item_id.label("row_id"),
            column_links.c.item_id.label("column_id"),
            func.count().label("activities"),
            func.sum(state.c.counted).label("counted"),
            mean_progress(state).label("completion_pct"),
        )
        .join(column_links, column_links.c.activity_id == row_links.c.activity_id)
        .join(state, state.c.activity_id == row_links.c.activity_id)
        .group_by(row_links.c.item_id, column_links.c.item_id)
        .subquery("pairs")
    )
    statement = (
        select(
            rows.c.code,
            rows.c.title,
            columns.c.code,
            columns.c.title,
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
            "strategy_item",
            "strategy_title",
            "cami_section",
            "cami_title",
            "activities",
            "counted",
            "completion_pct",
        ],
    )
    frame["activities"] = frame["activities"].astype(int)
    frame["counted"] = frame["counted"].astype(int)
    frame["completion_pct"] = pd.to_numeric(frame["completion_pct"], errors="coerce").astype(float)
    return frame


def activities_serving(
    *, session: Session, filters: Filters, items: tuple[str, ...]
) -> pd.DataFrame:
    """The activities in scope that serve every item in `items` (each or anything below it).

    `("S1", "CAMI-10")` lists one cell of the synergy matrix. Columns: activity_id, title,
    status, progress_pct, counted, lead, demo; ordered by progress, highest first.
    """
    state = progress_at(filters)
    closure = item_closure()
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
        .order_by(state.c.progress.desc(), Activity.c.activity_id)
    )
    for code in items:
        chosen = select(FrameworkItem.c.id).where(FrameworkItem.c.code == code)
        serving = (
            select(ActivityItem.c.activity_id)
            .join(closure, closure.c.descendant_id == ActivityItem.c.item_id)
            .where(closure.c.ancestor_id.in_(chosen))
        )
        statement = statement.where(Activity.c.id.in_(serving))
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
    *,
    session: Session,
    filters: Filters,
    single_plan_only: bool = False,
    strategy: str = STRATEGY,
    cami: str = CAMI,
) -> pd.DataFrame:
    """Each activity in scope with the Strategy items and CAMI sections it is linked to.

    Columns: activity_id, title, status, progress_pct, lead, demo, strategy_items and
    cami_sections (`;`-joined codes as linked, "" when none), plans ("both", "Strategy only",
    "CAMI only" with the frameworks' short names, or "neither"). With `single_plan_only`,
    only the activities linked to exactly one of the two plans.
    """
    state = progress_at(filters)

    def codes(framework: str, name: str) -> Subquery:
        return (
            select(
                ActivityItem.c.activity_id,
                func.aggregate_strings(FrameworkItem.c.code, ";").label("codes"),
            )
            .join(FrameworkItem, FrameworkItem.c.id == ActivityItem.c.item_id)
            .where(FrameworkItem.c.id.in_(_all_items(framework)))
            .group_by(ActivityItem.c.activity_id)
            .subquery(name)
        )

    first, second = codes(strategy, "strategy_codes"), codes(cami, "cami_codes")
    statement = (
        select(
            Activity.c.activity_id,
            Activity.c.title,
            state.c.status,
            state.c.progress,
            Organisation.c.name,
            Activity.c.demo,
            first.c.codes,
            second.c.codes,
        )
        .join(state, state.c.activity_id == Activity.c.id)
        .outerjoin(Organisation, Organisation.c.id == Activity.c.lead_organisation_id)
        .outerjoin(first, first.c.activity_id == Activity.c.id)
        .outerjoin(second, second.c.activity_id == Activity.c.id)
        .order_by(Activity.c.activity_id)
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
            "strategy_items",
            "cami_sections",
        ],
    )
    names = {
        str(code): str(name)
        for code, name in session.execute(select(Framework.c.code, Framework.c.short_name))
    }
    for column in ("strategy_items", "cami_sections"):
        # Codes in a stable order whatever order the database aggregated them in.
        frame[column] = [
            ";".join(sorted(str(value).split(";"), key=natural_key))
            if pd.notna(value) and value
            else ""
            for value in frame[column]
        ]
    has_first = frame["strategy_items"] != ""
    has_second = frame["cami_sections"] != ""
    frame["plans"] = [
        "both"
        if a and b
        else f"{names.get(strategy, strategy)} only"
        if a
        else f"{names.get(cami, cami)} only"
        if b
        else "neither"
        for a, b in zip(has_first, has_second, strict=True)
    ]
    if single_plan_only:
        frame = frame[has_first != has_second].reset_index(drop=True)
    return frame


def synergy_share(
    *, session: Session, filters: Filters, strategy: str = STRATEGY, cami: str = CAMI
) -> dict[str, Any]:
    """How many activities in scope serve both plans, one, or neither, and the share of both.

    Keys: activities, both, strategy_only, cami_only, neither, share (both / activities, None
    when there is no activity). Cancelled activities are included, as in every count.
    """
    state = progress_at(filters)
    first = select(ActivityItem.c.activity_id).where(
        ActivityItem.c.item_id.in_(_all_items(strategy))
    )
    second = select(ActivityItem.c.activity_id).where(ActivityItem.c.item_id.in_(_all_items(cami)))
    in_first = state.c.activity_id.in_(first)
    in_second = state.c.activity_id.in_(second)

    def count(condition: Any) -> Any:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    activities, both, first_only, second_only = session.execute(
        select(
            func.count(),
            count(and_(in_first, in_second)),
            count(and_(in_first, ~in_second)),
            count(and_(~in_first, in_second)),
        ).select_from(state)
    ).one()
    return {
        "activities": int(activities),
        "both": int(both),
        "strategy_only": int(first_only),
        "cami_only": int(second_only),
        "neither": int(activities) - int(both) - int(first_only) - int(second_only),
        "share": int(both) / int(activities) if activities else None,
    }


def unshared_items(
    *, session: Session, filters: Filters, framework: str, other: str
) -> pd.DataFrame:
    """Items of `framework` that no activity links to any item of `other` ("orphans").

    An item counts as shared when an activity serving it (or anything below it) also serves
    any item of `other`. Columns: code, title, level, parent_code, activities (serving the
    item at all; 0 means no work behind it in either plan). In framework order.
    """
    state = progress_at(filters)
    closure = item_closure()
    in_scope = select(state.c.activity_id)
    in_other = select(ActivityItem.c.activity_id).where(
        ActivityItem.c.item_id.in_(_all_items(other))
    )
    serving = (
        select(
            closure.c.ancestor_id.label("item_id"),
            func.count(distinct(ActivityItem.c.activity_id)).label("activities"),
            func.count(
                distinct(
                    case((ActivityItem.c.activity_id.in_(in_other), ActivityItem.c.activity_id))
                )
            ).label("shared"),
        )
        .join(ActivityItem, ActivityItem.c.item_id == closure.c.descendant_id)
        .where(ActivityItem.c.activity_id.in_(in_scope))
        .group_by(closure.c.ancestor_id)
        .subquery("serving")
    )
    parent = aliased(FrameworkItem)
    statement = (
        select(
            FrameworkItem.c.code,
            FrameworkItem.c.title,
            FrameworkItem.c.level,
            parent.c.code,
            func.coalesce(serving.c.activities, 0),
        )
        .join(Framework, Framework.c.id == FrameworkItem.c.framework_id)
        .outerjoin(parent, parent.c.id == FrameworkItem.c.parent_id)
        .outerjoin(serving, serving.c.item_id == FrameworkItem.c.id)
        .where(Framework.c.code == framework, func.coalesce(serving.c.shared, 0) == 0)
        .order_by(FrameworkItem.c.id)
    )
    frame = to_frame(session, statement, ["code", "title", "level", "parent_code", "activities"])
    frame["activities"] = frame["activities"].astype(int)
    return frame


def synergy_flows(
    *,
    session: Session,
    filters: Filters,
    currency: str | None = None,
    strategy: str = STRATEGY,
    cami: str = CAMI,
) -> pd.DataFrame:
    """Flows Strategy goal → activity → CAMI section for the activities serving both plans.

    Each activity carries a weight: 1 (activity count), or with `currency` its funding in that
    currency (activities with none drop out; never summed across currencies). The weight is
    split evenly over the goals it serves and over the sections it serves, so each stage
    adds up to the total. Columns: source, source_label, target, target_label, value, stage
    ("strategy" for goal → activity, "cami" for activity → section), demo.
    """
    state = progress_at(filters)
    closure = item_closure()
    goals = _children(strategy, None).subquery("goals")
    sections = _children(cami, None).subquery("sections")
    goal_links = _served(closure, select(goals.c.id), "goal_links")
    section_links = _served(closure, select(sections.c.id), "section_links")
    both = (
        select(goal_links.c.activity_id)
        .join(section_links, section_links.c.activity_id == goal_links.c.activity_id)
        .join(state, state.c.activity_id == goal_links.c.activity_id)
    )
    if currency is None:
        weights = select(Activity.c.id.label("activity_id"), literal(1.0).label("w")).where(
            Activity.c.id.in_(both)
        )
    else:
        weights = (
            select(Funding.c.activity_id, func.sum(Funding.c.amount).label("w"))
            .where(Funding.c.activity_id.in_(both), Funding.c.currency == currency)
            .group_by(Funding.c.activity_id)
        )
        if not filters.include_demo:
            weights = weights.where(Funding.c.demo == false())
        if filters.as_of:
            weights = weights.where(Funding.c.year <= filters.as_of.year)
    weight = weights.subquery("weights")

    def stage(links: Subquery, items: Subquery) -> pd.DataFrame:
        statement = (
            select(
                items.c.code,
                items.c.title,
                Activity.c.activity_id,
                Activity.c.title,
                Activity.c.demo,
                weight.c.w,
            )
            .join(links, links.c.item_id == items.c.id)
            .join(weight, weight.c.activity_id == links.c.activity_id)
            .join(Activity, Activity.c.id == links.c.activity_id)
            .order_by(items.c.sort_order, items.c.code, Activity.c.activity_id)
        )
        frame = to_frame(
            session, statement, ["code", "title", "activity_id", "activity_title", "demo", "w"]
        )
        frame["w"] = frame["w"].astype(float)
        # Split each activity's weight over the items it serves at this stage.
        frame["value"] = frame["w"] / frame.groupby("activity_id")["activity_id"].transform("size")
        return frame

    into = stage(goal_links, goals)
    out = stage(section_links, sections)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "source": into["code"],
                    "source_label": into["code"] + " " + into["title"],
                    "target": into["activity_id"],
                    "target_label": into["activity_title"],
                    "value": into["value"],
                    "stage": "strategy",
                    "demo": into["demo"],
                }
            ),
            pd.DataFrame(
                {
                    "source": out["activity_id"],
                    "source_label": out["activity_title"],
                    "target": out["code"],
                    "target_label": out["code"] + " " + out["title"],
                    "value": out["value"],
                    "stage": "cami",
                    "demo": out["demo"],
                }
            ),
        ],
        ignore_index=True,
    )


def funding_currencies(*, session: Session, filters: Filters) -> list[str]:
    """Currencies funding the activities in scope, most used first (a flow weighting choice)."""
    statement = (
        select(Funding.c.currency)
        .where(Funding.c.activity_id.in_(select(progress_at(filters).c.activity_id)))
        .group_by(Funding.c.currency)
        .order_by(func.count().desc(), Funding.c.currency)
    )
    if not filters.include_demo:
        statement = statement.where(Funding.c.demo == false())
    return [str(currency) for currency in session.execute(statement).scalars()]
