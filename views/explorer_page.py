"""Activities explorer: every activity in scope, searchable and sortable, as exact CSV."""

import streamlit as st

from dashboard import labels, queries
from dashboard.export import export_filename
from dashboard.markup import literal
from dashboard.provisional import PROVISIONAL_STRUCTURE
from dashboard.queries.activities import SORT_COLUMNS
from dashboard.ui import data, layout
from dashboard.ui.sidebar import shared_filters

# Shown first, so that status and progress are in view on a laptop's screen; the other
# columns (the plans' item codes among them) follow in the listing's order.
DEFAULT_SORT = "demo"
LEAD_COLUMNS = ("title", "status", "progress_pct", "start_date", "end_date", "countries")

layout.header(
    "Activities",
    "Every activity with its Strategy items and CAMI sections, places, organisations and "
    "progress, 50 to a page. The download holds the rows of every page, with the columns "
    "shown.",
)

with layout.guard("The activities explorer"), st.spinner("Listing the activities…"):
    filters = shared_filters()
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    funders = dict(data.funder_options(include_demo=filters.include_demo))
    search_column, funder_column, sort_column, order_column = st.columns([3, 3, 2, 1.4])
    search = search_column.text_input(
        "Search",
        key="q",
        bind="query-params",
        on_change=layout.first_pages,
        placeholder="Words in the id, title or description",
    )
    funded_by = funder_column.multiselect(
        "Funded by",
        list(funders),
        format_func=lambda slug: funders.get(slug, slug),
        key="funded_by",
        bind="query-params",
        on_change=layout.first_pages,
        placeholder="Any funder",
    )
    # Offered by their labels; a link that names the column by its code still opens it.
    sort_labels = {
        code: "Documented first" if code == "demo" else labels.column_label(code)
        for code in SORT_COLUMNS
    }
    layout.relabel_link("sort", sort_labels)
    sort = sort_column.selectbox(
        "Sort by",
        SORT_COLUMNS,
        # By default the documented records come first (by id), the invented ones after.
        index=SORT_COLUMNS.index(DEFAULT_SORT),
        format_func=sort_labels.__getitem__,
        key="sort",
        bind="query-params",
        on_change=layout.first_pages,
    )
    order_column.markdown("&nbsp;")
    descending = order_column.toggle(
        "Descending", key="desc", bind="query-params", on_change=layout.first_pages
    )

    chosen_funders = tuple(funded_by)
    size = data.listing_size(filters=filters, funders=chosen_funders, search=search)
    if not size.activities:
        st.info(
            "No activity matches the current filters"
            + (f" and the search “{literal(search.strip())}”" if search.strip() else "")
            + ". Widen the filters in the sidebar, or use *Reset filters*."
        )
        st.stop()

    st.caption(
        f"**{size.activities:,} {'activity' if size.activities == 1 else 'activities'}**"
        + (f", {size.demo:,} of them demo data (demo = true)" if size.demo else "")
        + (
            ", documented records first, by id"
            if sort == DEFAULT_SORT
            else f", sorted by {sort_labels[sort].lower()}"
        )
        + (" (descending)" if descending else "")
        + ". Status and progress are as of the filters' date. Sorting by clicking a column "
        "header reorders only the rows shown; the pages and the download follow *Sort by*."
    )
    shown = layout.paged_table(
        size.activities,
        # The page's activities in the listing's order, then their rows.
        lambda offset, limit: data.listing_rows(
            filters=filters,
            ids=tuple(
                data.listing_order(
                    filters=filters,
                    funders=chosen_funders,
                    search=search,
                    sort=sort,
                    descending=descending,
                    offset=offset,
                    limit=limit,
                )
            ),
        ),
        key="activities",
        noun=("activity", "activities"),
        # What a reader looks for first; the download keeps the listing's own column order.
        first=LEAD_COLUMNS,
    )
    layout.provisional_note(any(PROVISIONAL_STRUCTURE in str(name) for name in shown.columns))
    layout.csv_download(
        # The whole filtered, sorted listing, made when the button is clicked.
        data.later(
            queries.activity_listing,
            filters=filters,
            funders=chosen_funders,
            search=search,
            sort=sort,
            descending=descending,
        ),
        key="activities",
        file_name=export_filename("activities", filters, funders=chosen_funders, search=search),
        label="Download this row as CSV"
        if size.activities == 1
        else f"Download these {size.activities:,} rows as CSV",
    )
