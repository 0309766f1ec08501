"""Funder impact: what one funder's support reached and achieved, in words a board can read."""

import streamlit as st

from dashboard import charts, queries
from dashboard.export import export_filename
from dashboard.markup import literal
from dashboard.provisional import PROVISIONAL
from dashboard.ui import data, funders, layout, links, printing
from dashboard.ui.funder_choice import choose_funder
from dashboard.ui.sidebar import shared_filters

layout.header(
    "Funder impact",
    "What a funder's support reached: the activities, what they achieved against their "
    "targets, the plans they advance and where the work happens. Print it or save it as PDF "
    "with your browser's Print command.",
)

with layout.guard("The funder page"), st.spinner("Gathering the funder's figures…"):
    filters = shared_filters()
    printing.report_layout()
    funder = choose_funder()
    if funder is None:
        layout.demo_notice(filters)
        layout.as_of_notice(filters)
        funders.overview(filters)
        st.stop()
    # Chosen (not None): the name keeps that type inside the lambdas below.
    funder_slug = funder

    data.prefetch(
        lambda: data.funder_figures(filters=filters, funder=funder_slug),
        lambda: data.funder_outputs(filters=filters, funder=funder_slug),
        lambda: data.funder_funding(filters=filters, funder=funder_slug),
        lambda: data.funder_items(filters=filters, funder=funder_slug),
        lambda: data.funder_sites(filters=filters, funder=funder_slug),
        # The first page of the activities, which most visits show.
        lambda: data.funder_activities(
            filters=filters, funder=funder_slug, offset=0, limit=printing.LISTING_PAGE_SIZE
        ),
    )
    figures = data.funder_figures(filters=filters, funder=funder)
    if figures is None:
        st.info(f"“{literal(funder)}” is no longer in the store. Choose another funder above.")
        st.stop()
    st.header(literal(figures.name))
    layout.demo_notice(filters)
    layout.as_of_notice(filters)
    if not figures.activities:
        st.info(
            f"No activity supported by {literal(figures.name)} matches the current filters. "
            "Widen the filters in the sidebar, or use *Reset filters*."
        )
        st.stop()

    outputs = data.funder_outputs(filters=filters, funder=funder)
    as_of = filters.as_of.isoformat() if filters.as_of else ""
    with st.container(border=True):
        st.markdown(charts.plain_summary(figures, outputs, as_of=as_of))

    columns = st.columns(3 + len(figures.funding))
    columns[0].metric("Activities supported", figures.activities)
    columns[1].metric("Range states", len(figures.countries))
    columns[2].metric("CAMI priority regions", figures.regions)
    for column, (currency, amount) in zip(columns[3:], figures.funding, strict=True):
        column.metric(f"Funding ({currency})", f"{amount:,.0f}")
    if len(figures.funding) > 1:
        st.caption("Each currency is shown on its own; amounts are never added across them.")

    funding = data.funder_funding(filters=filters, funder=funder)
    st.subheader("Funding by year")
    if funding.empty:
        st.info(
            f"The amounts of {figures.name}'s support are not published "
            f"({figures.unpublished} funding "
            f"{'record' if figures.unpublished == 1 else 'records'} without a figure)."
            if figures.unpublished
            else f"No funding amount is recorded for {figures.name}; the support is a link only."
        )
    else:
        st.plotly_chart(
            data.funding_by_year(funding, title=f"Funding by {figures.name}, by year"),
            width=printing.REPORT_WIDTH,
            key="funder-funding-chart",
            config=charts.chart_config("funder-funding"),
        )
        printing.report_table(funding, whole=["amount"])
        layout.csv_download(funding, key=f"funder-{funder}-funding", filters=filters)

    st.subheader("Activities supported")
    printing.report_listing(
        figures.activities,
        lambda offset, limit: data.funder_activities(
            filters=filters, funder=funder_slug, offset=offset, limit=limit
        ),
        key="funder-activities",
        noun=("activity", "activities"),
        percent=["progress_pct"],
    )
    every_activity = data.later(queries.funder_activities, filters=filters, funder=funder)
    layout.csv_download(every_activity, key=f"funder-{funder}-activities", filters=filters)

    st.subheader("Outputs against targets")
    if outputs.empty:
        st.info("No output is reported yet for these activities.")
    else:
        if outputs["pct_of_target"].notna().any():
            st.plotly_chart(
                data.outputs_against_targets(outputs),
                width=printing.REPORT_WIDTH,
                key="funder-outputs-chart",
                config=charts.chart_config("funder-outputs"),
            )
        printing.report_table(outputs, whole=["achieved", "target"], percent=["pct_of_target"])
        layout.csv_download(outputs, key=f"funder-{funder}-outputs", filters=filters)

    items = data.funder_items(filters=filters, funder=funder)
    st.subheader("The plans this support advances")
    if items.empty:
        st.info("These activities are not linked to any Strategy item or CAMI section yet.")
    else:
        st.plotly_chart(
            data.items_advanced(
                items,
                title="Conservation Strategy items and CAMI sections advanced",
            ),
            width=printing.REPORT_WIDTH,
            key="funder-items-chart",
            config=charts.chart_config("funder-items"),
        )
        printing.report_table(items, percent=["completion_pct"])
        layout.provisional_note(bool(items["title"].str.endswith(PROVISIONAL).any()))
        layout.csv_download(items, key=f"funder-{funder}-items", filters=filters)

    sites = data.funder_sites(filters=filters, funder=funder)
    st.subheader("Where the work happens")
    if sites.empty:
        st.info("No site is recorded for these activities (range-wide or desk work).")
    else:
        layout.deck_map(
            data.funder_sites_deck(sites),
            width=printing.REPORT_WIDTH,
            height=400,
            key="funder-sites-map",
            # A click on a site opens its activity's page.
            on_select=lambda: links.open_from_map(
                st.session_state["funder-sites-map"].selection.objects
            ),
            selection_mode="single-object",
        )
        links.open_chosen_activity()
        st.html(charts.status_legend_html(sites["status"]))
        st.caption(
            f"{len(sites):,} site(s) of the activities above, coloured by status; click a site "
            "to open its activity's page. Outlines: the range states (Natural Earth, public "
            "domain)."
        )
        with st.expander("The sites on the map"):
            printing.report_listing(
                len(sites),
                lambda offset, limit: sites.iloc[offset : offset + limit],
                key="funder-sites",
                noun=("site", "sites"),
                # The expander is left out of print.
                printed=False,
            )
            layout.csv_download(sites, key=f"funder-{funder}-sites", filters=filters)

    printing.report_zip(
        {
            "funding": funding,
            "activities": every_activity,
            "outputs": outputs,
            "items": items,
            "sites": sites,
        },
        file_name=export_filename(f"funder-{funder}", filters, extension="zip"),
        key="funder-summary-zip",
    )
