"""One framework's page body: completion per item, the tree, drill-down and history."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import streamlit as st

from dashboard import charts, queries
from dashboard.filters import Filters
from dashboard.ui import data, layout


def _percent(value: float) -> str:
    return "no activity" if pd.isna(value) else f"{value:.0f} %"


def _choose_item(framework: str, labels: dict[str, str]) -> str | None:
    """The item whose activities are listed, in the URL by its code: `?strategy_item=S1`
    (see layout.choose_by_code)."""
    return layout.choose_by_code(
        "Item",
        labels,
        key=f"{framework}_item",
        noun="item",
        placeholder="Choose an item to list its activities",
    )


def framework_body(
    code: str, filters: Filters, *, prefetch: Sequence[Callable[[], object]] = ()
) -> None:
    """Render the framework `code` (e.g. "strategy", "cami") under `filters`.

    `prefetch`: cached queries the page shows after this body, run at the same time as the
    body's own (the page's later calls then read them from the cache).
    """
    # Independent queries at the same time (see data.gather).
    got = data.gather(
        summary=lambda: data.framework_summary(filters=filters, framework=code),
        items=lambda: data.completion_by_item(filters=filters, framework=code),
        # The framework's line and each top-level item's, from one pass over the updates.
        history=lambda: data.completion_history(filters=filters, framework=code, by="both"),
        **{f"prefetch_{number}": call for number, call in enumerate(prefetch)},
    )
    summary = got["summary"].set_index("code")
    if code not in summary.index:
        st.error(f"The store holds no framework {code!r}. Run `dashboard init`.")
        return
    framework = summary.loc[code].to_dict()
    items = got["items"]
    st.caption(f"{framework['description']} Source: {framework['source']}.")

    provisional = int(items["provisional"].sum())
    if provisional:
        st.warning(
            f"**Provisional structure.** {provisional} of {len(items)} items are a provisional "
            "working structure, not the plan's own wording; each names the source it rests on "
            "(see the table). Activities link to items by code, so the official text can "
            "replace them without losing any link."
        )

    a, b, c, d = st.columns(4)
    a.metric(
        "Completion",
        _percent(framework["completion_pct"]),
        help="Link-weighted mean progress of all activities linked to this framework.",
    )
    b.metric("Items covered", f"{framework['covered']} of {framework['items']}")
    c.metric("Activities counted", f"{framework['counted']} of {framework['activities']}")
    d.metric("Items with no activity", int((~items["covered"]).sum()))

    top_level = "goal" if code == "strategy" else "section"
    layout.chart_with_data(
        data.chart(
            "completion_bars",
            items,
            title=f"Completion by {top_level}: {framework['name']}",
            max_depth=0,
        ),
        charts.item_tree_table(items),
        name=f"{framework['short_name']} by {top_level}",
        key=f"{code}-completion",
        empty="This framework has no items.",
    )

    st.subheader("The whole tree")
    tree = charts.item_tree_table(items)
    st.dataframe(
        tree,
        hide_index=True,
        width="stretch",
        height=min(38 * len(tree) + 40, 900),
        column_config={
            "completion_pct": st.column_config.ProgressColumn(
                "completion", format="%.0f %%", min_value=0, max_value=100
            ),
            "counted_activities": st.column_config.NumberColumn("counted"),
            "all_activities": st.column_config.NumberColumn("activities"),
        },
    )
    st.caption(
        "An empty completion cell means *no activity* (or only cancelled ones): never 0 %. "
        "*counted* excludes cancelled activities."
    )
    layout.csv_download(tree, key=f"{code}-tree")

    st.subheader("What is behind an item")
    labels = dict(zip(items["code"], items["code"] + " " + items["title"], strict=True))
    chosen = _choose_item(code, labels)
    if chosen:
        total = data.activities_for_item_count(filters=filters, code=chosen)
        if not total:
            st.info(
                f"No activity serves {labels[chosen]} (or any item below it) under these filters."
            )
        else:
            layout.paged_table(
                total,
                lambda offset, limit: data.activities_for_item(
                    filters=filters, code=chosen, offset=offset, limit=limit
                ),
                key=f"{code}_behind",
                noun=("activity", "activities"),
                column_config={
                    "progress_pct": st.column_config.ProgressColumn(
                        "progress", format="%.0f %%", min_value=0, max_value=100
                    ),
                    "source_url": st.column_config.LinkColumn("source"),
                },
            )
            layout.csv_download(
                data.later(queries.activities_for_item, filters=filters, code=chosen),
                key=f"{code}-{chosen}-activities",
                label=f"Download {'this activity' if total == 1 else f'these {total:,} activities'}"
                " as CSV",
            )

    st.subheader("Completion over time")
    history = got["history"]
    series_labels = {code: f"{framework['short_name']} (all items)"} | {
        item: f"{item} {title[:40]}"
        for item, title in zip(items["code"], items["title"], strict=True)
    }
    layout.chart_with_data(
        data.chart(
            "completion_history_lines",
            history,
            title=f"Completion over time: {framework['name']}",
            labels=series_labels,
            horizons={f"{framework['short_name']} ends": int(framework["period_end"])},
            as_of=filters.as_of_date(),
            emphasise=(code,),
        ),
        history,
        name="Completion over time",
        key=f"{code}-history",
        empty="No progress update falls within these filters.",
    )
    layout.how_computed()


def both_plans_history(filters: Filters) -> None:
    """Both frameworks' completion over time on one chart, each with its horizon."""
    summary = data.framework_summary(filters=filters)
    histories = data.gather(
        **{
            code: lambda code=code: data.completion_history(filters=filters, framework=code)
            for code in summary["code"]
        }
    )
    history = pd.concat(list(histories.values()))
    layout.chart_with_data(
        data.chart(
            "completion_history_lines",
            history,
            title="Completion over time, both plans",
            labels=dict(zip(summary["code"], summary["name"], strict=True)),
            horizons={
                f"{short} ends": int(end)
                for short, end in zip(summary["short_name"], summary["period_end"], strict=True)
            },
            as_of=filters.as_of_date(),
        ),
        history,
        name="Completion over time",
        key="history",
        empty="No progress update falls within these filters.",
    )
