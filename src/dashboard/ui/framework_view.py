"""One framework's page body: its figures, its items' statuses, the tree, drill-down and
pace."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from dashboard import charts, queries
from dashboard.filters import Filters
from dashboard.markup import literal
from dashboard.ui import data, layout, links
from dashboard.ui.sidebar import shared_filters


def _this_page() -> str:
    """The url_path of the page this run shows (app.py gives each plan's page its code)."""
    context = get_script_run_ctx()
    if context is None:
        return ""
    page = context.pages_manager.get_pages().get(context.page_script_hash)
    return str(page.get("url_pathname") or "") if page else ""


def plan_page() -> None:
    """The page of the plan whose code is this page's url_path: how far it has come, per
    item, and which activities stand behind each (views/plan_page.py, one page per plan)."""
    code = _this_page()
    plan = next((plan for plan in data.plan_list() if plan.code == code), None)
    if plan is None:
        st.error(f"The store holds no plan {code!r}.")
        return
    layout.header(
        plan.name,
        f"How far each part of the {plan.name} has come for the Pallas's cat, and which "
        "activities stand behind it.",
    )
    with layout.guard(f"The {plan.short_name} page"), st.spinner("Computing progress…"):
        filters = shared_filters()
        layout.demo_notice(filters)
        layout.as_of_notice(filters)
        # The plan that defines the PTCRs (regions.csv's `framework`) lists them on its page.
        if not plan.defines_regions:
            framework_body(code, filters)
            retired_note(code)
            return
        framework_body(
            code, filters, prefetch=[lambda: data.ptcr_listing(filters=filters, framework=code)]
        )
        st.subheader("Priority Transboundary Conservation Regions that list the Pallas's cat")
        regions = data.ptcr_listing(filters=filters, framework=code)
        layout.listing(regions)
        st.caption(
            "*Pending (under revision)*: the region's inclusion in the final Work Programme was "
            "still under revision when the CMS report was written. No source names the member "
            "countries or centre points of the PTCRs: they are derived from geography."
        )
        layout.csv_download(regions, key=f"{code}-ptcrs")
        retired_note(code)


def retired_note(code: str) -> None:
    """The items a replacement took out of the plan `code`, if any: when, and which items
    took their activity links and assessments, so that a figure read before (a printed page,
    an older export, `as of` an earlier day under the old tree) stays explained."""
    retired = data.retired_items(framework=code)
    if retired.empty:
        return
    days = ", ".join(sorted({str(day) for day in retired["retired_on"]}))
    with st.expander(f"Items this plan no longer has ({len(retired)}), replaced on {days}"):
        st.caption(
            "Its tree was replaced by a crosswalk: each old item's activity links and "
            "assessments moved to the items it names (× the weight after a colon). Every "
            "figure on this page, whatever its date, is read on the present items; a figure "
            "published before the replacement was read on these."
        )
        layout.listing(retired)
        layout.csv_download(retired, key=f"{code}-retired")


def _activity_progress(plan: Mapping[str, Any]) -> str:
    """The plan's activity progress, or why there is none: no activity of its period, or
    none that reports a percentage."""
    if pd.notna(plan["activity_progress_pct"]):
        return f"{plan['activity_progress_pct']:.0f} %"
    return charts.NOT_REPORTED if plan["activities_not_reported"] else charts.NO_ACTIVITY


def _choose_item(framework: str, labels: dict[str, str]) -> str | None:
    """The item whose activities are listed, in the URL by its code: `?strategy_item=S1`
    (see layout.choose_by_code)."""
    return layout.choose_by_code(
        "Item",
        labels,
        key=links.item_key(framework),
        noun="item",
        placeholder="Choose an item to list its activities",
    )


def plan_figures(plan: Mapping[str, Any]) -> None:
    """A plan's three figures, each named for what it is, with the counts behind them and
    the sentence a printed page keeps (a `queries.plan_progress` row)."""
    st.markdown(charts.plan_sentence(plan))
    a, b, c, d = st.columns(4)
    total = plan["items_total"]
    a.metric(
        "Items started",
        f"{plan['items_started']} of {total}",
        help="Items the plan tracks (those with nothing below them) whose status is started, "
        f"well advanced or completed. {plan['items_assessed']} of the {total} statuses rest on "
        "a dated assessment, the others are derived from activities"
        + (
            f"; {plan['items_not_applicable']} not applicable, left out."
            if plan["items_not_applicable"]
            else "."
        ),
    )
    b.metric(
        "Items completed",
        f"{plan['items_completed']} of {total}",
        help=f"Completed by an assessment ({plan['items_well_advanced']} more well "
        "advanced). Activities alone never make an item completed.",
    )
    c.metric(
        "Time elapsed",
        "not started"
        if plan["plan_year"] == 0
        else f"year {plan['plan_year']} of {plan['plan_years']}",
        help=f"{plan['time_elapsed_pct']:.0f} % of the period {plan['period_start']}–"
        f"{plan['period_end']} had passed on {plan['as_of']}.",
    )
    reporting = plan["activities_counted"]
    d.metric(
        "Activity progress",
        _activity_progress(plan),
        # The count beside the percentage, in grey (a delta without colour or arrow).
        delta=f"mean of {reporting} of {reporting + plan['activities_not_reported']} "
        "reporting a percentage",
        delta_color="off",
        delta_arrow="off",
        help=f"Link-weighted mean progress of the {plan['activities_counted']} activities "
        "whose work overlaps the plan's period and that report a percentage "
        f"({plan['activities_not_reported']} under way report none and are left out): how far "
        "those activities have come, not how much of the plan is done.",
    )
    if plan["earlier_activities"]:
        st.caption(
            f"{plan['earlier_activities']} linked "
            f"{'activity' if plan['earlier_activities'] == 1 else 'activities'} ended, or "
            f"{'was' if plan['earlier_activities'] == 1 else 'were'} last reported, before the "
            f"plan began ({plan['period_start']}): earlier work, not counted in its figures."
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
        summary=lambda: data.plan_progress(filters=filters, framework=code),
        items=lambda: data.item_progress(filters=filters, framework=code),
        items_history=lambda: data.items_history(filters=filters, framework=code),
        # The framework's line and each top-level item's, from one pass over the updates.
        history=lambda: data.activity_progress_history(filters=filters, framework=code, by="both"),
        **{f"prefetch_{number}": call for number, call in enumerate(prefetch)},
    )
    summary = got["summary"].set_index("code")
    if code not in summary.index:
        st.error(f"The store holds no framework {code!r}. Run `dashboard init`.")
        return
    plan = {"code": code, **summary.loc[code].to_dict()}
    items = got["items"]
    st.caption(f"{literal(plan['description'])} Source: {literal(plan['source'])}.")

    provisional = int(items["provisional"].sum())
    if provisional:
        st.warning(
            f"**Provisional structure.** {provisional} of {len(items)} items are a provisional "
            "working structure, not the plan's own wording; each names the source it rests on "
            "and is marked *(provisional)* wherever it appears. Activities link to items by "
            "code, so the official text can replace them without losing any link."
        )

    plan_figures(plan)
    if plan["earlier_activities"]:
        with st.expander(
            f"Earlier work: {plan['earlier_activities']} before {plan['period_start']}"
        ):
            # One page at a time: at scale earlier work is tens of thousands of activities.
            layout.paged_table(
                int(plan["earlier_activities"]),
                lambda offset, limit: data.earlier_work(
                    filters=filters, framework=code, offset=offset, limit=limit
                ),
                key=f"{code}_earlier",
                noun=("activity", "activities"),
            )
            layout.csv_download(
                data.later(queries.earlier_work, filters=filters, framework=code),
                key=f"{code}-earlier-work",
            )

    top_level = str(items.loc[items["depth"] == 0, "level"].iloc[0]) if len(items) else "item"
    layout.chart_with_data(
        data.activity_progress_bars(
            items,
            title=f"Status and activity progress by {top_level}: {plan['name']}",
            max_depth=0,
        ),
        charts.item_tree_table(items),
        name=f"{plan['short_name']} by {top_level}",
        key=f"{code}-progress",
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
            "Activity progress (%)": st.column_config.ProgressColumn(
                "Activity progress", format="%.0f %%", min_value=0, max_value=100
            ),
        },
    )
    st.caption(
        "An empty activity-progress cell means *no activity* of the plan's period (or only "
        "cancelled ones): never 0 %. *Activities counted* leaves out cancelled activities."
    )
    layout.csv_download(tree, key=f"{code}-tree")

    st.subheader("What is behind an item")
    # Labelled as links made before the items were kept in the URL by code named them.
    labels = dict(zip(items["code"], items["code"] + " " + items["title"], strict=True))
    chosen = _choose_item(code, labels)
    if chosen and bool(items.set_index("code").loc[chosen, "provisional"]):
        st.caption(
            f"{literal(labels[chosen])} {charts.PROVISIONAL}: an item of the provisional structure."
        )
    if chosen:
        total = data.activities_for_item_count(filters=filters, code=chosen)
        if not total:
            st.info(
                f"No activity serves {literal(labels[chosen])} (or any item below it) under these "
                "filters."
            )
        else:
            layout.paged_table(
                total,
                lambda offset, limit: data.activities_for_item(
                    filters=filters, code=chosen, offset=offset, limit=limit
                ),
                key=f"{code}_behind",
                noun=("activity", "activities"),
            )
            layout.csv_download(
                data.later(queries.activities_for_item, filters=filters, code=chosen),
                key=f"{code}-{chosen}-activities",
                label=f"Download {'this activity' if total == 1 else f'these {total:,} activities'}"
                " as CSV",
            )

    st.subheader("Pace: items under way against time")
    plan_pace(plan, got["items_history"], got["history"], filters)

    st.subheader(f"Activity progress by {top_level} over time")
    history = got["history"]
    series_labels = {code: f"{plan['short_name']} (all items)"} | {
        item: charts.item_label(item, title, bool(prov), width=40)
        for item, title, prov in zip(
            items["code"], items["title"], items["provisional"], strict=True
        )
    }
    layout.chart_with_data(
        data.activity_progress_lines(
            history,
            title=f"Activity progress over time: {plan['name']}",
            labels=series_labels,
            horizons={f"{plan['short_name']} ends": int(plan["period_end"])},
            as_of=filters.as_of_date(),
            emphasise=(code,),
        ),
        # The series named as on the chart (a provisional item says so in the CSV too).
        history.assign(label=history["series"].map(series_labels)),
        name="Activity progress over time",
        key=f"{code}-history",
        empty=_not_yet(plan) or "No progress update falls within these filters.",
    )
    layout.how_computed()


