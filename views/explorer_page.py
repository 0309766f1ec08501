"""Activities explorer: every activity in scope, searchable and sortable, as exact CSV."""

import streamlit as st

from dashboard.export import export_filename
from dashboard.queries.activities import SORT_COLUMNS
from dashboard.ui import data, layout
from dashboard.ui.sidebar import shared_filters

layout.header(
    "Activities",
    "Every activity with its Strategy items and CAMI sections, places, organisations and "
    "progress. The download holds exactly the rows and columns shown, in the order shown.",
)

with layout.guard("The activities explorer"), st.spinner("Listing the activities…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    funders = dict(data.funder_options())
    search_column, funder_column, sort_column, order_column = st.columns([3, 3, 2, 1.4])
    search = search_column.text_input(
        "Search",
        key="q",
        bind="query-params",
        placeholder="Words in the id, title or description",
    )
    funded_by = funder_column.multiselect(
        "Funded by",
        list(funders),
        format_func=lambda slug: funders.get(slug, slug),
        key="funded_by",
        bind="query-params",
        placeholder="Any funder",
    )
    sort = sort_column.selectbox("Sort by", SORT_COLUMNS, key="sort", bind="query-params")
    order_column.markdown("&nbsp;")
    descending = order_column.toggle("Descending", key="desc", bind="query-params")

    listing = data.activity_listing(
        filters=filters,
        funders=tuple(funded_by),
        search=search,
        sort=sort,
        descending=descending,
    )
    if listing.empty:
        st.info(
            "No activity matches the current filters"
            + (f" and the search “{search.strip()}”" if search.strip() else "")
            + ". Widen the filters in the sidebar, or use *Reset filters*."
        )
        st.stop()

    demo_rows = int(listing["demo"].sum())
    st.caption(
        f"**{len(listing)} {'activity' if len(listing) == 1 else 'activities'}**"
        + (f", {demo_rows} of them demo data (demo = true)" if demo_rows else "")
        + f", sorted by {sort}{' (descending)' if descending else ''}. Status and progress "
        "are as of the filters' date. Sorting by clicking a column header changes only the "
        "view; the download follows *Sort by*."
    )
    st.dataframe(
        listing,
        hide_index=True,
        width="stretch",
        # Every row without scrolling inside the table, up to about twenty at a time.
        height=min(35 * (len(listing) + 1) + 3, 743),
        # Empty cells stay empty, as in the CSV.
        placeholder="",
        column_config={
            "progress_pct": st.column_config.ProgressColumn(
                "progress_pct", min_value=0, max_value=100, format="%.0f %%"
            ),
        },
        key="activities-table",
    )
    layout.csv_download(
        listing,
        key="activities",
        file_name=export_filename("activities", filters, funders=tuple(funded_by), search=search),
        label="Download this row as CSV"
        if len(listing) == 1
        else f"Download these {len(listing)} rows as CSV",
    )
