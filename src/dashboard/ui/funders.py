"""The funder page before a funder is chosen: every funder side by side."""

from __future__ import annotations

import streamlit as st

from dashboard import charts
from dashboard.filters import Filters
from dashboard.ui import data, layout


def overview(filters: Filters) -> None:
    """Every funder's activities, reach and funding per currency, to compare and to open."""
    table = data.funders_overview(filters=filters)
    if table.empty:
        st.info("No funding or funder is recorded in the store yet.")
        return
    st.subheader("All funders")
    st.caption(
        "Choose a funder above, or open its page from the table, for what its support reached "
        "and achieved. Each funder counts the activities it funds or is linked to as a "
        "funder; an activity several funders support counts for each. Amounts stay in their "
        "own currency and are never added across currencies."
    )
    shown = charts.funders_table(table)
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config={
            "Funder page": st.column_config.LinkColumn(
                "Funder page", display_text="open", help="This funder's own page"
            ),
            **{
                column: st.column_config.NumberColumn(column, format="localized")
                for column in shown.columns
                if column.startswith("Funding (")
            },
        },
    )
    unpublished = int(table["unpublished"].sum())
    if unpublished:
        st.caption(
            f"{unpublished} funding {'record' if unpublished == 1 else 'records'} of these "
            "funders publish no amount: the support is documented, the figure is not, and no "
            "figure above includes it."
        )
    layout.csv_download(table, key="funders-overview", filters=filters)
    if charts.overview_currencies(table) and (table.filter(like="funding_") > 0).any().any():
        st.plotly_chart(
            charts.funders_compared(table, title="Funding by funder, in each currency"),
            width="stretch",
            key="funders-compared",
            config=charts.chart_config("funders-compared"),
        )