def _not_yet(plan: Mapping[str, Any]) -> str | None:
    """Why a plan shows no history yet: it had not started on the date asked for."""
    if plan["plan_year"] == 0:
        return (
            f"The {plan['short_name']} starts in {plan['period_start']}: as of "
            f"{plan['as_of']} there is nothing to show yet."
        )
    return None


def plan_pace(
    plan: Mapping[str, Any], items: pd.DataFrame, activity: pd.DataFrame, filters: Filters
) -> None:
    """A plan's items started and completed over its period, against the time elapsed."""
    line = activity[activity["series"] == plan["code"]] if not activity.empty else activity
    layout.chart_with_data(
        data.plan_pace(
            items,
            line,
            title=f"Items started and completed against time: {plan['name']}",
            start=dt.date(int(plan["period_start"]), 1, 1),
            end=dt.date(int(plan["period_end"]), 12, 31),
            as_of=filters.as_of_date(),
        ),
        items,
        name=f"{plan['short_name']}: items over time",
        key=f"{plan['code']}-pace",
        empty=_not_yet(plan) or "No item of this plan has a status to show.",
    )


def every_plan_pace(filters: Filters) -> None:
    """Each plan's pace, one chart each: each starts at its own plan's start."""
    summary = data.plan_progress(filters=filters)
    got = data.gather(
        **{
            f"{code}-items": lambda code=code: data.items_history(filters=filters, framework=code)
            for code in summary["code"]
        },
        **{
            f"{code}-activity": lambda code=code: data.activity_progress_history(
                filters=filters, framework=code
            )
            for code in summary["code"]
        },
    )
    for row in summary.to_dict("records"):
        plan = {str(key): value for key, value in row.items()}
        st.subheader(str(plan["name"]))
        st.markdown(charts.plan_sentence(plan))
        plan_pace(plan, got[f"{plan['code']}-items"], got[f"{plan['code']}-activity"], filters)
