"""Overview: how far each plan has come, where work happens, and what changed lately."""

import streamlit as st

from dashboard import charts
from dashboard.ui import data, layout
from dashboard.ui.framework_view import plan_figures
from dashboard.ui.sidebar import shared_filters

layout.header(
    "Manul Progress",
    "How the conservation of the Pallas's cat (Felis manul) is going, against the Conservation "
    "Strategy 2018–2028 and the CMS CAMI Work Programme 2026–2032.",
)

with layout.guard("The overview"), st.spinner("Computing the overview…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    # Independent queries run at the same time; a first start at scale is then much shorter.
    got = data.gather(
        counts=lambda: data.headline(filters=filters),
        summary=lambda: data.plan_progress(filters=filters),
        statuses=lambda: data.status_counts(filters=filters),
        funding=lambda: data.funding_by_currency(filters=filters),
        latest=lambda: data.latest_updates(filters=filters),
    )
    counts, summary = got["counts"], got["summary"]
    if counts["activities"] == 0:
        st.info(
            "No activity matches the current filters"
            + (f" as of {filters.as_of.isoformat()}" if filters.as_of else "")
            + ". Widen the filters in the sidebar, or use *Reset filters*."
        )
        st.stop()

    columns = st.columns(3)
    columns[0].metric(
        "Activities",
        counts["activities"],
        help=f"{counts['demo_activities']} of them demo data",
    )
    columns[1].metric(
        "Range states with activity",
        f"{counts['countries']} of {counts['range_states']}",
    )
    columns[2].metric(
        "PTCRs with activity",
        f"{counts['regions']} of {counts['all_regions']}",
        help="CAMI Priority Transboundary Conservation Regions that list the Pallas's cat.",
    )

    for row in summary.to_dict("records"):
        plan = {str(key): value for key, value in row.items()}
        with st.container(border=True):
            st.subheader(str(plan["name"]))
            plan_figures(plan)

    left, right = st.columns(2)
    with left:
        statuses = got["statuses"]
        layout.chart_with_data(
            charts.status_bar(statuses), statuses, name="Activities by status", key="status"
        )
    with right:
        funding = got["funding"]
        st.subheader("Funding by currency")
        if funding.empty:
            st.info("No funding is recorded for the activities shown.")
        else:
            layout.listing(funding, width="content")
            st.caption(
                "Amounts stay in their own currency; they are never added across currencies."
            )

    progress = data.gather(
        **{
            code: lambda code=code: data.item_progress(filters=filters, framework=code)
            for code in summary["code"]
        }
    )
    for framework in summary.itertuples():
        items = progress[framework.code]
        top_level = str(items.loc[items["depth"] == 0, "level"].iloc[0]) if len(items) else "item"
        layout.chart_with_data(
            charts.activity_progress_bars(
                items,
                title=f"Status and activity progress by {top_level}: {framework.name}",
                max_depth=0,
            ),
            charts.item_tree_table(items),
            name=str(framework.name),
            key=f"progress-{framework.code}",
            empty=f"The {framework.short_name} has no items.",
        )

    st.subheader("Latest progress updates")
    layout.listing(got["latest"])
    layout.how_computed()
