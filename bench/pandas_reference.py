"""What a typical dashboard does: load the tables into pandas and aggregate in memory.

Computes the same completion per framework item (latest update per activity, completed = 100,
cancelled not counted, link-weighted, rolled up the tree) as `queries.completion_by_item`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine


def completion_by_item_pandas(engine: Engine, framework: str, as_of: dt.date) -> pd.DataFrame:
    with engine.connect() as connection:
        updates = pd.read_sql("SELECT * FROM progressupdate", connection)
        links = pd.read_sql("SELECT * FROM activityitem", connection)
        items = pd.read_sql("SELECT * FROM frameworkitem", connection)
        frameworks = pd.read_sql("SELECT * FROM framework", connection)
        activities = pd.read_sql("SELECT * FROM activity", connection)
    updates["date"] = pd.to_datetime(updates["date"])
    updates = updates[updates["date"] <= pd.Timestamp(as_of)]
    updates = updates[updates["activity_id"].isin(activities["id"])]
    latest = updates.sort_values(["activity_id", "date", "id"]).groupby("activity_id").tail(1)
    latest["progress"] = latest["progress_pct"].where(latest["status"] != "completed", 100.0)
    latest["counted"] = (latest["status"] != "cancelled").astype(int)
    framework_id = frameworks.loc[frameworks["code"] == framework, "id"].iloc[0]
    items = items[items["framework_id"] == framework_id]
    parent = dict(zip(items["id"], items["parent_id"], strict=True))
    pairs = []
    for item in items["id"]:
        node = item
        while node is not None and not pd.isna(node):
            pairs.append((node, item))
            node = parent.get(node)
    closure = pd.DataFrame(pairs, columns=["ancestor_id", "descendant_id"])
    joined = closure.merge(links, left_on="descendant_id", right_on="item_id").merge(
        latest[["activity_id", "progress", "counted"]], on="activity_id"
    )
    joined["weighted"] = joined["weight"] * joined["progress"] * joined["counted"]
    joined["weights"] = joined["weight"] * joined["counted"]
    grouped = joined.groupby("ancestor_id").agg(
        activities=("activity_id", "nunique"),
        numerator=("weighted", "sum"),
        denominator=("weights", "sum"),
    )
    grouped["completion_pct"] = grouped["numerator"] / grouped["denominator"].replace(
        0, float("nan")
    )
    return items[["id", "code"]].merge(grouped, left_on="id", right_index=True, how="left")
