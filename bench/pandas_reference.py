"""What a typical dashboard does: load the tables into pandas and aggregate in memory.

Computes the same per-item figures of one plan as `queries.item_progress` in the default view
(no filter but demo data and the as-of date): only activities whose work overlaps the plan's
period count (none before the plan has begun); an activity's state is its latest progress
update on or before the date (completed = 100, cancelled not counted); per item, over the
activities linked to it or to any item below it: activities, counted, started_activities
(had reported work under way by then), links and the link-weighted activity progress; and the
item's status: its latest assessment by then (demo ones only with demo data), else derived
(started once one of its activities has started, else not started).
`same_figures` compares the two.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from dashboard import models as m

COMPARED = [
    "code", "activities", "counted", "started_activities", "links", "activity_progress_pct",
    "status", "basis",
]  # fmt: skip


def item_progress_pandas(
    engine: Engine, framework: str, as_of: dt.date, *, include_demo: bool = False
) -> pd.DataFrame:
    with engine.connect() as connection:
        updates = pd.read_sql("SELECT * FROM progressupdate", connection)
        links = pd.read_sql("SELECT * FROM activityitem", connection)
        items = pd.read_sql("SELECT * FROM frameworkitem", connection)
        frameworks = pd.read_sql("SELECT * FROM framework", connection)
        activities = pd.read_sql("SELECT * FROM activity", connection)
        assessments = pd.read_sql("SELECT * FROM itemassessment", connection)
    plan = frameworks.loc[frameworks["code"] == framework].iloc[0]
    start = pd.Timestamp(dt.date(int(plan["period_start"]), 1, 1))
    end = pd.Timestamp(dt.date(int(plan["period_end"]), 12, 31))
    day = pd.Timestamp(as_of)
    begun = day >= start
    items = items[items["framework_id"] == plan["id"]]

    # The activities of the plan's period in scope (none before the plan has begun).
    # Its documented work (queries.scope.work_span): from its start date (else its first
    # report) to its end date (else, planned, the plan's end; else its latest report).
    for column in ("start_date", "end_date", "first_reported", "last_reported"):
        activities[column] = pd.to_datetime(activities[column])
    begins = activities["start_date"].fillna(activities["first_reported"]).fillna(start)
    open_end = activities["last_reported"].where(activities["status"] != "planned", end)
    ends = activities["end_date"].fillna(open_end).fillna(end)
    overlaps = (ends >= start) & (begins <= end)
    if not include_demo:
        overlaps &= ~activities["demo"].astype(bool)
    counted_ids = activities.loc[overlaps, "id"] if begun else activities["id"].iloc[0:0]

    updates["date"] = pd.to_datetime(updates["date"])
    updates = updates[(updates["date"] <= day) & updates["activity_id"].isin(counted_ids)]
    latest = updates.sort_values(["activity_id", "date", "id"]).groupby("activity_id").tail(1)
    latest = latest.assign(
        progress=latest["progress_pct"].where(latest["status"] != "completed", 100.0),
        counted=(latest["status"] != "cancelled").astype(int),
    )
    under_way = updates["status"].isin(m.WORK_STARTED_STATUSES) | (updates["progress_pct"] > 0)
    started_ids = set(updates.loc[under_way, "activity_id"])
    latest["started"] = latest["activity_id"].isin(started_ids).astype(int)

    parent = dict(zip(items["id"], items["parent_id"], strict=True))
    pairs = []
    for item in items["id"]:
        node = item
        while node is not None and not pd.isna(node):
            pairs.append((node, item))
            node = parent.get(node)
    closure = pd.DataFrame(pairs, columns=["ancestor_id", "descendant_id"])
    joined = closure.merge(links, left_on="descendant_id", right_on="item_id").merge(
        latest[["activity_id", "progress", "counted", "started"]], on="activity_id"
    )
    joined["links"] = joined["counted"]
    joined["numerator"] = joined["weight"] * joined["progress"] * joined["counted"]
    joined["denominator"] = joined["weight"] * joined["counted"]
    per_activity = joined.groupby(["ancestor_id", "activity_id"]).agg(
        counted=("counted", "max"),
        started=("started", "max"),
        links=("links", "sum"),
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
    )
    grouped = per_activity.groupby(level="ancestor_id").agg(
        activities=("counted", "size"),
        counted=("counted", "sum"),
        started_activities=("started", "sum"),
        links=("links", "sum"),
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
    )
    grouped["activity_progress_pct"] = grouped["numerator"] / grouped["denominator"].replace(
        0, float("nan")
    )
    result = items[["id", "code"]].merge(grouped, left_on="id", right_index=True, how="left")
    for column in ("activities", "counted", "started_activities", "links"):
        result[column] = result[column].fillna(0).astype(int)

    # The latest assessment of each item by then (none before the plan has begun).
    assessments["date"] = pd.to_datetime(assessments["date"])
    chosen = assessments[assessments["item_id"].isin(items["id"]) & (assessments["date"] <= day)]
    if not include_demo:
        chosen = chosen[~chosen["demo"].astype(bool)]
    if not begun:
        chosen = chosen.iloc[0:0]
    last = chosen.sort_values(["item_id", "date", "id"]).groupby("item_id").tail(1)
    assessed = dict(zip(last["item_id"], last["status"], strict=True))
    result["status"] = [
        assessed.get(item) or ("started" if started else "not_started")
        for item, started in zip(result["id"], result["started_activities"], strict=True)
    ]
    result["basis"] = ["assessed" if assessed.get(item) else "derived" for item in result["id"]]
    return result[COMPARED].reset_index(drop=True)


def same_figures(ours: pd.DataFrame, reference: pd.DataFrame) -> list[str]:
    """Where `queries.item_progress`'s frame and the pandas one differ (empty: they agree)."""
    differences = []
    theirs = reference.set_index("code")
    mine = ours.set_index("code")
    if set(mine.index) != set(theirs.index):
        return [f"items differ: {sorted(set(mine.index) ^ set(theirs.index))}"]
    for code in mine.index:
        for column in COMPARED[1:]:
            a: Any = mine.at[code, column]
            b: Any = theirs.at[code, column]
            if column in ("status", "basis"):
                equal = str(a) == str(b)
            else:
                # Numbers may come as Decimal (PostgreSQL's sums), numpy or Python values.
                a_missing, b_missing = pd.isna(a), pd.isna(b)
                equal = (a_missing and b_missing) or (
                    not a_missing
                    and not b_missing
                    and math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-6)
                )
            if not equal:
                differences.append(f"{code}.{column}: ours {a!r}, pandas {b!r}")
    return differences
